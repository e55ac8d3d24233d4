"""The periodic SLA check: warnings and breaches at their minute, once per target and cycle."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.tickets.models import TicketEvent
from tandem.workflow.actions import fire_sla_alarms
from tandem.workflow.models import TicketSla
from tandem.workflow.tests.sla_setup import (
    agent_reply,
    customer_reply,
    make_policy,
    open_ticket,
    utc,
)

pytestmark = pytest.mark.django_db
Kind = TicketEvent.Kind


def alarms_of(ticket):
    return list(
        ticket.events.filter(kind__in=[Kind.SLA_WARNING, Kind.SLA_BREACHED])
        .order_by("id")
        .values_list("kind", "data__metric", "data__cycle")
    )


def test_warning_then_breach_each_written_once(db):
    make_policy(business_hours=False, warning_minutes=30)
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0))  # first response due 08:00Z

    assert fire_sla_alarms(at=utc(2026, 3, 30, 7, 29)) == 0
    assert fire_sla_alarms(at=utc(2026, 3, 30, 7, 30)) == 1
    assert fire_sla_alarms(at=utc(2026, 3, 30, 7, 45)) == 0
    assert alarms_of(ticket) == [(Kind.SLA_WARNING, "first_response", 1)]
    assert TicketSla.objects.get(ticket=ticket).next_alarm_at == utc(2026, 3, 30, 8, 0)

    assert fire_sla_alarms(at=utc(2026, 3, 30, 8, 0)) == 1
    assert fire_sla_alarms(at=utc(2026, 3, 30, 8, 5)) == 0
    assert alarms_of(ticket) == [
        (Kind.SLA_WARNING, "first_response", 1),
        (Kind.SLA_BREACHED, "first_response", 1),
    ]
    breach = ticket.events.get(kind=Kind.SLA_BREACHED)
    assert breach.actor_kind == "system" and breach.created_at == utc(2026, 3, 30, 8, 0)
    # The resolution target (due 15:00Z) is the next alarm: its warning at 14:30Z.
    assert TicketSla.objects.get(ticket=ticket).next_alarm_at == utc(2026, 3, 30, 14, 30)


def test_check_that_starts_late_writes_the_breach_without_a_late_warning(db):
    make_policy(business_hours=False)
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0))
    assert fire_sla_alarms(at=utc(2026, 3, 30, 9, 0)) == 1
    assert alarms_of(ticket) == [(Kind.SLA_BREACHED, "first_response", 1)]


def test_a_met_target_never_breaches(db, agent):
    make_policy(business_hours=False)
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0))
    agent_reply(ticket, agent, at=utc(2026, 3, 30, 7, 20))
    assert fire_sla_alarms(at=utc(2026, 3, 30, 8, 30)) == 0
    assert alarms_of(ticket) == []


def test_paused_ticket_raises_no_alarm(db, agent):
    make_policy(business_hours=False)
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0))
    agent_reply(ticket, agent, at=utc(2026, 3, 30, 7, 20), status="pending")
    assert fire_sla_alarms(at=utc(2026, 3, 31, 7, 0)) == 0


def test_each_next_response_cycle_breaches_once(db, agent):
    make_policy(business_hours=False, warning_minutes=0)
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0))
    agent_reply(ticket, agent, at=utc(2026, 3, 30, 7, 10))
    customer_reply(ticket, at=utc(2026, 3, 30, 7, 20))  # cycle 1, due 09:20Z
    assert fire_sla_alarms(at=utc(2026, 3, 30, 9, 20)) == 1
    agent_reply(ticket, agent, at=utc(2026, 3, 30, 9, 30))
    customer_reply(ticket, at=utc(2026, 3, 30, 9, 40))  # cycle 2, due 11:40Z
    assert fire_sla_alarms(at=utc(2026, 3, 30, 10, 0)) == 0
    assert fire_sla_alarms(at=utc(2026, 3, 30, 11, 40)) == 1
    assert fire_sla_alarms(at=utc(2026, 3, 30, 11, 50)) == 0
    assert alarms_of(ticket) == [
        (Kind.SLA_BREACHED, "next_response", 1),
        (Kind.SLA_BREACHED, "next_response", 2),
    ]


def test_late_reply_after_breach_does_not_breach_again(db, agent):
    make_policy(business_hours=False)
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0))
    fire_sla_alarms(at=utc(2026, 3, 30, 8, 1))
    agent_reply(ticket, agent, at=utc(2026, 3, 30, 8, 30))
    assert [kind for kind, *_ in alarms_of(ticket)] == [Kind.SLA_BREACHED]
    met = ticket.events.get(kind=Kind.SLA_MET)
    assert met.data["on_time"] is False


def test_the_check_reads_only_rows_that_are_due(db):
    make_policy(business_hours=False)
    for _ in range(20):
        open_ticket(at=utc(2026, 3, 30, 7, 0))
    with CaptureQueriesContext(connection) as queries:
        assert fire_sla_alarms(at=utc(2026, 3, 30, 7, 10)) == 0
    assert len(queries) == 1


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL may rightly scan a table this small"
)
def test_the_due_rows_are_found_through_the_next_alarm_index(db):
    plan = connection.ops.explain_query_prefix()
    with connection.cursor() as cursor:
        sql, params = (
            TicketSla.objects.filter(next_alarm_at__lte=utc(2026, 3, 30, 7, 10))
            .order_by("next_alarm_at")
            .values_list("ticket_id")[:200]
            .query.sql_with_params()
        )
        cursor.execute(f"{plan} {sql}", params)
        text = " ".join(str(row) for row in cursor.fetchall())
    assert "ticket_sla_next_alarm" in text


def test_the_minute_job_writes_what_is_due_now(db):
    from django.utils import timezone

    from tandem.workflow.tasks import check_sla_alarms

    make_policy(business_hours=False)
    ticket = open_ticket(at=timezone.now() - dt.timedelta(hours=2))
    check_sla_alarms.call_local()
    assert alarms_of(ticket) == [(Kind.SLA_BREACHED, "first_response", 1)]
