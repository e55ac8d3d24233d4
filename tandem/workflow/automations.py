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
from tandem.tickets.models import Status, Ticket
from tandem.workflow.conditions import trigger_conditions_match
from tandem.workflow.models import Automation, TimeCondition, TriggerRun
from tandem.workflow.triggers import record_fired, run_rule_actions
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
        if not trigger_conditions_match(automation.conditions, facts):
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
