"""One demo conversation played forward: who writes what, and when (pure, no Django).

Timings follow how a desk works: customers write around the clock, agents answer in
business hours, live chats in minutes; support escalates by tier; solved tickets sometimes
reopen, and are closed a few days after they are solved.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tandem.core.demo import texts, texts_support
from tandem.core.demo.calendar import add_business_minutes, is_business_time
from tandem.core.demo.texts import Category

if TYPE_CHECKING:
    from tandem.core.demo.stories import StoryTeller

CLOSE_AFTER = dt.timedelta(days=4)  # what the desk's close automation would do
TIER_TEAMS = {1: "Support Tier 1", 2: "Support Tier 2", 3: "Support Tier 3"}
PRIORITY_PACE = {"low": 1.8, "normal": 1.0, "high": 0.5, "urgent": 0.25}


@dataclass
class Step:
    """One thing that happens to a ticket after it is opened."""

    at: dt.datetime
    # assign | reply | note | customer | status | escalate | merge | close
    kind: str
    agent: str | None = None  # acting agent's email
    body: str = ""
    status: str | None = None
    team: str | None = None
    channel: str | None = None
    changes: dict = field(default_factory=dict)
    target: int | None = None  # merge: the surviving ticket's plan key


@dataclass
class TicketPlan:
    key: int
    contact: int
    subject: str
    body: str
    track: str
    category: str
    channel: str
    priority: str
    team: str
    assignee: str | None
    opened_by: str  # contact | agent | api
    opener: str | None  # the agent who typed it in (phone, web)
    tags: tuple[str, ...]
    custom_fields: dict
    created_at: dt.datetime
    steps: list[Step] = field(default_factory=list)

    @property
    def last_at(self) -> dt.datetime:
        return self.steps[-1].at if self.steps else self.created_at


def _lognormal_minutes(rng: random.Random, median: float, sigma: float, cap: float) -> float:
    return min(rng.lognormvariate(math.log(median), sigma), cap)


def fill(template: str, slots: dict[str, str], **extra: str) -> str:
    return template.format_map({**slots, **extra})


class Conversation:
    """Plays one ticket's life forward from its creation, appending `Step`s to the plan."""

    def __init__(
        self,
        teller: StoryTeller,
        plan: TicketPlan,
        category: Category,
        slots: dict[str, str],
        spare_details: list[str],
        *,
        solve_first: bool | None,
    ):
        self.teller = teller
        self.rng = teller.rng
        self.cast = teller.cast
        self.plan = plan
        self.category = category
        self.slots = slots
        self.spare_details = list(spare_details)
        self.asked: set[str] = set()
        self.solve_first = solve_first
        self.t = plan.created_at
        self.agent = plan.assignee
        self.team = plan.team
        # Live chats in working hours are answered while the customer waits.
        self.live = plan.channel == "chat" and is_business_time(plan.created_at)

    # --- timing -----------------------------------------------------------------

    def _advance(self, moment: dt.datetime) -> dt.datetime:
        """Steps of one ticket are strictly ordered in time, a second apart at least."""
        self.t = max(moment, self.t + dt.timedelta(seconds=1)).replace(microsecond=0)
        return self.t

    def agent_delay(self, median: float) -> dt.datetime:
        if self.live:
            return self._advance(self.t + dt.timedelta(minutes=self.rng.uniform(1, 4)))
        pace = PRIORITY_PACE[self.plan.priority]
        minutes = _lognormal_minutes(self.rng, median * pace, 1.1, cap=1800)
        return self._advance(add_business_minutes(self.t, minutes))

    def customer_delay(self) -> dt.datetime:
        if self.live:
            return self._advance(self.t + dt.timedelta(minutes=self.rng.uniform(1, 3)))
        moment = self.t + dt.timedelta(minutes=_lognormal_minutes(self.rng, 150, 1.3, 20000))
        if moment.hour < 7:  # most people answer after they wake up
            moment = moment.replace(hour=self.rng.randint(7, 10), minute=self.rng.randint(0, 59))
        return self._advance(moment)

    # --- writing ------------------------------------------------------------------

    def _agent_name(self, email: str) -> str:
        return next(a.first for a in self.cast.agents if a.email == email)

    def _agent_text(self, content: str, email: str) -> str:
        first = self.slots["first"]
        greeting = self.rng.choice(texts.GREETINGS).format(first=first)
        sign_off = self.rng.choice(texts.SIGN_OFFS).format(agent=self._agent_name(email))
        return f"{greeting}\n\n{content}\n\n{sign_off}"

    def _fill(self, template: str, **extra: str) -> str:
        return fill(template, self.slots, **extra)

    def _reply_channel(self) -> str:
        return self.plan.channel if self.plan.channel in ("email", "chat") else "web"

    def _customer_channel(self) -> str:
        if self.plan.channel in ("email", "portal") or (self.plan.channel == "chat" and self.live):
            return self.plan.channel
        return "email"

    def step(self, kind: str, **fields) -> Step:
        step = Step(at=self.t, kind=kind, **fields)
        self.plan.steps.append(step)
        return step

    def reply(self, content: str, *, status: str | None) -> None:
        self.step(
            "reply",
            agent=self.agent,
            body=self._agent_text(content, self.agent),
            status=status,
            channel=self._reply_channel(),
        )

    def resolution(self) -> str:
        return self._fill(self.rng.choice(self.category.replies))

    def question(self) -> str:
        """A question not asked yet in this conversation (a second agent reads the first)."""
        specific = [q for q in self.category.questions if q not in self.asked]
        generic = [q for q in texts.GENERIC_QUESTIONS if q not in self.asked]
        question = self.rng.choice(specific or generic or texts.GENERIC_QUESTIONS)
        self.asked.add(question)
        return self._fill(question)

    def customer(self, body: str) -> None:
        self.step("customer", body=body, channel=self._customer_channel())

    def customer_answer(self) -> str:
        detail = (
            self._fill(self.spare_details.pop())
            if self.spare_details
            else "It is still happening as described."
        )
        return self._fill(self.rng.choice(texts.CUSTOMER_ANSWERS), detail=detail)

    def note(self, body: str, *, author: str | None = None) -> None:
        self.step("note", agent=author or self.agent, body=body)

    # --- the story ----------------------------------------------------------------

    def play(self) -> None:
        rng = self.rng
        plan = self.plan
        if plan.opened_by == "agent":
            self._advance(plan.created_at + dt.timedelta(minutes=rng.uniform(2, 12)))
        else:
            self.agent_delay(40 if plan.track == "service" else 60)
        if self.agent is None:
            self.agent = self.teller.agent_of(self.team).email
            changes = {"assignee": self.agent}
            if rng.random() < 0.08 and plan.priority in ("low", "normal"):
                changes["priority"] = "high"
            self.step("assign", agent=self.agent, changes=changes)
            self._advance(self.t + dt.timedelta(seconds=rng.randint(30, 600)))
        if rng.random() < 0.12:
            self.note(self._fill(rng.choice(self.category.notes)))
            self._advance(self.t + dt.timedelta(minutes=rng.uniform(1, 20)))

        escalate_to = self._escalation_plan()
        if escalate_to:
            self._escalated_story(escalate_to)
        else:
            self._tier_story()
        self._after_solved()

    def _escalation_plan(self) -> int | None:
        if self.plan.track != "support" or self.solve_first:
            return None
        roll = self.rng.random()
        if self.category.key in ("crash", "outage", "sync") and roll < 0.03:
            return 3
        if roll < 0.14:
            return 2
        if roll < 0.19:
            return 23  # tier 2 first, then tier 3
        return None

    def _tier_story(self) -> None:
        """Work the ticket at the current team until solved (or until the story runs out)."""
        rng = self.rng
        fcr = 0.62 if self.plan.track == "service" else 0.38
        if self.plan.opened_by == "agent":
            fcr = 0.7
        if self.solve_first or (self.solve_first is None and rng.random() < fcr):
            self.reply(self.resolution(), status="solved")
            return
        if rng.random() < 0.5:
            self.reply(self.question(), status="pending")
        else:
            self.reply(
                self.resolution() + " Let me know whether that works for you.", status="pending"
            )
            if rng.random() < 0.6:
                self.customer_delay()
                self.customer(rng.choice(texts.CUSTOMER_THANKS))
                self.agent_delay(30)
                self.step("status", agent=self.agent, status="solved")
                return
        self._rounds()

    def _rounds(self, *, first_solve_chance: float = 0.6) -> None:
        rng = self.rng
        chance = first_solve_chance
        for _ in range(4):
            if rng.random() < 0.12:  # the customer goes quiet; the agent closes the loop
                self._advance(add_business_minutes(self.t, rng.uniform(3, 5) * 600))
                self.reply(rng.choice(texts.PENDING_CLOSERS), status="solved")
                return
            self.customer_delay()
            self.customer(
                self.customer_answer() if rng.random() < 0.8 else rng.choice(texts.CUSTOMER_NUDGES)
            )
            self.agent_delay(50)
            if rng.random() < chance:
                content = self.resolution()
                self.reply(rng.choice(texts.AGENT_FOLLOWUPS).format(reply=content), status="solved")
                return
            self.reply(self.question(), status="pending")
            chance = min(0.95, chance + 0.2)
        self.reply(self.resolution(), status="solved")

    def escalate(self, tier: int) -> None:
        self.slots["tier"] = str(tier)
        self._advance(self.t + dt.timedelta(minutes=self.rng.uniform(2, 25)))
        note = self._fill(self.rng.choice(texts_support.ESCALATION_NOTES))
        self.step("escalate", agent=self.agent, team=TIER_TEAMS[tier], body=note)
        self.team = TIER_TEAMS[tier]
        self.agent_delay(90)
        self.agent = self.teller.agent_of(self.team, avoid=self.agent).email
        self.step("assign", agent=self.agent, changes={"assignee": self.agent})

    def _escalated_story(self, plan: int) -> None:
        rng = self.rng
        if plan != 3:
            self.reply(self.question(), status="pending")
            self.customer_delay()
            self.customer(self.customer_answer())
            self.agent_delay(45)
        if plan == 2:
            self.escalate(2)
            self._advance(self.t + dt.timedelta(minutes=rng.uniform(5, 40)))
            if rng.random() < 0.5:
                self.reply(self.resolution(), status="solved")
            else:
                self.reply(self.question(), status="pending")
                self._rounds(first_solve_chance=0.7)
            return
        if plan == 23:
            self.escalate(2)
            self._advance(self.t + dt.timedelta(minutes=rng.uniform(5, 40)))
            self.reply(self.question(), status="pending")
            self.customer_delay()
            self.customer(self.customer_answer())
            self.agent_delay(120)
        self.escalate(3)
        engineer = self.cast.light_agent.email
        self.agent_delay(180)
        self.note(self._fill(rng.choice(texts_support.ENGINEERING_NOTES)), author=engineer)
        self.agent_delay(30)
        self.reply(rng.choice(texts_support.ON_HOLD_REPLIES), status="on_hold")
        # Waiting for engineering takes days, sometimes weeks.
        self._advance(self.t + dt.timedelta(hours=_lognormal_minutes(rng, 70, 0.8, 600)))
        self.note(rng.choice(texts_support.ENGINEERING_NOTES[3:]), author=engineer)
        self.agent_delay(60)
        self.reply(rng.choice(texts_support.FIX_DEPLOYED_REPLIES), status="solved")

    def _after_solved(self) -> None:
        rng = self.rng
        solved_at = self.t
        reopen_chance = 0.05 if self.plan.track == "service" else 0.10
        if rng.random() < reopen_chance:
            moment = solved_at + dt.timedelta(minutes=_lognormal_minutes(rng, 1200, 1.0, 5000))
            if moment < solved_at + CLOSE_AFTER:
                self.live = False
                self._advance(moment)
                self.customer(rng.choice(texts.REOPENINGS))
                self.agent_delay(40)
                self.reply(rng.choice(texts.AGENT_REOPEN_REPLIES), status="solved")
                solved_at = self.t
        self._advance(solved_at + CLOSE_AFTER + dt.timedelta(minutes=rng.randint(0, 240)))
        self.step("close")
