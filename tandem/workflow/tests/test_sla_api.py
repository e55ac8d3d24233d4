"""The API's `sla` block on every ticket read: shape, statuses, and a flat query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.testing import factories
from tandem.workflow.tests.sla_setup import agent_reply, make_policy

pytestmark = pytest.mark.django_db
iso = DjangoJSONEncoder().default


def test_created_ticket_answers_its_sla_block(agent_api):
    make_policy(business_hours=False)
    before = timezone.now()
    response = agent_api.post(
        "tickets",
        {
            "subject": "Down",
            "body": "All of it",
            "requester": {"email": "c@x.test"},
            "priority": "urgent",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sla_policy"] == "Standard"
    sla = body["sla"]
    assert set(sla) == {"first_response", "next_response", "resolution"}
    first = sla["first_response"]
    assert first["status"] == "active" and first["business_hours"] is False
    due = dt.datetime.fromisoformat(first["due_at"])
    assert before + dt.timedelta(minutes=60) <= due <= timezone.now() + dt.timedelta(minutes=60)
    assert 3590 <= first["remaining_seconds"] <= 3600
    # No customer follow-up yet: no next-response cycle is owed.
    assert sla["next_response"] == {
        "due_at": None,
        "status": "met",
        "remaining_seconds": None,
        "business_hours": False,
    }


def test_ticket_read_shows_met_paused_and_breached_targets(agent_api, agent, team):
    make_policy(business_hours=False)
    long_ago = timezone.now() - dt.timedelta(hours=10)
    ticket = factories.make_ticket(team=team, at=long_ago)
    agent_reply(ticket, agent, at=long_ago + dt.timedelta(minutes=30), status="pending")

    sla = agent_api.get(f"tickets/{ticket.number}").json()["sla"]

    assert sla["first_response"]["status"] == "met"
    assert sla["first_response"]["due_at"] == iso(long_ago + dt.timedelta(minutes=60))
    assert sla["resolution"] == {
        "due_at": None,
        "status": "paused",
        "remaining_seconds": 450 * 60,
        "business_hours": False,
    }


def test_overdue_target_reads_breached_with_negative_remaining_time(agent_api, team):
    make_policy(business_hours=False)
    ticket = factories.make_ticket(team=team, at=timezone.now() - dt.timedelta(hours=2))

    first = agent_api.get(f"tickets/{ticket.number}").json()["sla"]["first_response"]

    assert first["status"] == "breached"
    assert -3610 <= first["remaining_seconds"] <= -3590


def test_ticket_without_policy_has_null_sla(agent_api, ticket):
    body = agent_api.get(f"tickets/{ticket.number}").json()
    assert body["sla"] is None and body["sla_policy"] is None


def test_list_with_sla_blocks_costs_the_same_queries_for_5_and_50_tickets(
    agent_api, team, django_assert_max_num_queries
):
    make_policy()
    for _ in range(51):
        factories.make_ticket(team=team)
    agent_api.get("tickets", {"limit": 1})  # the token's first use writes last_used_at

    counts = {}
    for size in (5, 50):
        with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as queries:
            response = agent_api.get("tickets", {"limit": size})
        items = response.json()["items"]
        assert len(items) == size
        assert all(item["sla"]["resolution"]["status"] == "active" for item in items)
        counts[size] = len(queries)
    assert counts[5] == counts[50]


def test_list_filters_the_sla_views(agent_api, team):
    make_policy(business_hours=False)
    late = factories.make_ticket(team=team, at=timezone.now() - dt.timedelta(hours=2))
    factories.make_ticket(team=team)

    response = agent_api.get("tickets", {"view": "sla_breached"})

    assert [item["number"] for item in response.json()["items"]] == [late.number]
