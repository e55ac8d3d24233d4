"""`GET /api/v1/search`: auth, visibility per role, errors naming the field, paging."""

import pytest

from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.people import actions as people_actions
from tandem.testing import factories

pytestmark = [pytest.mark.db_facing, pytest.mark.django_db]


def test_anonymous_gets_401(anon_api, ticket):
    response = anon_api.get("search", {"q": "password"})
    assert response.status_code == 401


def test_empty_query_is_422_naming_q(agent_api):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = agent_api.get("search", params)
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": "q", "message": "is required: the words to search for"}
        ]


def test_unknown_type_and_bad_cursor_are_422_naming_them(agent_api):
    response = agent_api.get("search", {"q": "x", "type": "spaceship", "cursor": "abc"})
    assert response.status_code == 422
    fields = [error["field"] for error in response.json()["errors"]]
    assert fields == ["type", "cursor"]


def test_agent_finds_ticket_with_marked_snippet(agent_api, ticket):
    response = agent_api.get("search", {"q": "password"})
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    [item] = body["items"]
    assert item["type"] == "ticket"
    assert item["id"] == ticket.number
    assert item["title"] == "Cannot log in"
    assert item["snippet"] == "The login page says my <mark>password</mark> is wrong."
    assert item["status"] == "new" and item["track"] == "support"
    assert item["team"] == ticket.team_id
    assert item["url"] == f"http://testserver/tickets/{ticket.number}/"


def test_type_limits_the_kinds(agent_api, ticket):
    contact = people_actions.create_contact(email="pw@pass.test", name="Password Pat")
    both = agent_api.get("search", {"q": "password"}).json()["items"]
    assert sorted(item["type"] for item in both) == ["contact", "ticket"]
    only = agent_api.get("search", {"q": "password", "type": "contact"}).json()["items"]
    assert [(item["type"], item["id"]) for item in only] == [("contact", contact.pk)]


def test_team_restricted_token_does_not_find_other_teams_tickets(other_team_api, ticket):
    response = other_team_api.get("search", {"q": "password"})
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_light_agent_and_read_token_find_their_teams_tickets(light_api, read_api, ticket):
    for api in (light_api, read_api):
        items = api.get("search", {"q": "password"}).json()["items"]
        assert [item["id"] for item in items] == [ticket.number]


def test_next_link_pages_through_results(admin_api, customer):
    numbers = [factories.make_ticket(contact=customer, subject="Umbrella").number for _ in range(3)]
    first = admin_api.get("search", {"q": "umbrella", "limit": 2}).json()
    assert [item["id"] for item in first["items"]] == numbers[::-1][:2]
    assert first["next"].startswith("http://testserver/api/v1/search?")
    second = admin_api.client.get(first["next"], headers=admin_api.headers).json()
    assert [item["id"] for item in second["items"]] == numbers[:1]
    assert second["next"] is None


def test_hostile_query_is_answered(agent_api, ticket):
    response = agent_api.get("search", {"q": "\"pass* -(OR NEAR/2 '; DROP"})
    assert response.status_code == 200
