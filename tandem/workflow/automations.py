"""Automations: rules run on time. Each time condition is one indexed range query on tickets
(status + updated_at, solved_at, unsolved assignee + updated_at), so a run costs what it finds,
not the size of the desk; each ticket gets the actions once per condition period."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from tandem.core.business_time import business_minutes_between
from tandem.core.errors import FieldError, InvalidInput
from tandem.tickets.models import Status, Ticket
from tandem.workflow import trigger_conditions
from tandem.workflow.models import Automation, TimeCondition, TriggerRun
from tandem.workflow.triggers import record_fired, run_rule_actions
from tandem.workflow.triggers_actions import validate_actions
from tandem.workflow.triggers_facts import facts_for

log = logging.getLogger(__name__)

# How many tickets one automation handles per run; the rest wait for the next minute.
BATCH = 200


def period_start(automation: Automation, ticket: Ticket) -> dt.datetime | None:
    """The timestamp the time condition counts from: a new period starts when it moves."""
    if automation.time_condition == TimeCondition.SOLVED_FOR:
        return ticket.solved_at
    return ticket.updated_at


def candidates(automation: Automation, *, now: dt.datetime) -> QuerySet[Ticket]:
    """Tickets whose calendar time already passed the condition (business time is never more
    than calendar time, so this is a superset when counting business hours)."""
    cutoff = now - dt.timedelta(minutes=automation.minutes)
    tickets = Ticket.objects.filter(merged_into__isnull=True)
    if automation.time_condition == TimeCondition.STATUS_FOR:
        tickets = tickets.filter(status=automation.status, updated_at__lte=cutoff)
    elif automation.time_condition == TimeCondition.SOLVED_FOR:
        tickets = tickets.filter(status=Status.SOLVED, solved_at__lte=cutoff)
    else:
        tickets = tickets.filter(unsolved=True, assignee__isnull=True, updated_at__lte=cutoff)
    counted_from = (
        "solved_at" if automation.time_condition == TimeCondition.SOLVED_FOR else "updated_at"
    )
    done = TriggerRun.objects.filter(
        automation=automation,
        dry_run=False,
        ticket=OuterRef("pk"),
        period_start=OuterRef(counted_from),
    )
    return tickets.filter(~Exists(done)).order_by(counted_from, "number")


def time_condition_met(automation: Automation, ticket: Ticket, *, now: dt.datetime) -> bool:
    start = period_start(automation, ticket)
    if start is None:
        return False
    if not automation.business_hours:
        return now - start >= dt.timedelta(minutes=automation.minutes)
    calendar = ticket.team.calendar if ticket.team_id else None
    if calendar is None:  # no calendar: 24/7
        return now - start >= dt.timedelta(minutes=automation.minutes)
    return business_minutes_between(calendar.schedule(), start, now) >= automation.minutes


def run_automation(automation: Automation, *, now: dt.datetime | None = None) -> list[TriggerRun]:
    """Fire `automation` on every ticket that meets it now; returns the new activity rows."""
    now = now or timezone.now()
    runs = []
    tickets = candidates(automation, now=now).select_related(
        "team__calendar", "organization", "contact"
    )
    for ticket in tickets[:BATCH]:
        if not time_condition_met(automation, ticket, now=now):
            continue
        facts = facts_for(ticket, event_type="", at=now)
        if not trigger_conditions.matches(automation.conditions, facts):
            continue
        start = period_start(automation, ticket)
        try:
            with transaction.atomic():
                changes, error = run_rule_actions(
                    automation, kind="automation", ticket=ticket, at=now
                )
                runs.append(
                    record_fired(
                        automation,
                        kind="automation",
                        ticket=ticket,
                        at=now,
                        changes=changes,
                        error=error,
                        period_start=start,
                    )
                )
        except IntegrityError:
            continue  # another run fired it for this period first
    return runs


def run_automations(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    fired = 0
    for automation in Automation.objects.filter(active=True).order_by("position", "id"):
        fired += len(run_automation(automation, now=now))
    return fired


AUTOMATION_FIELDS = {
    "name",
    "position",
    "active",
    "time_condition",
    "status",
    "minutes",
    "business_hours",
    "conditions",
    "actions",
}


def _validate(values: dict, *, instance: Automation | None = None) -> dict:
    errors = [
        FieldError(n, "is not an automation field") for n in sorted(set(values) - AUTOMATION_FIELDS)
    ]
    merged = {
        **({} if instance is None else {f: getattr(instance, f) for f in AUTOMATION_FIELDS}),
        **values,
    }
    name = (merged.get("name") or "").strip()
    if not name:
        errors.append(FieldError("name", "may not be empty"))
    elif Automation.objects.filter(name=name).exclude(pk=getattr(instance, "pk", None)).exists():
        errors.append(FieldError("name", f"an automation named {name!r} exists"))
    if merged.get("time_condition") not in TimeCondition.values:
        errors.append(
            FieldError("time_condition", f"must be one of {', '.join(TimeCondition.values)}")
        )
    if merged.get("time_condition") == TimeCondition.STATUS_FOR and merged.get("status") not in (
        Status.NEW,
        Status.OPEN,
        Status.PENDING,
        Status.ON_HOLD,
    ):
        errors.append(FieldError("status", "must be an unsolved status for 'status_for'"))
    minutes = merged.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        errors.append(FieldError("minutes", "must be a whole number of minutes above 0"))
    errors += trigger_conditions.validate_conditions(merged.get("conditions") or {})
    errors += validate_actions(merged.get("actions"))
    if errors:
        raise InvalidInput(errors)
    if "name" in values:
        values["name"] = name
    return values


@transaction.atomic
def create_automation(**values) -> Automation:
    values = _validate(dict(values))
    if "position" not in values:
        last = Automation.objects.order_by("-position").values_list("position", flat=True).first()
        values["position"] = (last or 0) + 1
    return Automation.objects.create(**values)


@transaction.atomic
def update_automation(*, automation: Automation, **values) -> Automation:
    values = _validate(dict(values), instance=automation)
    for name, value in values.items():
        setattr(automation, name, value)
    automation.save(update_fields=[*values, "updated_at"])
    return automation


@transaction.atomic
def delete_automation(*, automation: Automation) -> None:
    automation.delete()


@transaction.atomic
def reorder_automations(*, order: list[int]) -> None:
    """Positions 1..n in the order given; automations not named keep their order after."""
    rest = Automation.objects.exclude(pk__in=order).order_by("position", "id")
    ids = [*order, *rest.values_list("pk", flat=True)]
    for position, pk in enumerate(ids, start=1):
        Automation.objects.filter(pk=pk).update(position=position)
