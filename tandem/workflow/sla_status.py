"""How a ticket's stored SLA clocks read at a given moment: the API's `sla` block and the
workspace's countdowns. Reads only the TicketSla row (joined with its policy), no query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from tandem.workflow.sla_clocks import METRICS, NEXT_RESPONSE

ACTIVE, PAUSED, MET, BREACHED = "active", "paused", "met", "breached"


@dataclass(frozen=True)
class TargetReading:
    metric: str
    due_at: dt.datetime | None
    status: str
    remaining_seconds: int | None
    business_hours: bool

    @property
    def label(self) -> str:
        return self.metric.replace("_", " ").capitalize()

    def as_json(self) -> dict[str, Any]:
        return {
            "due_at": self.due_at,
            "status": self.status,
            "remaining_seconds": self.remaining_seconds,
            "business_hours": self.business_hours,
        }


def read_target(sla, metric: str, now: dt.datetime) -> TargetReading:
    """One target's state. A target with no cycle owed (no follow-up yet, or not part of the
    policy) reads as met with no due time."""
    business_hours = bool(sla.targets.get(metric, {}).get("business_hours", False))
    cycle = sla.next_response_cycle if metric == NEXT_RESPONSE else 1
    breached = sla.breached.get(metric) == cycle
    due_at = getattr(sla, f"{metric}_due_at")
    met_at = getattr(sla, f"{metric}_met_at")
    if met_at is not None:
        status = BREACHED if breached else MET
        return TargetReading(metric, due_at, status, None, business_hours)
    if metric in sla.remaining:
        return TargetReading(metric, None, PAUSED, int(sla.remaining[metric]), business_hours)
    if due_at is None:
        return TargetReading(metric, None, MET, None, business_hours)
    remaining = int((due_at - now).total_seconds())
    status = BREACHED if breached or remaining < 0 else ACTIVE
    return TargetReading(metric, due_at, status, remaining, business_hours)


def read_targets(sla, now: dt.datetime) -> list[TargetReading]:
    return [read_target(sla, metric, now) for metric in METRICS]


def ticket_sla(ticket):
    """The ticket's TicketSla if it has one (loaded by select_related, so no query)."""
    try:
        return ticket.sla
    except ObjectDoesNotExist:
        return None


def sla_block(ticket, now: dt.datetime) -> dict[str, Any] | None:
    """{"first_response": {...}, "next_response": {...}, "resolution": {...}} or None."""
    sla = ticket_sla(ticket)
    if sla is None:
        return None
    return {reading.metric: reading.as_json() for reading in read_targets(sla, now)}


def sla_policy_name(ticket) -> str | None:
    sla = ticket_sla(ticket)
    return sla.policy.name if sla is not None and sla.policy is not None else None
