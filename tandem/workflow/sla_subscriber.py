"""The event-bus subscriber that keeps SLA clocks current after every ticket action."""

from __future__ import annotations

from tandem.core.event_bus import ActionEvents
from tandem.workflow.sla_tracking import CLOCK_KINDS, RECOMPUTING_KINDS

SUBSCRIBER_NAME = "workflow.sla"
# Our own batches (SLA events) never move a clock; reacting to them would only loop.
SLA_ACTION = "sla"
RELEVANT_KINDS = set(RECOMPUTING_KINDS) | CLOCK_KINDS


def on_ticket_events(batch: ActionEvents) -> bool:
    if batch.action == SLA_ACTION or not (batch.kinds & RELEVANT_KINDS):
        return False
    from tandem.workflow.actions import refresh_ticket_sla

    times = [event.created_at for event in batch.events]
    refresh_ticket_sla(ticket=batch.ticket, at=max(times), since=min(times), kinds=batch.kinds)
    # The ticket row itself is untouched: the publisher need not reload it.
    return False
