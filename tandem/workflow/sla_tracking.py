"""Keeping a ticket's stored SLA clocks in step with its history (called by the actions).

`refresh_clocks` matches the policy, replays the history under its targets
(`sla_clocks.replay`), stores the result on `TicketSla` and records what changed:
`sla_applied` when the policy or its targets changed (with the reason), `sla_met` when a
target was met in this action, and `sla_breached` when it was met too late and the
periodic check had not said so yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.core.business_time import Schedule
from tandem.people.actors import Actor
from tandem.tickets.actions.events import record_event
from tandem.tickets.models import Message, Ticket, TicketEvent
from tandem.workflow.models import SlaPolicy, TicketSla
from tandem.workflow.sla_clocks import (
    AGENT_REPLY,
    CUSTOMER_MESSAGE,
    METRICS,
    NEXT_RESPONSE,
    STATUS,
    ClockState,
    Happening,
    TargetRule,
    next_alarm,
    replay,
)
from tandem.workflow.sla_matching import facts_of, first_matching
from tandem.workflow.sla_settings import sla_settings

Kind = TicketEvent.Kind

# The changes that can move a ticket to another policy, other targets or another calendar.
RECOMPUTING_KINDS = {
    Kind.CREATED: "ticket created",
    Kind.PRIORITY_CHANGED: "priority changed",
    Kind.TEAM_CHANGED: "team changed",
    Kind.TRACK_CHANGED: "track changed",
    Kind.TAGS_CHANGED: "tags changed",
    Kind.CUSTOM_FIELDS_CHANGED: "custom fields changed",
    Kind.REQUESTER_CHANGED: "requester changed",
}
CLOCK_KINDS = {Kind.MESSAGE_ADDED, Kind.STATUS_CHANGED}
ALWAYS_EXPLAINED_KINDS = {Kind.PRIORITY_CHANGED, Kind.TEAM_CHANGED}


def active_policies() -> tuple[SlaPolicy, ...]:
    return sla_settings().policies


def targets_for(policy: SlaPolicy | None, priority: str) -> dict[str, TargetRule]:
    if policy is None:
        return {}
    return {
        target.metric: TargetRule(minutes=target.minutes, business_hours=target.business_hours)
        for target in policy.targets.all()
        if target.priority == priority
    }


def schedule_of(ticket: Ticket) -> Schedule:
    """The team's calendar; no team or no calendar (or one with no open hour) is 24/7."""
    calendar_id = ticket.team.calendar_id if ticket.team_id and ticket.team else None
    return sla_settings().schedule_for(calendar_id)


def happenings_of(events) -> list[Happening]:
    """The clock-moving facts among a ticket's events (dicts with kind, data, created_at)."""
    facts = []
    for event in events:
        data = event["data"] or {}
        if event["kind"] == Kind.MESSAGE_ADDED:
            if data.get("visibility") != Message.Visibility.PUBLIC:
                continue
            if data.get("author_kind") == Message.AuthorKind.CONTACT:
                facts.append(Happening(event["created_at"], CUSTOMER_MESSAGE))
            elif data.get("author_kind") == Message.AuthorKind.AGENT:
                facts.append(Happening(event["created_at"], AGENT_REPLY))
        elif event["kind"] == Kind.STATUS_CHANGED and data.get("to"):
            facts.append(Happening(event["created_at"], STATUS, status=data["to"]))
    return facts


@dataclass(frozen=True)
class NewTicketHistory:
    """A ticket's whole history when it is its creating batch: no SLA row yet, and the tags
    and clock facts are those of the batch, so nothing needs to be read back."""

    tags: frozenset[str]
    happenings: list[Happening]


def new_ticket_history(events) -> NewTicketHistory:
    """From the creating action's events (TicketEvent instances, in the order written)."""
    created = next(event for event in events if event.kind == Kind.CREATED)
    clock_events = sorted(
        (e for e in events if e.kind in CLOCK_KINDS), key=lambda e: (e.created_at, e.pk)
    )
    return NewTicketHistory(
        tags=frozenset((created.data or {}).get("tags") or ()),
        happenings=happenings_of(
            {"kind": e.kind, "data": e.data, "created_at": e.created_at} for e in clock_events
        ),
    )


