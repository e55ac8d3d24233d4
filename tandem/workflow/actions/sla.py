"""The SLA writes of the workflow app: SLA clocks, SLA alarms, calendars and SLA policies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tandem.core.business_time import WEEKDAYS, build_schedule
from tandem.core.errors import FieldError, InvalidInput
from tandem.core.models import Calendar
from tandem.people.actors import Actor
from tandem.people.directory import forget_teams
from tandem.people.models import Team, Track
from tandem.tickets.actions.events import announce_change, detached_copy, record_event
from tandem.tickets.models import Channel, Priority, Ticket, TicketEvent
from tandem.workflow.models import SlaMetric, SlaPolicy, SlaTarget, TicketSla
from tandem.workflow.rule_cache import rules_changed
from tandem.workflow.sla_alarms import BREACH, Alarm, due_alarms, following_alarm
from tandem.workflow.sla_matching import clean_conditions
from tandem.workflow.sla_settings import sla_settings
from tandem.workflow.sla_subscriber import SLA_ACTION
from tandem.workflow.sla_tracking import NewTicketHistory, refresh_clocks

Kind = TicketEvent.Kind


def _sla_copy(ticket_id: int) -> Ticket:
    """A locked copy with what policy matching and the calendar read, events kept apart.

    The ticket row is always locked before its TicketSla row, as every ticket action does.
    """
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("organization", "contact", "team")
        .get(pk=ticket_id)
    )


@transaction.atomic
def refresh_ticket_sla(
    *,
    ticket: Ticket,
    at: dt.datetime,
    since: dt.datetime | None = None,
    kinds: set[str] = frozenset(),
    record: bool = True,
    new_ticket: NewTicketHistory | None = None,
) -> Ticket:
    """Recompute the ticket's SLA policy and clocks from its history, recording what changed.

    `kinds` are the event kinds that caused it (they become the reason of `sla_applied`);
    `since` is when the causing action began (targets met from then on get `sla_met`).
    `new_ticket` is the history of a ticket being created (it has no TicketSla row yet).
    """
    # A desk without SLAs pays a query per action (none for a new ticket), not a recompute.
    if not sla_settings().policies and (
        new_ticket is not None or not TicketSla.objects.filter(ticket_id=ticket.pk).exists()
    ):
        return ticket
    # A ticket being created is still as its action wrote it (a change since would have been
    # an SLA-relevant event, refreshed already): its own instance is copied, not read back.
    copy = detached_copy(ticket) if new_ticket is not None else _sla_copy(ticket.pk)
    if refresh_clocks(
        copy, at=at, since=since or at, kinds=set(kinds), record=record, new_ticket=new_ticket
    ):
        announce_change(copy, SLA_ACTION)
    return copy


# --- the periodic SLA check ------------------------------------------------------

ALARM_BATCH = 200


@transaction.atomic
def fire_ticket_sla_alarms(*, ticket_id: int, at: dt.datetime) -> list[Alarm]:
    """Write the warnings and breaches due on one ticket by `at`, each once per cycle."""
    ticket = _sla_copy(ticket_id)
    sla = (
        TicketSla.objects.select_for_update(of=("self",))
        .select_related("policy")
        .filter(ticket_id=ticket_id)
        .first()
    )
    if sla is None or sla.next_alarm_at is None or sla.next_alarm_at > at:
        return []  # another check, or a ticket action, got there first
    warning_minutes = sla.policy.warning_minutes if sla.policy else 0
    alarms = due_alarms(sla, warning_minutes, at)
    for alarm in alarms:
        kind = Kind.SLA_BREACHED if alarm.kind == BREACH else Kind.SLA_WARNING
        record_event(
            ticket,
            kind,
            actor=Actor.system(),
            at=at,
            metric=alarm.metric,
            cycle=alarm.cycle,
            policy=sla.policy_id,
            due_at=alarm.due_at.isoformat(),
        )
        sla.warned = {**sla.warned, alarm.metric: alarm.cycle}
        if alarm.kind == BREACH:
            sla.breached = {**sla.breached, alarm.metric: alarm.cycle}
    sla.next_alarm_at = following_alarm(sla, warning_minutes)
    sla.save(update_fields=["warned", "breached", "next_alarm_at"])
    if alarms:
        announce_change(ticket, SLA_ACTION)
    return alarms


def fire_sla_alarms(*, at: dt.datetime | None = None) -> int:
    """Every warning and breach due by `at` (now by default); returns how many were written.

    One transaction per ticket: a problem on one ticket never holds back the others.
    """
    at = at or timezone.now()
    written = 0
    seen: set[int] = set()
    while True:
        due = list(
            TicketSla.objects.filter(next_alarm_at__lte=at)
            .exclude(ticket_id__in=seen)
            .order_by("next_alarm_at")
            .values_list("ticket_id", flat=True)[:ALARM_BATCH]
        )
        if not due:
            return written
        for ticket_id in due:
            seen.add(ticket_id)
            written += len(fire_ticket_sla_alarms(ticket_id=ticket_id, at=at))


# --- recomputing open tickets after a settings change ----------------------------------

RECOMPUTE_BATCH = 500


def refresh_open_tickets_sla(*, at: dt.datetime | None = None) -> int:
    """Recompute every unsolved ticket's SLA after policies or calendars changed.

    Runs as a job (see tasks.py); each ticket in its own transaction, keyset over numbers.
    """
    at = at or timezone.now()
    done, after = 0, 0
    while True:
        numbers = list(
            Ticket.objects.filter(unsolved=True, number__gt=after)
            .order_by("number")
            .values_list("number", flat=True)[:RECOMPUTE_BATCH]
        )
        if not numbers:
            return done
        for number in numbers:
            refresh_ticket_sla(ticket=Ticket(number=number), at=at)
        done += len(numbers)
        after = numbers[-1]


def _after_settings_change() -> None:
    from tandem.workflow.tasks import recompute_open_tickets_sla

    rules_changed()  # every process reloads its cached SLA settings (sla_settings.py)
    transaction.on_commit(recompute_open_tickets_sla)


# --- calendars -------------------------------------------------------------------------


def _clean_calendar(
    *, name: str, time_zone: str, weekly_hours: dict, holidays: list, exclude_pk=None
) -> tuple[str, dict, list]:
    errors: list[FieldError] = []
    name = (name or "").strip()
    if not name:
        errors.append(FieldError("name", "may not be empty"))
    elif Calendar.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        errors.append(FieldError("name", "a calendar with this name already exists"))
    try:
        build_schedule(time_zone=time_zone, weekly_hours={}, holidays=[])
    except ValueError as error:
        errors.append(FieldError("time_zone", str(error)))
    try:
        build_schedule(time_zone="UTC", weekly_hours=weekly_hours, holidays=[])
    except ValueError as error:
        errors.append(FieldError("weekly_hours", str(error)))
    try:
        build_schedule(time_zone="UTC", weekly_hours={}, holidays=holidays)
    except ValueError as error:
        errors.append(FieldError("holidays", str(error)))
    if errors:
        raise InvalidInput(errors)
    weekly = {
        day: [list(i) for i in weekly_hours[day]] for day in WEEKDAYS if weekly_hours.get(day)
    }
    cleaned_holidays = sorted(
        (
            {
                "date": str(holiday["date"]),
                "yearly": bool(holiday.get("yearly")),
                "name": str(holiday.get("name", "")).strip(),
            }
            for holiday in holidays
        ),
        key=lambda holiday: holiday["date"],
    )
    return name, weekly, cleaned_holidays


@transaction.atomic
def create_calendar(
    *, name: str, time_zone: str = "UTC", weekly_hours: dict, holidays: list = ()
) -> Calendar:
    """A business-hours calendar: weekly open intervals per weekday, holidays, time zone."""
    name, weekly, cleaned = _clean_calendar(
        name=name, time_zone=time_zone, weekly_hours=weekly_hours, holidays=list(holidays)
    )
    calendar = Calendar.objects.create(
        name=name, time_zone=time_zone, weekly_hours=weekly, holidays=cleaned
    )
    rules_changed()  # cached schedules (sla_settings.py); no team uses it yet: nothing to recompute
    return calendar


@transaction.atomic
def update_calendar(
    *, calendar: Calendar, name: str, time_zone: str, weekly_hours: dict, holidays: list
) -> Calendar:
    name, weekly, cleaned = _clean_calendar(
        name=name,
        time_zone=time_zone,
        weekly_hours=weekly_hours,
        holidays=list(holidays),
        exclude_pk=calendar.pk,
    )
    calendar.name, calendar.time_zone = name, time_zone
    calendar.weekly_hours, calendar.holidays = weekly, cleaned
    calendar.save()
    _after_settings_change()
    return calendar


@transaction.atomic
def delete_calendar(*, calendar: Calendar) -> None:
    """Teams that used it count SLA time 24/7 from then on."""
    calendar.delete()
    _after_settings_change()


@transaction.atomic
def set_team_calendar(*, team: Team, calendar: Calendar | None) -> Team:
    if team.calendar_id != (calendar.pk if calendar else None):
        team.calendar = calendar
        team.save(update_fields=["calendar"])
        forget_teams()
        _after_settings_change()
    return team


# --- SLA policies ----------------------------------------------------------------------


@dataclass(frozen=True)
class TargetInput:
    priority: str
    metric: str
    minutes: int
    business_hours: bool = True


def _clean_policy(
    *, name: str, conditions: dict, warning_minutes: int, targets, exclude_pk=None
) -> tuple[str, dict, list[TargetInput]]:
    errors: list[FieldError] = []
    name = (name or "").strip()
    if not name:
        errors.append(FieldError("name", "may not be empty"))
    elif SlaPolicy.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        errors.append(FieldError("name", "a policy with this name already exists"))
    try:
        cleaned_conditions = clean_conditions(conditions or {})
    except ValueError as error:
        errors.append(FieldError("conditions", str(error)))
        cleaned_conditions = {}
    for key, allowed in (
        ("tracks", Track.values),
        ("priorities", Priority.values),
        ("channels", Channel.values),
    ):
        unknown = [v for v in cleaned_conditions.get(key, []) if v not in allowed]
        if unknown:
            errors.append(FieldError(f"conditions.{key}", f"unknown: {', '.join(unknown)}"))
    if not isinstance(warning_minutes, int) or warning_minutes < 0:
        errors.append(FieldError("warning_minutes", "must be a whole number of minutes, 0 or more"))
    seen, cleaned_targets = set(), []
    for target in targets:
        field = f"targets.{target.priority}.{target.metric}"
        if target.priority not in Priority.values or target.metric not in SlaMetric.values:
            errors.append(FieldError(field, "unknown priority or target"))
        elif (target.priority, target.metric) in seen:
            errors.append(FieldError(field, "given twice"))
        elif not isinstance(target.minutes, int) or target.minutes <= 0:
            errors.append(FieldError(field, "must be a positive number of minutes"))
        else:
            seen.add((target.priority, target.metric))
            cleaned_targets.append(target)
    if errors:
        raise InvalidInput(errors)
    return name, cleaned_conditions, cleaned_targets


def _write_targets(policy: SlaPolicy, targets: list[TargetInput]) -> None:
    policy.targets.all().delete()
    SlaTarget.objects.bulk_create(
        SlaTarget(
            policy=policy,
            priority=t.priority,
            metric=t.metric,
            minutes=t.minutes,
            business_hours=t.business_hours,
        )
        for t in targets
    )


@transaction.atomic
def create_sla_policy(
    *,
    name: str,
    conditions: dict | None = None,
    targets: list[TargetInput] = (),
    pause_when_pending: bool = True,
    pause_when_on_hold: bool = True,
    warning_minutes: int = 30,
    active: bool = True,
    position: int | None = None,
) -> SlaPolicy:
    """A new policy, last in the order unless `position` says otherwise."""
    name, cleaned, cleaned_targets = _clean_policy(
        name=name, conditions=conditions or {}, warning_minutes=warning_minutes, targets=targets
    )
    if position is None:
        last = SlaPolicy.objects.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 10
    policy = SlaPolicy.objects.create(
        name=name,
        position=position,
        active=active,
        conditions=cleaned,
        pause_when_pending=pause_when_pending,
        pause_when_on_hold=pause_when_on_hold,
        warning_minutes=warning_minutes,
    )
    _write_targets(policy, cleaned_targets)
    _after_settings_change()
    return policy


@transaction.atomic
def update_sla_policy(
    *,
    policy: SlaPolicy,
    name: str,
    conditions: dict,
    targets: list[TargetInput],
    pause_when_pending: bool,
    pause_when_on_hold: bool,
    warning_minutes: int,
    active: bool,
) -> SlaPolicy:
    """Replace the policy's settings and targets; open tickets are recomputed by a job."""
    name, cleaned, cleaned_targets = _clean_policy(
        name=name,
        conditions=conditions,
        warning_minutes=warning_minutes,
        targets=targets,
        exclude_pk=policy.pk,
    )
    policy.name, policy.conditions, policy.active = name, cleaned, active
    policy.pause_when_pending, policy.pause_when_on_hold = pause_when_pending, pause_when_on_hold
    policy.warning_minutes = warning_minutes
    policy.save()
    _write_targets(policy, cleaned_targets)
    _after_settings_change()
    return policy


@transaction.atomic
def move_sla_policy(*, policy: SlaPolicy, up: bool) -> SlaPolicy:
    """Swap places with the neighbour above (or below): the first match wins."""
    ordered = list(SlaPolicy.objects.select_for_update().order_by("position", "id"))
    for index, item in enumerate(ordered):
        item.position = (index + 1) * 10
    index = next(i for i, item in enumerate(ordered) if item.pk == policy.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index].position, ordered[other].position = (
            ordered[other].position,
            ordered[index].position,
        )
    SlaPolicy.objects.bulk_update(ordered, ["position"])
    _after_settings_change()
    return next(item for item in ordered if item.pk == policy.pk)


@transaction.atomic
def delete_sla_policy(*, policy: SlaPolicy) -> None:
    """Tickets under it move to the next matching policy (or none) when recomputed."""
    policy.delete()
    _after_settings_change()
