"""Writing the append-only ticket event log, and telling live pages after commit."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tandem.core import live
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
    event = TicketEvent.objects.create(
        ticket=ticket, kind=kind, message=message, data=data, created_at=at, **actor.event_fields()
    )
    return event


def announce_change(ticket: Ticket, kind: str) -> None:
    """One live push per action, after commit: a rolled-back write tells nobody."""
    if live.is_quiet():
        return
    number = ticket.number
    transaction.on_commit(lambda: live.ticket_changed(number, kind))


def change_data(before, after) -> dict:
    return {"from": before, "to": after}
