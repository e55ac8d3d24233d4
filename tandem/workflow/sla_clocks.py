"""SLA clocks replayed from a ticket's history: pure functions, no Django.

Given a policy's targets, the team's schedule and what happened on the ticket (customer
messages, public agent replies, status changes), `replay` says for each target when it is
due, whether it is met, paused or no longer owed. Replaying the whole history on every
change is what makes a priority or team change recompute the targets from the start, and
what keeps a paused clock's remaining business seconds exact across nights and weekends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tandem.core.business_time import (
    ALWAYS_OPEN,
    Schedule,
    add_business_time,
    business_time_between,
)

FIRST_RESPONSE = "first_response"
NEXT_RESPONSE = "next_response"
RESOLUTION = "resolution"
METRICS = (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION)
RESPONSE_METRICS = (FIRST_RESPONSE, NEXT_RESPONSE)

CUSTOMER_MESSAGE = "customer_message"
AGENT_REPLY = "agent_reply"
STATUS = "status"


@dataclass(frozen=True)
class TargetRule:
    minutes: int
    business_hours: bool


@dataclass(frozen=True)
class Happening:
    """One fact of the ticket's history that moves a clock."""

    at: dt.datetime
    kind: str  # CUSTOMER_MESSAGE | AGENT_REPLY | STATUS
    status: str = ""  # the new status, for STATUS


@dataclass
class ClockState:
    """One target's clock. Running: `due_at` set. Paused: `remaining_seconds` set.

    `owed` is False when there is nothing to answer (no follow-up yet, or the ticket
    was solved before a reply). `late` says a met target was met after its due time.
    """

    metric: str
    cycle: int = 0
    started_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    met_at: dt.datetime | None = None
    remaining_seconds: int | None = None
    owed: bool = False
    late: bool = False
    paused_seconds: int = 0
    _paused_since: dt.datetime | None = None
    _remaining_at_solve: int | None = None

    @property
    def running(self) -> bool:
        return self.owed and self.met_at is None and self.due_at is not None

    @property
    def paused(self) -> bool:
        return self.owed and self.met_at is None and self.remaining_seconds is not None


def signed_business_seconds(schedule: Schedule, at: dt.datetime, due: dt.datetime) -> int:
    """Open seconds from `at` until `due`; negative (open seconds overdue) when past it."""
    if at <= due:
        return int(business_time_between(schedule, at, due).total_seconds())
    return -int(business_time_between(schedule, due, at).total_seconds())


def due_after(schedule: Schedule, at: dt.datetime, seconds: int) -> dt.datetime:
    """When `seconds` of open time have passed from `at`; an overdue clock stays overdue."""
    if seconds <= 0:
        return at + dt.timedelta(seconds=seconds)
    return add_business_time(schedule, at, dt.timedelta(seconds=seconds))


