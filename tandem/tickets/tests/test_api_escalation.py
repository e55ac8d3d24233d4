"""The tickets API's escalation endpoints, its event log, and teams named by name or id.

(tandem/tickets/api.py; kept apart from tandem/tickets/tests/test_api.py for size.)
"""

from __future__ import annotations

import pytest

from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers(team):
    return {
        1: team,
        2: factories.make_team(name="Support Tier 2", track="support", tier=2),
        3: factories.make_team(name="Support Tier 3", track="support", tier=3),
    }


def field_errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


# --- teams by name or id ---------------------------------------------------------


@pytest.mark.parametrize("by", ["name", "id", "id as text"])
def test_create_takes_the_team_by_name_or_id(agent_api, tiers, by):
    value = {"name": "Support Tier 2", "id": tiers[2].pk, "id as text": str(tiers[2].pk)}[by]
    response = agent_api.post(
        "tickets",
        {
            "subject": "Sync fails",
            "body": "Since the update",
            "requester": {"email": "erin@example.test"},
            "team": value,
            "priority": "urgent",
            "track": "support",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["team"]["name"] == "Support Tier 2" and body["team"]["tier"] == 2
    assert (body["priority"], body["track"]) == ("urgent", "support")


def test_create_names_the_field_of_an_unknown_team(agent_api, tiers):
    for team in ("Support Tier 9", 99999):
        response = agent_api.post(
            "tickets",
            {"subject": "x", "body": "y", "requester": {"email": "e@x.test"}, "team": team},
        )
        assert response.status_code == 422
        assert "team" in field_errors(response)
    assert Ticket.objects.count() == 0


def test_patch_takes_the_team_by_name(agent_api, ticket, tiers):
    response = agent_api.patch(f"tickets/{ticket.number}", {"team": "support tier 3"})
    assert response.status_code == 200
    assert response.json()["team"]["id"] == tiers[3].pk
    response = agent_api.patch(f"tickets/{ticket.number}", {"team": "Nobody"})
    assert response.status_code == 422 and "team" in field_errors(response)


# --- escalate and de-escalate --------------------------------------------------------


def test_escalate_moves_to_the_next_tier_and_records_note_and_event(agent_api, ticket, tiers):
    response = agent_api.post(
        f"tickets/{ticket.number}/escalate", {"note": "Reproduced; needs tier 2"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["team"]["name"] == "Support Tier 2"
    assert response.json()["assignee"] is None
    note = ticket.messages.get(visibility="internal")
    assert note.body == "Reproduced; needs tier 2"
    events = agent_api.get(f"tickets/{ticket.number}/events").json()["items"]
    escalated = [e for e in events if e["type"] == "escalated"]
    assert len(escalated) == 1
    assert escalated[0]["actor"]["kind"] == "api"
    data = escalated[0]["data"]
    assert (data["from_team_name"], data["from_tier"]) == ("Support Tier 1", 1)
    assert (data["to_team_name"], data["to_tier"]) == ("Support Tier 2", 2)

    response = agent_api.post(f"tickets/{ticket.number}/escalate", {"note": "Code bug"})
    assert response.json()["team"]["name"] == "Support Tier 3"


def test_escalate_to_a_chosen_team_by_name(agent_api, ticket, tiers):
    response = agent_api.post(
        f"tickets/{ticket.number}/escalate", {"note": "Outage", "team": "Support Tier 3"}
    )
    assert response.status_code == 200
    assert response.json()["team"]["tier"] == 3


@pytest.mark.parametrize("body", [{}, {"note": ""}, {"note": "  "}])
def test_escalate_requires_a_note(agent_api, ticket, tiers, body):
    response = agent_api.post(f"tickets/{ticket.number}/escalate", body)
    assert response.status_code == 422
    assert "note" in field_errors(response)
    ticket.refresh_from_db()
    assert ticket.team == tiers[1]


def test_escalate_beyond_the_top_tier_says_why(agent_api, ticket, tiers):
    agent_api.post(f"tickets/{ticket.number}/escalate", {"note": "x", "team": tiers[3].pk})
    response = agent_api.post(f"tickets/{ticket.number}/escalate", {"note": "more"})
    assert response.status_code == 422
    assert "highest tier" in field_errors(response)["team"]


def test_escalate_an_unknown_team_or_an_invisible_ticket(agent_api, other_team_api, ticket, tiers):
    response = agent_api.post(f"tickets/{ticket.number}/escalate", {"note": "x", "team": "Nope"})
    assert response.status_code == 422 and "team" in field_errors(response)
    assert (
        other_team_api.post(f"tickets/{ticket.number}/escalate", {"note": "x"}).status_code == 404
    )


def test_de_escalate_goes_back_with_a_note(agent_api, ticket, tiers):
    agent_api.post(f"tickets/{ticket.number}/escalate", {"note": "x"})
    response = agent_api.post(f"tickets/{ticket.number}/de-escalate", {"note": "Config issue"})
    assert response.status_code == 200
    assert response.json()["team"]["name"] == "Support Tier 1"
    types = [e["type"] for e in agent_api.get(f"tickets/{ticket.number}/events").json()["items"]]
    assert "de_escalated" in types
    response = agent_api.post(f"tickets/{ticket.number}/de-escalate", {"note": "again"})
    assert response.status_code == 422 and "team" in field_errors(response)


def test_read_tokens_and_light_agents_cannot_escalate(read_api, light_api, ticket, tiers):
    assert read_api.post(f"tickets/{ticket.number}/escalate", {"note": "x"}).status_code == 403
    assert light_api.post(f"tickets/{ticket.number}/escalate", {"note": "x"}).status_code == 403


# --- events --------------------------------------------------------------------------


def test_events_list_oldest_first_with_actor_and_data(agent_api, ticket, agent, customer):
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="high")
    response = agent_api.get(f"tickets/{ticket.number}/events")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [e["type"] for e in items] == ["created", "message_added", "priority_changed"]
    assert set(items[0]) == {"id", "type", "actor", "time", "data"}
    assert items[0]["actor"] == {
        "kind": "contact",
        "id": customer.pk,
        "name": customer.display_name,
    }
    assert items[-1]["actor"] == {"kind": "agent", "id": agent.pk, "name": agent.name}
    assert items[-1]["data"] == {"from": "normal", "to": "high"}
    times = [e["time"] for e in items]
    assert times == sorted(times)


def test_events_page_with_a_cursor(agent_api, ticket, agent):
    for priority in ("high", "low", "urgent"):
        actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority=priority)
    first = agent_api.get(f"tickets/{ticket.number}/events", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next"]
    seen = [e["id"] for e in first["items"]]
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    while cursor:
        page = agent_api.get(
            f"tickets/{ticket.number}/events", {"limit": 2, "cursor": cursor}
        ).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next"].split("cursor=")[1].split("&")[0] if page["next"] else ""
    assert seen == list(ticket.events.order_by("created_at", "id").values_list("id", flat=True))


def test_events_of_a_ticket_the_agent_may_not_see_are_a_404(other_team_api, anon_api, ticket):
    assert other_team_api.get(f"tickets/{ticket.number}/events").status_code == 404
    assert other_team_api.get("tickets/999999/events").status_code == 404
    assert anon_api.get(f"tickets/{ticket.number}/events").status_code == 401
