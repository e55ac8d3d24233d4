"""Every write of the notifications feature: notify, follow, unfollow, mark read, preferences,
and recording the mentions of a note. One function per operation, keyword-only arguments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tandem.core.errors import InvalidInput
from tandem.people.actors import Actor
from tandem.people.models import Agent
from tandem.tickets.actions.events import announce_change, record_event
from tandem.tickets.models import Message, Ticket, TicketEvent
from tandem.workflow import notification_delivery
from tandem.workflow.models import (
    AgentFollow,
    EmailChoice,
    Notification,
    NotificationPreference,
)
from tandem.workflow.notification_mentions import Mentionable, find_mentions, highlight_mentions

TEXT_LIMIT = 300


@transaction.atomic
def notify_agent(
    *,
    agent: Agent,
    kind: str,
    ticket: Ticket,
    text: str,
    event: TicketEvent | None = None,
    at: dt.datetime | None = None,
) -> Notification:
    notification = Notification.objects.create(
        agent=agent,
        kind=kind,
        ticket=ticket,
        event=event,
        text=_shorten(text),
        created_at=at or timezone.now(),
    )
    notification_delivery.deliver(notification)
    return notification


@transaction.atomic
def follow_ticket(*, agent: Agent, ticket: Ticket, at: dt.datetime | None = None) -> AgentFollow:
    """Idempotent: following a ticket twice keeps the first follow."""
    existing = AgentFollow.objects.filter(agent=agent, ticket=ticket).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():  # a concurrent follow may win the unique constraint
            return AgentFollow.objects.create(
                agent=agent, ticket=ticket, created_at=at or timezone.now()
            )
    except IntegrityError:
        return AgentFollow.objects.get(agent=agent, ticket=ticket)


@transaction.atomic
def unfollow_ticket(*, agent: Agent, ticket: Ticket) -> bool:
    """True when the agent was following it."""
    deleted, _ = AgentFollow.objects.filter(agent=agent, ticket=ticket).delete()
    return deleted > 0


@transaction.atomic
def mark_notification_read(*, agent: Agent, notification: Notification) -> Notification:
    if notification.agent_id != agent.pk:
        raise InvalidInput.single("notification", "is not yours")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        # Conditional, so a concurrent "mark all" and this one never both write.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
        _push_after_commit(agent.pk)
    return notification


@transaction.atomic
def mark_all_notifications_read(*, agent: Agent) -> int:
    """How many were unread."""
    count = Notification.objects.filter(agent=agent, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if count:
        _push_after_commit(agent.pk)
    return count


@transaction.atomic
def set_email_preference(*, agent: Agent, email: str) -> NotificationPreference:
    if email not in EmailChoice.values:
        raise InvalidInput.single("email", f"must be one of {', '.join(EmailChoice.values)}")
    preference, _ = NotificationPreference.objects.update_or_create(
        agent=agent, defaults={"email": email}
    )
    return preference


@transaction.atomic
def record_mentions(
    *, actor: Actor, ticket: Ticket, note: Message, candidates: Iterable[Agent]
) -> list[tuple[Agent, TicketEvent]]:
    """Find the @mentions in an internal note among `candidates` (the agents who may be
    mentioned), record a `mentioned` event for each agent mentioned, and mark the mentions
    in the note's HTML. The author mentioning themself is not recorded. Returns each
    mentioned agent with their event, for the caller to notify."""
    by_id = {agent.pk: agent for agent in candidates}
    mentionable = [Mentionable(id=a.pk, name=a.name, email=a.email) for a in by_id.values()]
    mentioned_ids = []
    for mention in find_mentions(note.body, mentionable):
        if mention.agent_id not in mentioned_ids:
            mentioned_ids.append(mention.agent_id)
    if actor.agent is not None and actor.agent.pk in mentioned_ids:
        mentioned_ids.remove(actor.agent.pk)
    if not mentioned_ids:
        return []

    inbox = reverse("tickets:inbox")
    note.html = highlight_mentions(
        note.display_html(), mentionable, lambda agent_id: f"{inbox}?view=all&assignee={agent_id}"
    )
    note.meta = {**(note.meta or {}), "mentions": mentioned_ids}
    note.save(update_fields=["html", "meta"])

    at = note.created_at
    recorded = []
    for agent_id in mentioned_ids:
        agent = by_id[agent_id]
        event = record_event(
            ticket,
            TicketEvent.Kind.MENTIONED,
            actor=actor,
            at=at,
            message=note,
            agent=agent.pk,
            name=agent.name,
        )
        recorded.append((agent, event))
    announce_change(ticket, "mentioned")
    return recorded


def _push_after_commit(agent_id: int) -> None:
    transaction.on_commit(lambda: notification_delivery.push_unread_changed(agent_id))


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"
