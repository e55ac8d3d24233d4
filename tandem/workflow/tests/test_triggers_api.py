"""/api/v1/triggers and /api/v1/automations: admin tokens only, field-named errors, dry run."""

import pytest

from tandem.api.tests.fixtures import ApiClient, token_for
from tandem.workflow.models import Automation, Trigger, TriggerRun

pytestmark = pytest.mark.django_db

TRIGGER = {
    "name": "VIP",
    "events": ["ticket_created"],
    "conditions": {"all": [{"field": "subject", "op": "contains", "value": "log in"}]},
    "actions": [{"type": "add_tags", "tags": ["vip"]}],
}


@pytest.fixture
def as_admin(admin):
    return ApiClient(token_for(admin))


def test_admin_creates_lists_updates_and_deletes_a_trigger(as_admin):
    created = as_admin.post("/triggers", TRIGGER)
    assert created.status_code == 201, created.json()
    trigger_id = created.json()["id"]
    assert as_admin.get("/triggers").json() == [
        {**TRIGGER, "id": trigger_id, "position": 1, "active": True}
    ]
    patched = as_admin.patch(f"/triggers/{trigger_id}", {"active": False})
    assert patched.json()["active"] is False
    assert as_admin.delete(f"/triggers/{trigger_id}").status_code == 204
    assert Trigger.objects.count() == 0


def test_bad_trigger_names_each_field(as_admin):
    response = as_admin.post(
        "/triggers",
        {
            **TRIGGER,
            "events": ["exploded"],
            "actions": [{"type": "set_fields", "fields": {"x": 1}}],
        },
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [
        "events",
        "actions[0].fields.x",
    ]
    assert Trigger.objects.count() == 0


@pytest.mark.parametrize("who", ["agent", "light_agent"])
def test_non_admin_tokens_are_refused_and_change_nothing(request, who):
    client = ApiClient(token_for(request.getfixturevalue(who)))
    assert client.get("/triggers").status_code == 403
    assert client.post("/triggers", TRIGGER).status_code == 403
    assert client.get("/automations").status_code == 403
    assert Trigger.objects.count() == 0


def test_anonymous_is_unauthenticated(db):
    assert ApiClient().get("/triggers").status_code == 401


def test_dry_run_through_the_api(as_admin, ticket):
    trigger_id = as_admin.post("/triggers", {**TRIGGER, "active": False}).json()["id"]
    response = as_admin.post(f"/triggers/{trigger_id}/dry-run", {"ticket": ticket.number})
    assert response.status_code == 200
    body = response.json()
    assert body["would_fire"] is True
    assert body["actions"] == [{"type": "add_tags", "tags": ["vip"]}]
    assert ticket.tags.count() == 0
    assert TriggerRun.objects.count() == 0
    missing = as_admin.post(f"/triggers/{trigger_id}/dry-run", {"ticket": 99999})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "ticket"


def test_automation_crud_and_errors(as_admin):
    good = {
        "name": "Close solved",
        "time_condition": "solved_for",
        "minutes": 5760,
        "actions": [{"type": "set_fields", "fields": {"status": "closed"}}],
    }
    created = as_admin.post("/automations", good)
    assert created.status_code == 201, created.json()
    assert created.json()["minutes"] == 5760
    bad = as_admin.post("/automations", {**good, "name": "Other", "time_condition": "someday"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "time_condition"
    assert Automation.objects.count() == 1


def test_admin_moves_a_trigger_and_an_automation(as_admin):
    first = as_admin.post("/triggers", TRIGGER).json()["id"]
    second = as_admin.post("/triggers", {**TRIGGER, "name": "Second"}).json()["id"]
    moved = as_admin.post(f"/triggers/{second}/move", {"direction": "up"})
    assert moved.status_code == 200, moved.json()
    assert (moved.json()["id"], moved.json()["position"]) == (second, 1)
    assert [t["id"] for t in as_admin.get("/triggers").json()] == [second, first]
    automation = {"name": "Close", "time_condition": "solved_for", "minutes": 60}
    one = as_admin.post("/automations", {**automation, "actions": TRIGGER["actions"]}).json()
    two = as_admin.post(
        "/automations", {**automation, "name": "Two", "actions": TRIGGER["actions"]}
    ).json()
    response = as_admin.post(f"/automations/{one['id']}/move", {"direction": "down"})
    assert response.json()["position"] == 2
    assert [a["id"] for a in as_admin.get("/automations").json()] == [two["id"], one["id"]]


def test_a_move_in_an_unknown_direction_names_the_field_and_moves_nothing(as_admin):
    first = as_admin.post("/triggers", TRIGGER).json()["id"]
    second = as_admin.post("/triggers", {**TRIGGER, "name": "Second"}).json()["id"]
    response = as_admin.post(f"/triggers/{second}/move", {"direction": "left"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["direction"]
    assert list(Trigger.objects.order_by("position").values_list("pk", flat=True)) == [
        first,
        second,
    ]
    assert as_admin.post("/triggers/999999/move", {"direction": "up"}).status_code == 404