def ticket_happenings(ticket: Ticket) -> list[Happening]:
    events = (
        TicketEvent.objects.filter(ticket=ticket, kind__in=CLOCK_KINDS)
        .order_by("created_at", "id")
        .values("kind", "data", "created_at")
    )
    return happenings_of(events)


def pause_statuses(policy: SlaPolicy) -> tuple[str, ...]:
    statuses = []
    if policy.pause_when_pending:
        statuses.append("pending")
    if policy.pause_when_on_hold:
        statuses.append("on_hold")
    return tuple(statuses)


def compute_clocks(
    ticket: Ticket,
    policy: SlaPolicy,
    targets: dict[str, TargetRule],
    happenings: list[Happening],
) -> dict[str, ClockState]:
    return replay(
        targets=targets,
        schedule=schedule_of(ticket),
        created_at=ticket.created_at,
        happenings=happenings,
        pause_statuses=pause_statuses(policy),
    )


def _snapshot(targets: dict[str, TargetRule]) -> dict:
    return {
        metric: {"minutes": rule.minutes, "business_hours": rule.business_hours}
        for metric, rule in sorted(targets.items())
    }


def clock_fields(
    policy: SlaPolicy, targets: dict[str, TargetRule], clocks: dict[str, ClockState], *, at
) -> dict:
    """The TicketSla column values for these clocks."""
    running = [clock.due_at for clock in clocks.values() if clock.running]
    paused = {metric: c.remaining_seconds for metric, c in clocks.items() if c.paused}
    nr = clocks.get(NEXT_RESPONSE)
    values = {
        "policy": policy,
        "targets": _snapshot(targets),
        "next_due_at": min(running, default=None),
        "remaining": paused,
        "paused_at": at if paused else None,
        "paused_seconds": sum(clock.paused_seconds for clock in clocks.values()),
        "next_response_cycle": nr.cycle if nr else 0,
        "next_response_started_at": nr.started_at if nr and nr.owed else None,
        "updated_at": at,
    }
    for metric in METRICS:
        clock = clocks.get(metric)
        values[f"{metric}_due_at"] = clock.due_at if clock else None
        values[f"{metric}_met_at"] = clock.met_at if clock else None
    warning = dt.timedelta(minutes=policy.warning_minutes)
    values["at_risk_from"] = values["next_due_at"] - warning if values["next_due_at"] else None
    return values


def set_alarm(sla: TicketSla, clocks: dict[str, ClockState], warning_minutes: int) -> None:
    sla.next_alarm_at = next_alarm(
        clocks, warning_minutes=warning_minutes, warned=sla.warned, breached=sla.breached
    )


def cycle_of(sla: TicketSla, metric: str) -> int:
    return sla.next_response_cycle if metric == NEXT_RESPONSE else 1


@dataclass
class Previous:
    policy_name: str | None
    targets: dict
    due: dict
    met: dict
    cycle: int


def _previous(sla: TicketSla | None) -> Previous | None:
    if sla is None:
        return None
    return Previous(
        policy_name=sla.policy.name if sla.policy else None,
        targets=sla.targets,
        due={m: getattr(sla, f"{m}_due_at") for m in METRICS},
        met={m: getattr(sla, f"{m}_met_at") for m in METRICS},
        cycle=sla.next_response_cycle,
    )


def _reason(kinds: set[str], ticket: Ticket) -> tuple[str, str]:
    found = [kind for kind in RECOMPUTING_KINDS if kind in kinds]
    reason = found[0] if found else "recomputed"
    text = ", ".join(RECOMPUTING_KINDS[kind] for kind in found) or "policies changed"
    if Kind.PRIORITY_CHANGED in found:
        text = text.replace("priority changed", f"priority changed to {ticket.priority}")
    return reason, text


