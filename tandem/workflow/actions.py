"""Every write of the workflow app: SLA clocks, SLA alarms, calendars and SLA policies."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tandem.tickets.actions.events import announce_change
from tandem.tickets.models import Ticket
from tandem.workflow.sla_subscriber import SLA_ACTION
from tandem.workflow.sla_tracking import refresh_clocks


def _sla_copy(ticket: Ticket) -> Ticket:
    """A locked copy with what policy matching and the calendar read, events kept apart."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("organization", "contact", "team__calendar")
        .get(pk=ticket.pk)
    )


@transaction.atomic
def refresh_ticket_sla(
    *,
    ticket: Ticket,
    at: dt.datetime,
    since: dt.datetime | None = None,
    kinds: set[str] = frozenset(),
) -> Ticket:
    """Recompute the ticket's SLA policy and clocks from its history, recording what changed.

    `kinds` are the event kinds that caused it (they become the reason of `sla_applied`);
    `since` is when the causing action began (targets met from then on get `sla_met`).
    """
    copy = _sla_copy(ticket)
    if refresh_clocks(copy, at=at, since=since or at, kinds=set(kinds)):
        announce_change(copy, SLA_ACTION)
    return copy
