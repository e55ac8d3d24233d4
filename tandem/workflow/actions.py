"""Every write of the workflow app: SLA clocks, SLA alarms, calendars and SLA policies."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tandem.people.actors import Actor
from tandem.tickets.actions.events import announce_change, record_event
from tandem.tickets.models import Ticket, TicketEvent
from tandem.workflow.models import TicketSla
from tandem.workflow.sla_alarms import BREACH, Alarm, due_alarms, following_alarm
from tandem.workflow.sla_subscriber import SLA_ACTION
from tandem.workflow.sla_tracking import refresh_clocks

Kind = TicketEvent.Kind


def _sla_copy(ticket_id: int) -> Ticket:
    """A locked copy with what policy matching and the calendar read, events kept apart.

    The ticket row is always locked before its TicketSla row, as every ticket action does.
    """
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("organization", "contact", "team__calendar")
        .get(pk=ticket_id)
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
    copy = _sla_copy(ticket.pk)
    if refresh_clocks(copy, at=at, since=since or at, kinds=set(kinds)):
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
