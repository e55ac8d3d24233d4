"""Agent availability for assignment: set by the agent, lowered by inactivity.

Coming online hands the agent's teams' waiting tickets out again; going offline, in a team
that asks for it, gives the agent's new unanswered tickets to someone available.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tandem.core.errors import InvalidInput
from tandem.people.actors import Actor
from tandem.people.models import Agent
from tandem.tickets import actions as ticket_actions
from tandem.tickets.models import Status, Ticket
from tandem.workflow.assignment import assign_ticket, assign_waiting_tickets

Availability = Agent.Availability
AWAY_AFTER = dt.timedelta(minutes=15)
OFFLINE_AFTER = dt.timedelta(hours=1)
# Activity is written at most this often: a page view is not a database write each time.
TOUCH_EVERY = dt.timedelta(minutes=1)


@transaction.atomic
def set_agent_availability(
    *, agent: Agent, availability: str, by_inactivity: bool = False
) -> Agent:
    if availability not in Availability.values:
        raise InvalidInput.single("availability", "must be online, away or offline")
    before = agent.availability
    agent.availability = availability
    fields = ["availability"]
    if not by_inactivity:
        agent.last_active_at = timezone.now()
        fields.append("last_active_at")
    agent.save(update_fields=fields)
    if before == availability:
        return agent
    teams = list(agent.teams.all())
    if availability == Availability.ONLINE:
        for team in teams:
            assign_waiting_tickets(team=team)
    elif availability == Availability.OFFLINE:
        _hand_over_new_tickets(agent, [t for t in teams if t.reassign_when_offline])
    return agent


def _hand_over_new_tickets(agent: Agent, teams) -> None:
    """New tickets nobody has answered yet go back to the team's strategy."""
    unanswered = Ticket.objects.filter(
        assignee=agent,
        team__in=teams,
        status__in=(Status.NEW, Status.OPEN),
        first_response_at__isnull=True,
    ).order_by("created_at")
    for ticket in unanswered:
        freed = ticket_actions.update_ticket(
            actor=Actor.system(),
            ticket=ticket,
            assignee=None,
            reason=f"{agent.name} went offline before answering",
        )
        assign_ticket(ticket=freed)


def touch_agent_activity(agent: Agent) -> None:
    """Mark the agent active now (throttled); an away agent who is back becomes online."""
    now = timezone.now()
    if agent.last_active_at and now - agent.last_active_at < TOUCH_EVERY:
        return
    Agent.objects.filter(pk=agent.pk).update(last_active_at=now)
    agent.last_active_at = now
    if agent.availability == Availability.AWAY:
        set_agent_availability(agent=agent, availability=Availability.ONLINE)


def lower_idle_availability(*, now: dt.datetime | None = None) -> int:
    """The periodic job's work: online agents idle 15 minutes become away, anyone idle an
    hour offline. Returns how many agents changed."""
    now = now or timezone.now()
    changed = 0
    idle = Agent.objects.exclude(availability=Availability.OFFLINE).exclude(
        last_active_at__gte=now - AWAY_AFTER
    )
    for agent in idle:
        long_idle = agent.last_active_at is None or agent.last_active_at < now - OFFLINE_AFTER
        target = Availability.OFFLINE if long_idle else Availability.AWAY
        if target != agent.availability:
            set_agent_availability(agent=agent, availability=target, by_inactivity=True)
            changed += 1
    return changed
