"""The demo desk's SLA set-up: policies covering every priority, clocks on its open tickets."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.core.demo import load_demo
from tandem.tickets.models import Priority, Ticket
from tandem.workflow.models import SlaMetric, SlaPolicy, TicketSla

NOW = dt.datetime(2026, 3, 18, 15, 30, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=False)
def test_demo_has_a_policy_for_every_priority_and_clocks_on_open_tickets():
    load_demo(seed=5, size="small", now=NOW)

    standard = SlaPolicy.objects.get(name="Standard")
    assert standard.conditions == {}
    covered = set(standard.targets.values_list("priority", "metric"))
    assert covered == {(p, m) for p in Priority.values for m in SlaMetric.values}
    assert SlaPolicy.objects.get(name="Enterprise").conditions == {"plans": ["Enterprise"]}

    open_numbers = set(Ticket.objects.filter(unsolved=True).values_list("number", flat=True))
    assert open_numbers
    assert set(TicketSla.objects.values_list("ticket_id", flat=True)) == open_numbers
    running = TicketSla.objects.exclude(next_due_at=None)
    assert running.exists()
    enterprise = TicketSla.objects.filter(policy__name="Enterprise")
    assert all(sla.ticket.organization.plan == "Enterprise" for sla in enterprise)
