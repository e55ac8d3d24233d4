"""SLA clocks in the workspace: the inbox's "SLA due" column and views, the header countdowns."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.workflow.templatetags.sla_ui import duration_text
from tandem.workflow.tests.sla_setup import agent_reply, make_policy, open_ticket

pytestmark = pytest.mark.django_db
INBOX = reverse("tickets:inbox")


@pytest.fixture
def clocks(team, agent):
    """Three open tickets under calendar-time targets: breached, at risk and on track."""
    make_policy(business_hours=False, warning_minutes=30)
    now = timezone.now()
    return {
        "breached": open_ticket(at=now - dt.timedelta(minutes=90), team=team, subject="late"),
        "at_risk": open_ticket(at=now - dt.timedelta(minutes=40), team=team, subject="risky"),
        "on_track": open_ticket(at=now - dt.timedelta(minutes=5), team=team, subject="fresh"),
    }


def numbers(response) -> set[int]:
    return {row.ticket.number for row in response.context["rows"]}


def test_sla_views_list_breached_and_at_risk_tickets(client, agent, clocks):
    client.force_login(agent.user)
    breached = client.get(INBOX, {"view": "sla_breached"})
    at_risk = client.get(INBOX, {"view": "sla_at_risk"})
    assert numbers(breached) == {clocks["breached"].number}
    assert numbers(at_risk) == {clocks["at_risk"].number}
    assert b"SLA at risk" in breached.content and b"SLA breached" in breached.content


def test_inbox_column_colours_the_next_due_time(client, agent, clocks):
    client.force_login(agent.user)
    page = client.get(INBOX).content.decode()
    # Seconds pass between set-up and render: minutes are floored, so allow one less.
    assert 'class="sla-due sla-breached"' in page and re.search(r">30 min overdue<", page)
    assert 'class="sla-due sla-at-risk"' in page and re.search(r">in (19|20) min<", page)
    assert 'class="sla-due sla-on-track"' in page and re.search(r">in (54|55) min<", page)


def test_met_ticket_leaves_the_breached_view(client, agent, clocks):
    agent_reply(clocks["breached"], agent, at=timezone.now(), status="pending")
    client.force_login(agent.user)
    assert numbers(client.get(INBOX, {"view": "sla_breached"})) == set()


def test_sla_view_keeps_the_inbox_query_budget(client, agent, team, django_assert_max_num_queries):
    make_policy(business_hours=False)
    old = timezone.now() - dt.timedelta(hours=3)
    for _ in range(60):
        open_ticket(at=old, team=team)
    client.force_login(agent.user)
    with django_assert_max_num_queries(8):
        response = client.get(INBOX, {"view": "sla_breached"})
    assert len(response.context["rows"]) == 50


def test_ticket_header_counts_down_each_target(client, agent, clocks):
    client.force_login(agent.user)
    page = client.get(reverse("tickets:detail", args=[clocks["at_risk"].number])).content.decode()
    assert 'class="sla-countdown sla-at-risk"' in page
    assert "First response" in page and re.search(r"due in (19|20) min", page)
    assert "Resolution" in page and re.search(r"due in 7 h (19|20) min", page)
    assert "workflow/sla_countdown.js" in page


def test_duration_text_reads_naturally():
    assert duration_text(42) == "42 s"
    assert duration_text(-3900) == "1 h 5 min"
    assert duration_text(7200) == "2 h"
    assert duration_text(90000) == "1 d 1 h"


def test_timeline_says_why_the_targets_changed(client, agent, team):
    from tandem.people.actors import Actor
    from tandem.tickets import actions as ticket_actions

    make_policy(business_hours=False)
    ticket = open_ticket(at=timezone.now() - dt.timedelta(minutes=90), team=team)
    ticket_actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="urgent")
    client.force_login(agent.user)
    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert "applied SLA policy <b>Standard</b> (ticket created)" in page
    assert "applied SLA policy <b>Standard</b> (priority changed to urgent)" in page
    assert "recorded a missed SLA target: <b>first response</b>" not in page
