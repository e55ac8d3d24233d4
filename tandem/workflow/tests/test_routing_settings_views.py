"""Settings pages for routing rules and assignment (admins only)."""

import pytest
from django.urls import reverse

from tandem.people.models import Agent, Team
from tandem.testing import factories
from tandem.workflow.models import RoutingRule

pytestmark = pytest.mark.django_db


def test_admin_creates_a_rule_from_condition_lines(client, admin):
    billing = factories.make_team(name="Billing")
    client.force_login(admin.user)
    assert client.get(reverse("settings:routing_rules")).status_code == 200
    response = client.post(
        reverse("settings:routing_rules"),
        {
            "name": "Invoices",
            "active": "on",
            "match": "any",
            "conditions": "subject contains invoice\npriority in high, urgent",
            "set_team": billing.pk,
            "add_tags": "invoice, billing",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.set_team == billing and rule.add_tags == ["invoice", "billing"]
    assert rule.conditions == {
        "match": "any",
        "rules": [
            {"field": "subject", "op": "contains", "value": "invoice"},
            {"field": "priority", "op": "in", "value": ["high", "urgent"]},
        ],
    }
    page = client.get(reverse("settings:routing_rule", args=[rule.pk])).content.decode()
    assert "subject contains invoice" in page


def test_a_bad_condition_line_is_shown_on_the_form(client, admin):
    client.force_login(admin.user)
    response = client.post(
        reverse("settings:routing_rules"),
        {"name": "Broken", "match": "all", "conditions": "colour is red"},
    )
    assert response.status_code == 422
    assert "rules[0].field" in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_admin_sets_team_strategy_and_agent_capacity_and_skills(client, admin, team, agent):
    client.force_login(admin.user)
    assert client.get(reverse("settings:assignment")).status_code == 200
    response = client.post(
        reverse("settings:team_assignment", args=[team.pk]),
        {
            "assignment_strategy": "round_robin",
            "reassign_when_offline": "on",
        },
    )
    assert response.status_code == 302
    team = Team.objects.get(pk=team.pk)
    assert team.assignment_strategy == "round_robin" and team.reassign_when_offline
    response = client.post(
        reverse("settings:agent_assignment", args=[agent.pk]),
        {"capacity": "5", "skills": "DE, mobile-app, de"},
    )
    assert response.status_code == 302
    agent = Agent.objects.get(pk=agent.pk)
    assert agent.capacity == 5 and agent.skills == ["de", "mobile-app"]


def test_agents_cannot_open_these_settings(client, agent):
    client.force_login(agent.user)
    assert client.get(reverse("settings:routing_rules")).status_code == 403
    assert client.get(reverse("settings:assignment")).status_code == 403
