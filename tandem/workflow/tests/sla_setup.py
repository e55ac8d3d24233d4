"""Shared set-up of the SLA tests: a Berlin calendar, a policy with targets, ticket helpers."""

from __future__ import annotations

import datetime as dt

from tandem.core.models import Calendar
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions as ticket_actions
from tandem.workflow.models import SlaPolicy, SlaTarget
from tandem.workflow.rule_cache import rules_changed

UTC = dt.UTC
WORKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def make_calendar(*, name="Berlin office", time_zone="Europe/Berlin", weekly=None, holidays=()):
    calendar = Calendar.objects.create(
        name=name, time_zone=time_zone, weekly_hours=weekly or WORKDAYS, holidays=list(holidays)
    )
    rules_changed()  # written past the actions: tell the cached SLA settings, as they do
    return calendar


def make_policy(
    *,
    name="Standard",
    position=10,
    conditions=None,
    minutes=None,
    business_hours=True,
    warning_minutes=30,
    **flags,
) -> SlaPolicy:
    """Targets for every priority: {metric: minutes}, the same for each priority by default."""
    policy = SlaPolicy.objects.create(
        name=name,
        position=position,
        conditions=conditions or {},
        warning_minutes=warning_minutes,
        **flags,
    )
    minutes = minutes or {"first_response": 60, "next_response": 120, "resolution": 480}
    for priority in ("low", "normal", "high", "urgent"):
        per_priority = minutes.get(priority, minutes)
        for metric, amount in per_priority.items():
            if metric in ("low", "normal", "high", "urgent"):
                continue
            SlaTarget.objects.create(
                policy=policy,
                priority=priority,
                metric=metric,
                minutes=amount,
                business_hours=business_hours,
            )
    rules_changed()  # written past the actions: tell the cached SLA settings, as they do
    return policy


def open_ticket(*, at, team=None, contact=None, **fields):
    contact = contact or factories.make_contact()
    return ticket_actions.create_ticket(
        actor=Actor.for_contact(contact),
        contact=contact,
        subject=fields.pop("subject", "Printer on fire"),
        body="It is really burning.",
        team=team,
        at=at,
        **fields,
    )


def agent_reply(ticket, agent, *, at, **extra):
    return ticket_actions.add_message(
        actor=Actor.for_agent(agent), ticket=ticket, body="On it.", at=at, **extra
    )


def customer_reply(ticket, *, at):
    return ticket_actions.add_message(
        actor=Actor.for_contact(ticket.contact), ticket=ticket, body="Still burning.", at=at
    )
