"""The demo desk's tickets, planned from a seed: how many, when, about what, from whom.

Pure: the plan is plain values (`TicketPlan`, `Step`) that `ticket_writer` replays through
the actions; each ticket's life is played by `conversation.Conversation`.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from itertools import accumulate

from tandem.core.demo import texts, texts_support
from tandem.core.demo.calendar import add_business_minutes, is_business_time
from tandem.core.demo.cast import AgentSpec, Cast
from tandem.core.demo.conversation import CLOSE_AFTER, Conversation, Step, TicketPlan, fill
from tandem.core.demo.slots import Person, conversation_slots
from tandem.core.demo.texts import Category
from tandem.core.demo.texts_service import SERVICE_CATEGORIES
from tandem.core.demo.texts_support import SUPPORT_CATEGORIES

HISTORY_DAYS = 90
CHANNEL_WEIGHTS = {
    "service": {"email": 38, "portal": 14, "chat": 20, "phone": 10, "web": 6, "api": 12},
    "support": {"email": 34, "portal": 26, "chat": 14, "phone": 5, "web": 6, "api": 15},
}
PRIORITY_WEIGHTS = {
    "service": {"low": 20, "normal": 62, "high": 15, "urgent": 3},
    "support": {"low": 10, "normal": 55, "high": 27, "urgent": 8},
}
# Customers write at every hour, most in the working day.
HOUR_WEIGHTS = (
    0.1,
    0.08,
    0.06,
    0.06,
    0.08,
    0.12,
    0.25,
    0.5,
    0.9,
    1.0,
    1.0,
    0.95,
    0.8,
    0.9,
    1.0,
    0.95,
    0.85,
    0.7,
    0.5,
    0.4,
    0.35,
    0.3,
    0.2,
    0.15,
)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class StoryTeller:
    """Plans tickets one at a time; every random choice comes from the one seeded `rng`."""

    def __init__(
        self, rng: random.Random, cast: Cast, *, now: dt.datetime, days: int = HISTORY_DAYS
    ):
        self.rng = rng
        self.days = days
        self.cast = cast
        self.now = now
        self.contact_cumulative = list(accumulate(c.weight for c in cast.contacts))
        self.org_plans = {o.index: o.plan for o in cast.organizations}
        self.org_names = {o.index: o.name for o in cast.organizations}

    # --- who and when -------------------------------------------------------

    def pick_contact(self) -> int:
        point = self.rng.random() * self.contact_cumulative[-1]
        return min(bisect(self.contact_cumulative, point), len(self.contact_cumulative) - 1)

    def sample_created(self) -> dt.datetime:
        """A moment in the last `days`, weighted by hour and weekday, slightly growing."""
        while True:
            age_days = self.rng.random() * self.days
            moment = self.now - dt.timedelta(days=age_days)
            weight = HOUR_WEIGHTS[moment.hour] * (1.0 if moment.weekday() < 5 else 0.35)
            weight *= 1.0 - 0.25 * age_days / self.days
            if self.rng.random() < weight:
                return moment.replace(microsecond=0)

    def agent_of(self, team: str, *, avoid: str | None = None) -> AgentSpec:
        candidates = self.cast.team_agents(team)
        if avoid and len(candidates) > 1:
            candidates = [a for a in candidates if a.email != avoid]
        return self.rng.choice(candidates)

    # --- one ticket -----------------------------------------------------------

    def plan_ticket(
        self,
        key: int,
        *,
        track: str | None = None,
        category: Category | None = None,
        created: dt.datetime | None = None,
        solve_first: bool | None = None,
    ) -> TicketPlan:
        rng = self.rng
        track = track or (
            category.track if category else ("service" if rng.random() < 0.55 else "support")
        )
        if category is None:
            pool = SERVICE_CATEGORIES if track == "service" else SUPPORT_CATEGORIES
            category = rng.choices(pool, weights=[c.weight for c in pool])[0]
        created = created or self.sample_created()
        contact_index = self.pick_contact()
        contact = self.cast.contacts[contact_index]
        org_plan = self.org_plans.get(contact.organization, "Starter")
        company = self.org_names.get(contact.organization, f"{contact.first} {contact.last}")
        domain = contact.email.partition("@")[2]
        slots = conversation_slots(
            rng,
            person=Person(contact.first, contact.last, company, domain),
            created=created,
            plan=org_plan,
        )
        details = rng.sample(category.details, k=min(3, len(category.details)))
        opening = fill(rng.choice(category.openings), slots)
        body_details = " ".join(fill(d, slots) for d in details[: rng.randint(1, 2)])
        body = f"{opening} {body_details}\n\n{fill(rng.choice(texts.CUSTOMER_SIGN_OFFS), slots)}"
        channel = _weighted(rng, CHANNEL_WEIGHTS[track])
        priority = (
            ("urgent" if rng.random() < 0.4 else "high")
            if category.key == "outage"
            else _weighted(rng, PRIORITY_WEIGHTS[track])
        )
        team = category.team
        opened_by, opener, assignee = "contact", None, None
        if channel in ("phone", "web"):
            opened_by = "agent"
            opener = assignee = self.agent_of(team).email
        elif channel == "api":
            opened_by = "api"
        if assignee is None and (
            rng.random() < 0.5 or (channel == "chat" and is_business_time(created))
        ):
            assignee = self.agent_of(team).email  # the router's round-robin
        tags = tuple(rng.sample(category.tags, k=rng.choice((0, 1, 1, 2))))
        if org_plan == "Enterprise" and rng.random() < 0.7:
            tags += ("vip",)
        custom: dict = {}
        if category.key in ("orders", "returns", "refunds") and rng.random() < 0.8:
            custom["order_number"] = slots["order"]
        if contact.organization is not None and rng.random() < 0.6:
            custom["plan"] = org_plan
        if track == "support" and rng.random() < 0.5:
            custom["affected_users"] = int(slots["users"])
        plan = TicketPlan(
            key=key,
            contact=contact_index,
            subject=fill(rng.choice(category.subjects), slots),
            body=body,
            track=track,
            category=category.key,
            channel=channel,
            priority=priority,
            team=team,
            assignee=assignee,
            opened_by=opened_by,
            opener=opener,
            tags=tags,
            custom_fields=custom,
            created_at=created,
        )
        Conversation(self, plan, category, slots, details[2:], solve_first=solve_first).play()
        plan.steps = [step for step in plan.steps if step.at <= self.now]
        return plan

    def plan_duplicate(self, key: int, original: TicketPlan) -> TicketPlan | None:
        """The same customer writing again through another channel; merged into the original.

        The agent merges it when they next touch the original; for a ticket still open
        today, when they notice it (business time later).
        """
        rng = self.rng
        solved = [
            s for s in original.steps if s.status in ("solved", "closed") or s.kind == "close"
        ]
        created = original.created_at + dt.timedelta(minutes=rng.randint(8, 180))
        nexts = [
            s
            for s in original.steps
            if s.agent
            and s.kind in ("reply", "assign")
            and s.at > created + dt.timedelta(minutes=2)
        ]
        if nexts and not (solved and nexts[0].at >= solved[0].at):
            merge_at, agent = nexts[0].at - dt.timedelta(seconds=30), nexts[0].agent
        elif solved:
            return None
        else:
            created = original.last_at + dt.timedelta(minutes=rng.randint(10, 600))
            merge_at = add_business_minutes(created, rng.uniform(5, 90))
            agent = original.assignee or self.agent_of(original.team).email
        if merge_at > self.now:
            return None
        channel = "portal" if original.channel == "email" else "email"
        opening = original.body.split("\n\n")[0]
        body = fill(rng.choice(texts.DUPLICATE_BODIES), {}, opening=opening)
        merge = Step(
            at=merge_at.replace(microsecond=0),
            kind="merge",
            agent=agent,
            body=rng.choice(texts.MERGE_NOTES),
            target=original.key,
        )
        # The close step matters only where the duplicate ends solved rather than merged.
        close = Step(at=merge.at + CLOSE_AFTER, kind="close")
        return TicketPlan(
            key=key,
            contact=original.contact,
            subject=original.subject,
            body=body,
            track=original.track,
            category=original.category,
            channel=channel,
            priority=original.priority,
            team=original.team,
            assignee=None,
            opened_by="contact",
            opener=None,
            tags=(),
            custom_fields={},
            created_at=created.replace(microsecond=0),
            steps=[s for s in (merge, close) if s.at <= self.now],
        )


def plan_tickets(
    rng: random.Random, cast: Cast, *, count: int, now: dt.datetime, days: int = HISTORY_DAYS
) -> list[TicketPlan]:
    """`count` tickets over the last `days`, in creation order, keys 0..n-1.

    Includes one outage morning (a burst of support tickets answered with the incident
    reply) and a few duplicates that agents merge into the customer's first ticket.
    """
    teller = StoryTeller(rng, cast, now=now, days=days)
    outage_count = max(3, count // 200)
    duplicate_count = max(2, count // 70)
    plans = [teller.plan_ticket(key) for key in range(count - outage_count - duplicate_count)]
    outage_day = (now - dt.timedelta(days=days // 4 + 1)).replace(
        hour=9, minute=35, second=0, microsecond=0
    )
    while outage_day.weekday() >= 5:
        outage_day -= dt.timedelta(days=1)
    for _ in range(outage_count):
        at = outage_day + dt.timedelta(minutes=rng.uniform(0, 150))
        plans.append(
            teller.plan_ticket(
                len(plans),
                category=texts_support.OUTAGE,
                created=at.replace(microsecond=0),
                solve_first=True,
            )
        )
    originals = [p for p in plans if p.channel in ("email", "portal")]
    # A few duplicates of tickets still open today, so the desk shows live merges too.
    still_open = [
        p for p in originals if not any(s.status == "solved" or s.kind == "close" for s in p.steps)
    ]
    candidates = rng.sample(still_open, k=min(len(still_open), 6))
    candidates += rng.sample(originals, k=min(len(originals), duplicate_count * 3))
    seen: set[int] = set()
    for original in candidates:
        if len(plans) >= count:
            break
        if original.key in seen:
            continue
        seen.add(original.key)
        duplicate = teller.plan_duplicate(len(plans), original)
        if duplicate is not None:
            plans.append(duplicate)
    while len(plans) < count:
        plans.append(teller.plan_ticket(len(plans)))
    # Keys follow creation order, so ticket numbers do too; merge targets follow their ticket.
    plans.sort(key=lambda p: (p.created_at, p.key))
    new_keys = {plan.key: index for index, plan in enumerate(plans)}
    for plan in plans:
        plan.key = new_keys[plan.key]
        for step in plan.steps:
            if step.target is not None:
                step.target = new_keys[step.target]
    return plans
