"""The event-bus subscriber that keeps SLA clocks current after every ticket action."""

from __future__ import annotations

from tandem.core import event_bus
from tandem.core.event_bus import ActionEvents
from tandem.tickets.models import TicketEvent
from tandem.workflow.sla_tracking import CLOCK_KINDS, RECOMPUTING_KINDS, new_ticket_history

SUBSCRIBER_NAME = "workflow.sla"
# Our own batches (SLA events) never move a clock; reacting to them would only loop.
SLA_ACTION = "sla"
RELEVANT_KINDS = set(RECOMPUTING_KINDS) | CLOCK_KINDS
# Tickets whose clocks this chain has refreshed: from then on they have a TicketSla row (or
# history the creating batch does not hold), so a later creating batch reads them as usual.
REFRESHED = "workflow.sla:refreshed"


def on_ticket_events(batch: ActionEvents) -> bool:
    if batch.action == SLA_ACTION or not (batch.kinds & RELEVANT_KINDS):
        return False
    from tandem.workflow.actions import refresh_ticket_sla

    times = [event.created_at for event in batch.events]
    refreshed = event_bus.chain().setdefault(REFRESHED, set())
    new_ticket = None
    if TicketEvent.Kind.CREATED in batch.kinds and batch.ticket.pk not in refreshed:
        # The batch that created the ticket is its whole history so far: the clocks are
        # computed from it, without reading back what the action just wrote.
        new_ticket = new_ticket_history(batch.events)
    refreshed.add(batch.ticket.pk)
    refresh_ticket_sla(
        ticket=batch.ticket,
        at=max(times),
        since=min(times),
        kinds=batch.kinds,
        new_ticket=new_ticket,
    )
    # The ticket row itself is untouched: the publisher need not reload it.
    return False
