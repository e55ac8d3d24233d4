"""The macros API: CRUD with the desk's error and permission rules, and rendering for a ticket."""

from __future__ import annotations

import pytest

from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.kb import macro_actions
from tandem.kb.models import Macro
from tandem.tickets import actions as ticket_actions


@pytest.fixture
def shared_macro(admin):
    return macro_actions.create_macro(
        agent=admin,
        title="Password reset",
        body="Hi {{ contact.first_name }}, about #{{ ticket.number }}: reset it here.",
        set_status="pending",
        add_tags=["password"],
    )


def test_create_answers_201_with_id(admin_api):
    response = admin_api.post("macros", {"title": "Thanks", "body": "Thanks {{ contact.name }}"})

    assert response.status_code == 201, response.content
    body = response.json()
    macro = Macro.objects.get(pk=body["id"])
    assert (macro.title, macro.scope) == ("Thanks", "everyone")
    assert body["scope"] == "everyone"
    assert body["usage_count"] == 0


def test_agent_token_creates_a_personal_macro(agent_api, agent):
    response = agent_api.post("macros", {"title": "Mine", "body": "Hello"})

    assert response.status_code == 201
    assert response.json()["owner"] == {"id": agent.pk, "email": agent.email, "name": agent.name}


def test_template_error_is_a_422_naming_body(admin_api):
    response = admin_api.post("macros", {"title": "Bad", "body": "{{ ''.__class__.__mro__ }}"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert "cannot be read here" in response.json()["errors"][0]["message"]
    assert Macro.objects.count() == 0


def test_missing_fields_and_unknown_team_are_named(admin_api):
    response = admin_api.post("macros", {"body": "x"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["title"]

    response = admin_api.post("macros", {"title": "T", "body": "x", "scope": "team", "team": 999})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "team", "message": "no such team"}]


def test_render_answers_the_text_for_the_ticket(agent_api, shared_macro, ticket):
    response = agent_api.post(f"macros/{shared_macro.pk}/render", {"ticket": ticket.number})

    assert response.status_code == 200, response.content
    assert response.json() == {
        "body": f"Hi Carol, about #{ticket.number}: reset it here.",
        "actions": {"status": "pending", "add_tags": ["password"]},
    }
    ticket.refresh_from_db()
    assert ticket.status == "new"  # rendering changes nothing
    assert Macro.objects.get(pk=shared_macro.pk).usage_count == 0


def test_render_for_a_ticket_the_token_cannot_see_is_404(other_team_api, shared_macro, ticket):
    response = other_team_api.post(f"macros/{shared_macro.pk}/render", {"ticket": ticket.number})
    assert response.status_code == 404
    response = other_team_api.post(f"macros/{shared_macro.pk}/render", {"ticket": 99999})
    assert response.status_code == 404


def test_render_without_ticket_is_422(agent_api, shared_macro):
    response = agent_api.post(f"macros/{shared_macro.pk}/render", {})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "ticket"


def test_render_error_at_send_time_is_a_422_not_a_500(agent_api, admin, ticket):
    """A macro valid when saved can break later (here: its custom field was retired)."""
    field = ticket_actions.create_custom_field(
        entity="ticket", key="order", label="Order", kind="text"
    )
    macro = macro_actions.create_macro(
        agent=admin, title="Order", body="Order {{ ticket.custom_fields.order }}"
    )
    ticket_actions.update_custom_field(field=field, active=False)

    response = agent_api.post(f"macros/{macro.pk}/render", {"ticket": ticket.number})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert "ticket.custom_fields.order is not a documented variable" in response.json()["detail"]


def test_list_is_most_used_first_and_searchable(agent_api, admin):
    low = macro_actions.create_macro(agent=admin, title="Alpha", body="refund soon")
    high = macro_actions.create_macro(agent=admin, title="Beta refund", body="x")
    macro_actions.create_macro(agent=admin, title="Gamma", body="y")
    Macro.objects.filter(pk=high.pk).update(usage_count=3)

    response = agent_api.get("macros", {"q": "refund"})
    assert response.status_code == 200
    assert [m["id"] for m in response.json()["items"]] == [high.pk, low.pk]

    first = agent_api.get("macros", {"limit": 2}).json()
    assert [m["id"] for m in first["items"]][0] == high.pk
    assert first["next"] is not None
    rest = agent_api.client.get(first["next"], headers=agent_api.headers).json()
    assert len(rest["items"]) == 1 and rest["next"] is None


def test_list_query_count_is_flat(agent_api, admin, django_assert_max_num_queries):
    for n in range(5):
        macro_actions.create_macro(agent=admin, title=f"M{n}", body="x")
    with django_assert_max_num_queries(6):
        response = agent_api.get("macros")
    assert len(response.json()["items"]) == 5


def test_patch_and_delete(admin_api, shared_macro):
    response = admin_api.patch(f"macros/{shared_macro.pk}", {"title": "Reset", "set_status": ""})
    assert response.status_code == 200
    assert response.json()["title"] == "Reset"
    assert response.json()["actions"] == {"add_tags": ["password"]}

    response = admin_api.patch(f"macros/{shared_macro.pk}", {"body": "{% include 'x' %}"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"

    response = admin_api.delete(f"macros/{shared_macro.pk}")
    assert response.status_code == 204
    assert not Macro.objects.filter(pk=shared_macro.pk).exists()


def test_agent_may_read_but_not_change_a_shared_macro(agent_api, shared_macro):
    assert agent_api.get(f"macros/{shared_macro.pk}").status_code == 200
    assert agent_api.patch(f"macros/{shared_macro.pk}", {"title": "X"}).status_code == 403
    assert agent_api.delete(f"macros/{shared_macro.pk}").status_code == 403
    shared_macro.refresh_from_db()
    assert shared_macro.title == "Password reset"


def test_someone_elses_personal_macro_is_404(admin_api, agent):
    mine = macro_actions.create_macro(agent=agent, title="Mine", body="x")
    assert admin_api.get(f"macros/{mine.pk}").status_code == 404
    assert admin_api.delete(f"macros/{mine.pk}").status_code == 404
    assert Macro.objects.filter(pk=mine.pk).exists()


def test_anonymous_read_scope_and_light_agent(anon_api, read_api, light_api, shared_macro):
    assert anon_api.get("macros").status_code == 401
    assert read_api.get("macros").status_code == 200
    assert read_api.post("macros", {"title": "T", "body": "x"}).status_code == 403
    assert light_api.get("macros").json()["items"] == []
    assert light_api.get(f"macros/{shared_macro.pk}").status_code == 404
    assert light_api.post("macros", {"title": "T", "body": "x"}).status_code == 403
    assert Macro.objects.count() == 1
