"""Replays the planned ticket stories through the ticket actions, in global time order.

Every step of every ticket is applied in the order it happened, so ticket numbers follow
creation time and each ticket's events are written with non-decreasing `at` values.
The demo is history, not live traffic: replies are written with `deliver=False`, so no
customer (all on reserved `.example` domains anyway) is ever sent a thing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from tandem.core.demo.cast import ADMIN_EMAIL, Cast
from tandem.core.demo.conversation import Step, TicketPlan
from tandem.core.demo.people_writer import Desk
from tandem.core.demo.texts import DUPLICATE_NOTES
from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.tickets.models import Status, Ticket


@dataclass
class WriteStats:
    tickets: int = 0
    steps: int = 0
    merges: int = 0
    duplicates_solved: int = 0
    seconds: float = 0.0


class TicketWriter:
    def __init__(self, desk: Desk, cast: Cast, *, progress: Callable[[str], None]):
        self.desk = desk
        self.cast = cast
        self.progress = progress
        self.agent_actors = {email: Actor.for_agent(a) for email, a in desk.agents.items()}
        self.contact_actors: dict[int, Actor] = {}
        self.api_actor = Actor.for_api(desk.agents[ADMIN_EMAIL])
        self.system = Actor.system()
        self.tickets: dict[int, Ticket] = {}
        self.plans: dict[int, TicketPlan] = {}
        self.stats = WriteStats()

    def contact_actor(self, index: int) -> Actor:
        if index not in self.contact_actors:
            self.contact_actors[index] = Actor.for_contact(self.desk.contacts[index])
        return self.contact_actors[index]

    def run(self, plans: list[TicketPlan], *, batch_size: int = 2500) -> WriteStats:
        started = time.perf_counter()
        self.plans = {plan.key: plan for plan in plans}
        timeline = [(plan.created_at, plan.key, -1) for plan in plans]
        timeline += [
            (step.at, plan.key, index) for plan in plans for index, step in enumerate(plan.steps)
        ]
        timeline.sort()
        for start in range(0, len(timeline), batch_size):
            with transaction.atomic():
                for _, key, index in timeline[start : start + batch_size]:
                    plan = self.plans[key]
                    if index < 0:
                        self.open(plan)
                    else:
                        self.apply(plan, plan.steps[index])
            self.progress(
                f"tickets {self.stats.tickets:,}/{len(plans):,}, "
                f"{self.stats.steps:,} steps, {time.perf_counter() - started:.1f} s"
            )
        self.stats.seconds = time.perf_counter() - started
        return self.stats

    # --- one ticket, one step -------------------------------------------------------

    def open(self, plan: TicketPlan) -> None:
        desk = self.desk
        contact = desk.contacts[plan.contact]
        if plan.opened_by == "agent":
            actor = self.agent_actors[plan.opener]
        elif plan.opened_by == "api":
            actor = self.api_actor
        else:
            actor = self.contact_actor(plan.contact)
        message_id = (
            f"<demo-{plan.key}@{contact.email.partition('@')[2]}>"
            if plan.channel == "email"
            else ""
        )
        self.tickets[plan.key] = actions.create_ticket(
            actor=actor,
            contact=contact,
            subject=plan.subject,
            body=plan.body,
            channel=plan.channel,
            priority=plan.priority,
            track=plan.track,
            category=plan.category,
            team=desk.teams[plan.team],
            assignee=desk.agents[plan.assignee] if plan.assignee else None,
            tags=plan.tags,
            custom_fields=plan.custom_fields,
            message_id=message_id,
            at=plan.created_at,
        )
        self.stats.tickets += 1

    def apply(self, plan: TicketPlan, step: Step) -> None:
        ticket = self.tickets[plan.key]
        actor = self.agent_actors[step.agent] if step.agent else None
        kind = step.kind
        if kind == "assign":
            changes = dict(step.changes)
            changes["assignee"] = self.desk.agents[changes["assignee"]]
            ticket = actions.update_ticket(actor=actor, ticket=ticket, at=step.at, **changes)
        elif kind in ("reply", "note"):
            visibility = "public" if kind == "reply" else "internal"
            ticket = actions.add_message(
                actor=actor,
                ticket=ticket,
                body=step.body,
                visibility=visibility,
                status=step.status,
                channel=step.channel,
                at=step.at,
                deliver=False,
            ).ticket
        elif kind == "customer":
            ticket = actions.add_message(
                actor=self.contact_actor(plan.contact),
                ticket=ticket,
                body=step.body,
                channel=step.channel,
                at=step.at,
            ).ticket
        elif kind == "status":
            ticket = actions.update_ticket(
                actor=actor, ticket=ticket, status=step.status, at=step.at
            )
        elif kind == "escalate":
            ticket = self.escalate(ticket, step, actor)
        elif kind == "merge":
            self.merge(plan, step)
            ticket = self.tickets[plan.key]
        elif kind == "close":
            if ticket.status != Status.SOLVED:
                return
            ticket = actions.update_ticket(
                actor=self.system, ticket=ticket, status=Status.CLOSED, at=step.at
            )
        else:
            raise ValueError(f"unknown demo step {kind!r}")
        self.tickets[plan.key] = ticket
        self.stats.steps += 1

    def escalate(self, ticket: Ticket, step: Step, actor: Actor) -> Ticket:
        return actions.escalate_ticket(
            actor=actor,
            ticket=ticket,
            team=self.desk.teams[step.team],
            note=step.body,
            at=step.at,
        )

    def merge(self, plan: TicketPlan, step: Step) -> None:
        source, target = self.tickets[plan.key], self.tickets[step.target]
        if Status.CLOSED not in (source.status, target.status):
            self._merge(plan, step, at=step.at)
            return
        if source.status == Status.CLOSED:
            return  # the duplicate already ended on its own
        # A closed original takes no merge: the agent solves the duplicate with a pointer.
        actor = self.agent_actors[step.agent]
        note = DUPLICATE_NOTES[0].format(number=target.number)
        ticket = actions.add_message(
            actor=actor, ticket=source, body=note, visibility="internal", at=step.at
        ).ticket
        if ticket.status != Status.CLOSED:
            ticket = actions.update_ticket(
                actor=actor,
                ticket=ticket,
                status=Status.SOLVED,
                add_tags=["duplicate"],
                at=step.at,
            )
        self.tickets[plan.key] = ticket
        self.stats.duplicates_solved += 1

    def _merge(self, plan: TicketPlan, step: Step, *, at) -> None:
        target = actions.merge_tickets(
            actor=self.agent_actors[step.agent],
            source=self.tickets[plan.key],
            target=self.tickets[step.target],
            note=step.body,
            at=at,
        )
        self.tickets[step.target] = target
        self.tickets[plan.key] = Ticket.objects.get(pk=self.tickets[plan.key].pk)
        self.stats.merges += 1
