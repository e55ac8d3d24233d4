"""Giving a team's new ticket to one of its agents: round robin or least loaded, honouring
availability (online only), capacity (open tickets) and skills.

Who is eligible and who comes next are pure functions of plain values; `assign_ticket`
loads them, takes a row lock on the team (round robin's pointer lives there, so two
tickets arriving at once never go to the same "next" agent) and assigns through the
ticket actions. With nobody eligible the ticket stays unassigned and its routing row says
what it waits for; `assign_waiting_tickets` retries when an agent comes online.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from tandem.people.actors import Actor
from tandem.people.models import Agent, Team
from tandem.tickets import actions as ticket_actions
from tandem.tickets.models import UNSOLVED_STATUSES, Ticket
from tandem.workflow.models import TicketRouting

Strategy = Team.Assignment


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    online: bool
    open_tickets: int
    capacity: int | None
    skills: frozenset[str]

    def eligible_for(self, required: Sequence[str]) -> bool:
        under_capacity = self.capacity is None or self.open_tickets < self.capacity
        return self.online and under_capacity and set(required) <= self.skills


def choose(
    strategy: str, candidates: Sequence[Candidate], required: Sequence[str], last_id: int | None
) -> tuple[Candidate | None, str]:
    """The agent to assign and the reason, or (None, why nobody)."""
    eligible = sorted((c for c in candidates if c.eligible_for(required)), key=lambda c: c.agent_id)
    if not eligible:
        return None, _nobody(candidates, required)
    if strategy == Strategy.ROUND_ROBIN:
        after = [c for c in eligible if last_id is not None and c.agent_id > last_id]
        return (after or eligible)[0], "round robin: next available agent"
    if strategy == Strategy.LEAST_LOADED:
        chosen = min(eligible, key=lambda c: (c.open_tickets, c.agent_id))
        return chosen, f"least loaded: {chosen.open_tickets} open tickets"
    return None, ""


def _nobody(candidates: Sequence[Candidate], required: Sequence[str]) -> str:
    skill = f" with skill {', '.join(repr(s) for s in required)}" if required else ""
    if not candidates:
        return "waiting for an agent: the team has none"
    return f"waiting for an online agent{skill} under capacity"


def required_skills(ticket: Ticket) -> list[str]:
    routing = TicketRouting.objects.filter(ticket=ticket).first()
    skills = list(routing.required_skills) if routing else []
    from_field = (ticket.custom_fields or {}).get("required_skill")
    if isinstance(from_field, str) and from_field.strip() and from_field.strip() not in skills:
        skills.append(from_field.strip())
    return skills


def candidates_of(team: Team) -> list[Candidate]:
    agents = (
        Agent.objects.filter(teams=team, user__is_active=True)
        .exclude(role=Agent.Role.LIGHT)
        .annotate(
            open_tickets=Count(
                "assigned_tickets",
                filter=Q(assigned_tickets__status__in=UNSOLVED_STATUSES),
            )
        )
    )
    return [
        Candidate(
            agent_id=agent.pk,
            online=agent.availability == Agent.Availability.ONLINE,
            open_tickets=agent.open_tickets,
            capacity=agent.capacity,
            skills=frozenset(str(s).casefold() for s in agent.skills or []),
        )
        for agent in agents
    ]


@transaction.atomic
def assign_ticket(*, ticket: Ticket) -> Ticket:
    """Assign an unassigned ticket by its team's strategy; a manual team is left alone."""
    if ticket.assignee_id or ticket.team_id is None or ticket.status not in UNSOLVED_STATUSES:
        return ticket
    team = Team.objects.select_for_update().get(pk=ticket.team_id)
    if team.assignment_strategy == Strategy.MANUAL:
        return ticket
    required = [s.casefold() for s in required_skills(ticket)]
    chosen, reason = choose(
        team.assignment_strategy, candidates_of(team), required, team.last_assigned_agent_id
    )
    routing, _ = TicketRouting.objects.get_or_create(ticket=ticket)
    if chosen is None:
        if routing.waiting_for != reason:
            routing.waiting_for = reason
            routing.waiting_since = routing.waiting_since or timezone.now()
            routing.save(update_fields=["waiting_for", "waiting_since"])
        return ticket
    routing.waiting_for, routing.waiting_since = "", None
    routing.save(update_fields=["waiting_for", "waiting_since"])
    team.last_assigned_agent_id = chosen.agent_id
    team.save(update_fields=["last_assigned_agent"])
    agent = Agent.objects.select_related("user").get(pk=chosen.agent_id)
    return ticket_actions.update_ticket(
        actor=Actor.system(), ticket=ticket, assignee=agent, reason=reason
    )


def assign_waiting_tickets(*, team: Team) -> int:
    """Retry the team's unassigned waiting tickets, oldest first; returns how many were given."""
    waiting = Ticket.objects.filter(
        team=team, assignee__isnull=True, status__in=UNSOLVED_STATUSES
    ).order_by("created_at")
    assigned = 0
    for ticket in waiting:
        if assign_ticket(ticket=ticket).assignee_id:
            assigned += 1
    return assigned