def refresh_clocks(
    ticket: Ticket,
    *,
    at: dt.datetime,
    since: dt.datetime,
    kinds: set[str],
    record: bool = True,
    new_ticket: NewTicketHistory | None = None,
) -> bool:
    """Bring the ticket's TicketSla up to date; `since` is when this action began.

    The ticket must be locked by the caller and loaded with organization, contact and
    team. Returns whether any SLA event was recorded. `record=False` stores the clocks
    only: for history loaded as if the policy had always been in force (the demo), where
    "applied now" would not be true. `new_ticket` is the history of a ticket being created.
    """
    if new_ticket is not None:
        sla = None
    else:
        sla = (
            TicketSla.objects.select_for_update(of=("self",))
            .select_related("policy")
            .filter(ticket=ticket)
            .first()
        )
    previous = _previous(sla)
    tags = new_ticket.tags if new_ticket is not None else None
    policy = first_matching(active_policies(), facts_of(ticket, tags=tags))
    targets = targets_for(policy, ticket.priority)
    system = Actor.system()
    reason, because = _reason(kinds, ticket)
    if policy is None or not targets:
        if sla is None:
            return False
        sla.delete()
        if not record:
            return False
        record_event(
            ticket,
            Kind.SLA_APPLIED,
            actor=system,
            at=at,
            **{"from": previous.policy_name, "to": None},
            policy=None,
            reason=reason,
            because=because,
            targets={},
        )
        return True

    happenings = new_ticket.happenings if new_ticket is not None else ticket_happenings(ticket)
    clocks = compute_clocks(ticket, policy, targets, happenings)
    values = clock_fields(policy, targets, clocks, at=at)
    is_new = sla is None
    if is_new:
        sla = TicketSla(ticket=ticket, **values)
    else:
        for name, value in values.items():
            setattr(sla, name, value)
    if not record:
        set_alarm(sla, clocks, policy.warning_minutes)
        sla.save(force_insert=is_new)
        return False
    recorded = False
    due_changed = previous is not None and any(
        previous.due[m] != values[f"{m}_due_at"] for m in METRICS
    )
    if (
        previous is None
        or previous.policy_name != policy.name
        or previous.targets != values["targets"]
        or (due_changed and kinds & set(RECOMPUTING_KINDS))
        # The changes agents make on purpose always leave a trace, even when the new
        # priority or team happens to have the same targets.
        or kinds & ALWAYS_EXPLAINED_KINDS
    ):
        record_event(
            ticket,
            Kind.SLA_APPLIED,
            actor=system,
            at=at,
            **{"from": previous.policy_name if previous else None, "to": policy.name},
            policy=policy.pk,
            reason=reason,
            because=because,
            targets=values["targets"],
            due={m: _iso(values[f"{m}_due_at"]) for m in METRICS if m in targets},
        )
        recorded = True
    for metric, clock in clocks.items():
        if clock.met_at is None or clock.met_at < since:
            continue
        was_met = previous is not None and previous.met[metric] is not None
        if was_met and (metric != NEXT_RESPONSE or previous.cycle == clock.cycle):
            continue
        cycle = cycle_of(sla, metric)
        if clock.late and sla.breached.get(metric) != cycle:
            record_event(
                ticket,
                Kind.SLA_BREACHED,
                actor=system,
                at=at,
                metric=metric,
                cycle=cycle,
                policy=policy.pk,
                due_at=_iso(clock.due_at),
            )
            sla.breached = {**sla.breached, metric: cycle}
            sla.warned = {**sla.warned, metric: cycle}
        record_event(
            ticket,
            Kind.SLA_MET,
            actor=system,
            at=at,
            metric=metric,
            cycle=cycle,
            policy=policy.pk,
            on_time=not clock.late,
            due_at=_iso(clock.due_at),
        )
        recorded = True
    set_alarm(sla, clocks, policy.warning_minutes)
    sla.save(force_insert=is_new)
    return recorded


def _iso(instant: dt.datetime | None) -> str | None:
    return instant.isoformat() if instant else None
