"""The periodic SLA check: which warnings and breaches are due, read from the stored clocks.

Each row's `next_alarm_at` (indexed) is the next instant it has something to say, so a
minute's check reads only the rows whose moment has come, however many tickets exist.
Each warning and breach is written once per target and cycle (`warned` / `breached`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.workflow.sla_clocks import METRICS, NEXT_RESPONSE, ClockState, next_alarm

WARNING, BREACH = "warning", "breach"


@dataclass(frozen=True)
class Alarm:
    metric: str
    kind: str  # WARNING | BREACH
    cycle: int
    due_at: dt.datetime


def stored_clocks(sla) -> dict[str, ClockState]:
    """The running (or met) targets as TicketSla stores them; paused ones have no due time."""
    clocks = {}
    for metric in METRICS:
        if metric not in sla.targets:
            continue
        due_at = getattr(sla, f"{metric}_due_at")
        met_at = getattr(sla, f"{metric}_met_at")
        clocks[metric] = ClockState(
            metric,
            cycle=sla.next_response_cycle if metric == NEXT_RESPONSE else 1,
            due_at=due_at,
            met_at=met_at,
            owed=due_at is not None or met_at is not None,
        )
    return clocks


def due_alarms(sla, warning_minutes: int, now: dt.datetime) -> list[Alarm]:
    """What to write now. A target already past due gets its breach only, no late warning."""
    alarms = []
    warning = dt.timedelta(minutes=warning_minutes)
    for metric, clock in stored_clocks(sla).items():
        if not clock.running or sla.breached.get(metric) == clock.cycle:
            continue
        if now >= clock.due_at:
            alarms.append(Alarm(metric, BREACH, clock.cycle, clock.due_at))
        elif (
            warning_minutes
            and now >= clock.due_at - warning
            and sla.warned.get(metric) != clock.cycle
        ):
            alarms.append(Alarm(metric, WARNING, clock.cycle, clock.due_at))
    return alarms


def following_alarm(sla, warning_minutes: int) -> dt.datetime | None:
    return next_alarm(
        stored_clocks(sla),
        warning_minutes=warning_minutes,
        warned=sla.warned,
        breached=sla.breached,
    )
