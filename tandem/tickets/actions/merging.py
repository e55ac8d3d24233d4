"""Merging duplicate tickets into a survivor, and linking related tickets."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from tandem.core.errors import InvalidInput
from tandem.people.actors import Actor
from tandem.tickets.actions.changes import ensure_may_edit, lock_ticket
from tandem.tickets.actions.events import announce_change, record_event
from tandem.tickets.models import Attachment, Message, Status, Ticket, TicketEvent, TicketLink

Kind = TicketEvent.Kind


@transaction.atomic
def merge_tickets(
    *, actor: Actor, source: Ticket, target: Ticket, note: str = "", at: dt.datetime | None = None
) -> Ticket:
    """Move `source`'s conversation into `target`; `source` is closed and points to `target`."""
    ensure_may_edit(actor)
    if source.pk == target.pk:
        raise InvalidInput.single("target", "a ticket cannot be merged into itself")
    # Lock in a fixed order so two opposite merges cannot deadlock.
    first, second = sorted([source, target], key=lambda t: t.pk)
    locked = {t.pk: lock_ticket(t) for t in (first, second)}
    source, target = locked[source.pk], locked[target.pk]
    if source.merged_into_id:
        raise InvalidInput.single("source", f"#{source.number} is already merged")
    if target.merged_into_id:
        raise InvalidInput.single("target", f"#{target.number} is merged into another ticket")
    if target.status == Status.CLOSED:
        raise InvalidInput.single("target", f"#{target.number} is closed")
    if source.status == Status.CLOSED:
        raise InvalidInput.single("source", f"#{source.number} is closed")
    at = at or timezone.now()

    moved = Message.objects.filter(ticket=source).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    target.followers.add(*source.followers.all())
    if source.contact_id != target.contact_id:
        target.followers.add(source.contact)
    target.tags.add(*source.tags.all())

    figures = Message.objects.filter(ticket=target).aggregate(
        first_customer=Min("created_at", filter=_customer()),
        last_customer=Max("created_at", filter=_customer()),
        first_reply=Min("created_at", filter=_agent_reply()),
        last_reply=Max("created_at", filter=_agent_reply()),
    )
    target.message_count = Message.objects.filter(ticket=target).count()
    target.first_response_at = figures["first_reply"]
    target.last_agent_reply_at = figures["last_reply"]
    target.last_customer_message_at = figures["last_customer"]
    target.updated_at = max(target.updated_at, at)
    target.save(
        update_fields=[
            "message_count",
            "first_response_at",
            "last_agent_reply_at",
            "last_customer_message_at",
            "updated_at",
        ]
    )
    record_event(
        target, Kind.MERGED_IN, actor=actor, at=at, source=source.number, messages=moved, note=note
    )

    # Straight to closed, whatever its status: a merged ticket's own lifecycle ends here,
    # and metrics count the conversation once, on the survivor.
    record_event(
        source,
        Kind.STATUS_CHANGED,
        actor=actor,
        at=at,
        **{"from": source.status, "to": Status.CLOSED, "reason": "merged"},
    )
    source.status = Status.CLOSED
    source.unsolved = False
    source.closed_at = at
    source.merged_into = target
    source.message_count = 0
    source.updated_at = at
    source.save(
        update_fields=[
            "status",
            "unsolved",
            "closed_at",
            "merged_into",
            "message_count",
            "updated_at",
        ]
    )
    record_event(
        source, Kind.MERGED, actor=actor, at=at, target=target.number, messages=moved, note=note
    )
    announce_change(source, "merged")
    announce_change(target, "merged")
    return target


def _customer() -> Q:
    return Q(author_kind=Message.AuthorKind.CONTACT)


def _agent_reply() -> Q:
    return Q(author_kind=Message.AuthorKind.AGENT, visibility=Message.Visibility.PUBLIC)


@transaction.atomic
def link_tickets(
    *, actor: Actor, ticket: Ticket, other: Ticket, at: dt.datetime | None = None
) -> TicketLink:
    ensure_may_edit(actor)
    if ticket.pk == other.pk:
        raise InvalidInput.single("other", "a ticket cannot be linked to itself")
    existing = (
        TicketLink.objects.filter(source=ticket, target=other).first()
        or TicketLink.objects.filter(source=other, target=ticket).first()
    )
    if existing:
        return existing
    link = TicketLink.objects.create(source=ticket, target=other, kind=TicketLink.Kind.RELATED)
    at = at or timezone.now()
    record_event(ticket, Kind.LINKED, actor=actor, at=at, other=other.number)
    record_event(other, Kind.LINKED, actor=actor, at=at, other=ticket.number)
    announce_change(ticket, "linked")
    announce_change(other, "linked")
    return link


@transaction.atomic
def unlink_tickets(
    *, actor: Actor, ticket: Ticket, other: Ticket, at: dt.datetime | None = None
) -> None:
    ensure_may_edit(actor)
    deleted, _ = (
        (
            TicketLink.objects.filter(source=ticket, target=other)
            | TicketLink.objects.filter(source=other, target=ticket)
        )
        .filter(kind=TicketLink.Kind.RELATED)
        .delete()
    )
    if deleted:
        at = at or timezone.now()
        record_event(ticket, Kind.UNLINKED, actor=actor, at=at, other=other.number)
        record_event(other, Kind.UNLINKED, actor=actor, at=at, other=ticket.number)
        announce_change(ticket, "linked")
        announce_change(other, "linked")
