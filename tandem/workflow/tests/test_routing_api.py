"""The routing rules API: admins only, validated conditions, the shared error shape."""

import pytest

from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.testing import factories
from tandem.workflow.models import RoutingRule

pytestmark = pytest.mark.django_db

INVOICES = {
    "name": "Invoices",
    "conditions": {
        "match": "any",
        "rules": [{"field": "subject", "op": "contains", "value": "invoice"}],
    },
    "team": "Billing",
    "priority": "high",
    "add_tags": ["Invoice"],
}


@pytest.fixture
def billing(db):
    return factories.make_team(name="Billing")


def test_admin_creates_lists_reads_changes_and_deletes_a_rule(admin_api, billing):
    response = admin_api.post("routing-rules", INVOICES)
    assert response.status_code == 201, response.json()
    rule = response.json()
    assert rule["team"]["id"] == billing.pk and rule["priority"] == "high"
    assert rule["add_tags"] == ["invoice"] and rule["position"] == 1 and rule["active"] is True

    listed = admin_api.get("routing-rules").json()["items"]
    assert [r["name"] for r in listed] == ["Invoices"]
    assert admin_api.get(f"routing-rules/{rule['id']}").json()["name"] == "Invoices"

    response = admin_api.patch(f"routing-rules/{rule['id']}", {"active": False, "team": None})
    assert response.status_code == 200
    assert response.json()["active"] is False and response.json()["team"] is None

    assert admin_api.delete(f"routing-rules/{rule['id']}").status_code == 204
    assert not RoutingRule.objects.exists()
    assert admin_api.get(f"routing-rules/{rule['id']}").status_code == 404


def test_bad_conditions_and_team_are_named(admin_api, billing):
    body = {
        **INVOICES,
        "team": "Nobody",
        "conditions": {"rules": [{"field": "colour", "op": "is", "value": "red"}]},
    }
    response = admin_api.post("routing-rules", body)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"team"}
    response = admin_api.post("routing-rules", {**body, "team": "Billing"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"conditions.rules[0].field"}
    assert admin_api.post("routing-rules", {**INVOICES, "track": "sales"}).status_code == 422
    assert not RoutingRule.objects.exists()


def test_names_are_unique(admin_api, billing):
    admin_api.post("routing-rules", INVOICES)
    response = admin_api.post("routing-rules", {**INVOICES, "name": "invoices"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


def test_agents_cannot_use_it(agent_api, anon_api):
    assert agent_api.get("routing-rules").status_code == 403
    assert agent_api.post("routing-rules", INVOICES).status_code == 403
    assert anon_api.get("routing-rules").status_code == 401
