"""Reads of the notifications feature: who may hear of a ticket, the bell's count and list."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from tandem.people.models import Agent
from tandem.tickets.models import Ticket
from tandem.workflow.models import AgentFollow, Notification

BELL_LIMIT = 10


def agents_who_may_see(ticket: Ticket) -> QuerySet[Agent]:
    """Active agents for whom `tickets_visible_to` includes this ticket, as one query."""
    sees = Q(role=Agent.Role.ADMIN) | Q(role=Agent.Role.AGENT, ticket_access=Agent.Access.ALL)
    if ticket.team_id is not None:
        sees |= Q(teams=ticket.team_id)
    return Agent.objects.filter(sees, user__is_active=True).select_related("user").distinct()


def followers_of(ticket: Ticket) -> QuerySet[Agent]:
    """The agents following the ticket who may still see it."""
    return agents_who_may_see(ticket).filter(follows__ticket=ticket)


def is_following(agent: Agent, ticket: Ticket) -> bool:
    return AgentFollow.objects.filter(agent=agent, ticket=ticket).exists()


def unread_count(agent: Agent) -> int:
    return Notification.objects.filter(agent=agent, read_at__isnull=True).count()


def notifications_of(agent: Agent) -> QuerySet[Notification]:
    """The only way to list notifications: an agent's own, newest first."""
    return (
        Notification.objects.filter(agent=agent)
        .select_related("ticket")
        .order_by("-created_at", "-id")
    )


def notification_for(agent: Agent, notification_id: int) -> Notification:
    """The agent's own notification, else 404 (never 403: another's is not confirmed to exist)."""
    return get_object_or_404(
        Notification.objects.select_related("ticket"), pk=notification_id, agent=agent
    )
