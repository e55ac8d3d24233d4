"""Template tags that show SLA clocks: the inbox's next-due cell and the header countdowns."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html

from tandem.workflow.sla_status import ACTIVE, BREACHED, PAUSED, read_targets, ticket_sla

register = template.Library()


def duration_text(seconds: int) -> str:
    """3,900 -> '1 h 5 min'; '45 s' under a minute; days past 24 h."""
    seconds = abs(int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _state(sla, due: dt.datetime, now: dt.datetime) -> str:
    if due <= now:
        return "breached"
    if sla.at_risk_from is not None and sla.at_risk_from <= now:
        return "at-risk"
    return "on-track"


@register.simple_tag
def sla_next_due(ticket, now: dt.datetime | None = None):
    """The earliest running target's due time, relative, coloured by urgency."""
    sla = ticket_sla(ticket)
    if sla is None or sla.next_due_at is None:
        return format_html('<span class="muted">{}</span>', "—")
    now = now or timezone.now()
    due = sla.next_due_at
    state = _state(sla, due, now)
    remaining = int((due - now).total_seconds())
    text = (
        f"{duration_text(remaining)} overdue" if remaining < 0 else f"in {duration_text(remaining)}"
    )
    return format_html(
        '<time class="sla-due sla-{}" datetime="{}" title="SLA due {}">{}</time>',
        state,
        due.isoformat(),
        timezone.localtime(due).strftime("%a %-d %b %Y, %H:%M %Z"),
        text,
    )


@register.inclusion_tag("workflow/_sla_countdowns.html")
def sla_countdowns(ticket):
    """One countdown per target that is owed, for the ticket header."""
    sla = ticket_sla(ticket)
    if sla is None:
        return {"readings": [], "policy": None}
    now = timezone.now()
    warning = dt.timedelta(minutes=sla.policy.warning_minutes if sla.policy else 0)
    readings = []
    for reading in read_targets(sla, now):
        if reading.metric not in sla.targets:
            continue
        risky = reading.status == ACTIVE and reading.due_at - warning <= now
        if reading.status in (BREACHED, PAUSED) or reading.due_at is not None:
            readings.append(
                {
                    "reading": reading,
                    "state": "at-risk" if risky else reading.status,
                    "text": _countdown_text(reading),
                }
            )
    return {"readings": readings, "policy": sla.policy.name if sla.policy else None}


def _countdown_text(reading) -> str:
    if reading.status == PAUSED:
        return f"paused, {duration_text(reading.remaining_seconds)} left"
    if reading.remaining_seconds is None:
        return "met late" if reading.status == BREACHED else "met"
    if reading.remaining_seconds < 0:
        return f"{duration_text(reading.remaining_seconds)} overdue"
    return f"due in {duration_text(reading.remaining_seconds)}"