class _Replay:
    def __init__(
        self,
        targets: Mapping[str, TargetRule],
        schedule: Schedule,
        pause_statuses: frozenset[str],
    ):
        self.targets = targets
        self.schedule = schedule
        self.pause_statuses = pause_statuses
        self.status = "new"
        self.clocks = {metric: ClockState(metric) for metric in METRICS if metric in targets}
        # True once an agent has answered the customer's latest message.
        self.answered = False

    def schedule_of(self, metric: str) -> Schedule:
        return self.schedule if self.targets[metric].business_hours else ALWAYS_OPEN

    @property
    def pausing(self) -> bool:
        return self.status in self.pause_statuses

    def start(self, metric: str, at: dt.datetime) -> None:
        clock = self.clocks.get(metric)
        if clock is None:
            return
        clock.cycle += 1
        clock.started_at, clock.met_at, clock.owed, clock.late = at, None, True, False
        seconds = self.targets[metric].minutes * 60
        if self.pausing:
            clock.due_at, clock.remaining_seconds, clock._paused_since = None, seconds, at
        else:
            clock.due_at = due_after(self.schedule_of(metric), at, seconds)
            clock.remaining_seconds = None

    def meet(self, clock: ClockState, at: dt.datetime) -> None:
        if clock.running:
            clock.late = at > clock.due_at
        elif clock.paused:
            clock.late = clock.remaining_seconds < 0
            self._end_pause(clock, at)
        else:
            return
        clock.met_at = at

    def pause(self, clock: ClockState, at: dt.datetime) -> None:
        if clock.running:
            clock.remaining_seconds = signed_business_seconds(
                self.schedule_of(clock.metric), at, clock.due_at
            )
            clock.due_at, clock._paused_since = None, at

    def _end_pause(self, clock: ClockState, at: dt.datetime) -> None:
        if clock._paused_since is not None:
            clock.paused_seconds += int((at - clock._paused_since).total_seconds())
            clock._paused_since = None

    def resume(self, clock: ClockState, at: dt.datetime) -> None:
        if clock.paused:
            clock.due_at = due_after(self.schedule_of(clock.metric), at, clock.remaining_seconds)
            clock.remaining_seconds = None
            self._end_pause(clock, at)

    def drop(self, clock: ClockState) -> None:
        """Nothing is owed any more (solved or closed before an answer)."""
        if clock.owed and clock.met_at is None:
            clock.owed, clock.due_at, clock.remaining_seconds = False, None, None
            clock._paused_since = None

    def customer_message(self, at: dt.datetime) -> None:
        if self.answered:
            self.answered = False
            self.start(NEXT_RESPONSE, at)

    def agent_reply(self, at: dt.datetime) -> None:
        for metric in RESPONSE_METRICS:
            clock = self.clocks.get(metric)
            if clock is not None:
                self.meet(clock, at)
        self.answered = True

    def status_change(self, new: str, at: dt.datetime) -> None:
        old, was_pausing = self.status, self.pausing
        self.status = new
        now_pausing = self.pausing
        resolution = self.clocks.get(RESOLUTION)
        if old == "solved" and new not in ("solved", "closed") and resolution is not None:
            self._reopen(resolution, at)
        for clock in self.clocks.values():
            if was_pausing and not now_pausing:
                self.resume(clock, at)
            elif now_pausing and not was_pausing:
                self.pause(clock, at)
        if new in ("solved", "closed"):
            if resolution is not None and resolution.met_at is None:
                if resolution.running:
                    resolution._remaining_at_solve = signed_business_seconds(
                        self.schedule_of(RESOLUTION), at, resolution.due_at
                    )
                self.meet(resolution, at)
            for metric in RESPONSE_METRICS:
                if metric in self.clocks:
                    self.drop(self.clocks[metric])

    def _reopen(self, clock: ClockState, at: dt.datetime) -> None:
        """A reopened ticket's resolution clock goes on from where solving stopped it."""
        if clock.met_at is None or clock._remaining_at_solve is None:
            return
        seconds = clock._remaining_at_solve
        clock.met_at, clock.late, clock._remaining_at_solve = None, False, None
        if self.pausing:
            clock.due_at, clock.remaining_seconds, clock._paused_since = None, seconds, at
        else:
            clock.due_at = due_after(self.schedule_of(RESOLUTION), at, seconds)


def replay(
    *,
    targets: Mapping[str, TargetRule],
    schedule: Schedule,
    created_at: dt.datetime,
    happenings: Iterable[Happening],
    pause_statuses: Iterable[str] = ("pending", "on_hold"),
) -> dict[str, ClockState]:
    """Every target's clock after `happenings` (in time order), under `targets`.

    The first customer message is the ticket's creation, so first response and
    resolution start at `created_at`; a next-response cycle starts at each customer
    message that follows an agent reply.
    """
    run = _Replay(targets, schedule, frozenset(pause_statuses))
    run.start(FIRST_RESPONSE, created_at)
    run.start(RESOLUTION, created_at)
    for happening in happenings:
        if happening.kind == CUSTOMER_MESSAGE:
            run.customer_message(happening.at)
        elif happening.kind == AGENT_REPLY:
            run.agent_reply(happening.at)
        elif happening.kind == STATUS:
            run.status_change(happening.status, happening.at)
    return run.clocks


def next_alarm(
    clocks: Mapping[str, ClockState],
    *,
    warning_minutes: int,
    warned: Mapping[str, int],
    breached: Mapping[str, int],
) -> dt.datetime | None:
    """The next instant the periodic check has something to write: a warning or a breach."""
    candidates = []
    warning = dt.timedelta(minutes=warning_minutes)
    for metric, clock in clocks.items():
        if not clock.running or breached.get(metric) == clock.cycle:
            continue
        if warning_minutes and warned.get(metric) != clock.cycle:
            candidates.append(clock.due_at - warning)
        else:
            candidates.append(clock.due_at)
    return min(candidates, default=None)
