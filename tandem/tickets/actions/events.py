"""Writing the append-only ticket event log, publishing it on the bus, telling live pages.

Each action records its events on the ticket instance it holds (a fresh, locked copy in
every action) and ends with `announce_change`, which publishes them as one batch to the
workflow subscribers (see `tandem.core.event_bus`) and pushes one live update after commit.
Keeping the pending events on the instance means a rolled-back action, whose instance is
thrown away with the exception, can never leak its events into a later publish.
"""

from __future__ import annotations

import copy
import datetime as dt

from django.db import transaction

from tandem.core import event_bus, live
from tandem.people.actors import Actor
from tandem.tickets.models import Message, Ticket, TicketEvent


def record_event(
    ticket: Ticket,
    kind: str,
    *,
    actor: Actor,
    at: dt.datetime,
    message: Message | None = None,
    **data,
) -> TicketEvent:
    event = new_event(ticket, kind, actor=actor, at=at, message=message, **data)
    event.save(force_insert=True)
    pending_events(ticket).append(event)
    return event


def new_event(
    ticket: Ticket,
    kind: str,
    *,
    actor: Actor,
    at: dt.datetime,
    message: Message | None = None,
    **data,
) -> TicketEvent:
    """An event not yet written, for `record_events`."""
    return TicketEvent(
        ticket=ticket, kind=kind, message=message, data=data, created_at=at, **actor.event_fields()
    )


def record_events(ticket: Ticket, events: list[TicketEvent]) -> list[TicketEvent]:
    """Write several events of one action in one statement, in this order (ids ascending)."""
    TicketEvent.objects.bulk_create(events)
    pending_events(ticket).extend(events)
    return events


def pending_events(ticket: Ticket) -> list[TicketEvent]:
    """Events recorded on this instance and not yet published."""
    try:
        return ticket._pending_events
    except AttributeError:
        ticket._pending_events = []
        return ticket._pending_events


def detached_copy(ticket: Ticket) -> Ticket:
    """A copy of the instance (related objects it loaded included) with no pending events:
    for a subscriber that records its own events on a ticket it need not read back."""
    duplicate = copy.copy(ticket)
    duplicate._pending_events = []
    return duplicate


def announce_change(ticket: Ticket, kind: str) -> None:
    """The last step of every action: publish its events, then one live push after commit.

    A subscriber that changed the ticket did so on its own locked copy; this instance is
    reloaded so the action still returns the ticket as it now is.
    """
    events = tuple(pending_events(ticket))
    ticket._pending_events = []
    if event_bus.publish(event_bus.ActionEvents(ticket=ticket, events=events, action=kind)):
        ticket.refresh_from_db()
    if live.is_quiet():
        return
    number = ticket.number
    transaction.on_commit(lambda: live.ticket_changed(number, kind))


def change_data(before, after) -> dict:
    return {"from": before, "to": after}
