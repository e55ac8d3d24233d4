"""The tickets API's list: filters, sorts, keyset pages and a fixed query count.

(tandem/tickets/api.py; kept apart from tandem/tickets/tests/test_api.py for size.)
"""

from __future__ import annotations

import base64

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.testing import factories

iso = DjangoJSONEncoder().default


def numbers(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


# --- list ----------------------------------------------------------------------


def test_list_answers_items_and_next_with_each_ticket_in_full(agent_api, ticket, team):
    response = agent_api.get("tickets")

    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "items": [
            {
                "number": ticket.number,
                "subject": "Cannot log in",
                "status": "new",
                "priority": "normal",
                "track": "support",
                "category": "",
                "channel": "web",
                "requester": {
                    "id": ticket.contact_id,
                    "email": "carol@customer.test",
                    "name": "Carol Customer",
                },
                "organization": None,
                "team": {"id": team.pk, "name": "Support Tier 1", "track": "support", "tier": 1},
                "assignee": None,
                "tags": [],
                "custom_fields": {},
                "merged_into": None,
                "followup_of": None,
                "created_at": iso(ticket.created_at),
                "updated_at": iso(ticket.updated_at),
                "solved_at": None,
                "first_response_at": None,
                "message_count": 1,
                "sla": None,
                "sla_policy": None,
                "url": f"http://testserver/api/v1/tickets/{ticket.number}",
            }
        ],
    }


def test_list_shows_only_what_a_team_restricted_agent_may_see(other_team_api, ticket, other_team):
    theirs = factories.make_ticket(team=other_team)

    assert numbers(other_team_api.get("tickets")) == [theirs.number]


@pytest.fixture
def spread(agent, team, other_team):
    """Five tickets that differ in one property each from the first."""
    org = factories.make_organization(name="Acme")
    base = factories.make_ticket(subject="Base", team=team, track="support")
    urgent = factories.make_ticket(subject="Urgent", priority="urgent", team=team, track="support")
    mine = factories.make_ticket(subject="Mine", team=other_team, assignee=agent, tags=["vip"])
    solved = factories.make_ticket(subject="Solved", team=team, status="solved")
    emailed = factories.make_ticket(
        subject="Mail", channel="email", contact=factories.make_contact(organization=org)
    )
    return {"base": base, "urgent": urgent, "mine": mine, "solved": solved, "mail": emailed}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"view": "mine"}, ["mine"]),
        ({"view": "unassigned"}, ["mail", "urgent", "base"]),
        ({"view": "solved"}, ["solved"]),
        ({"view": "open"}, ["mail", "mine", "urgent", "base"]),
        ({"view": "support"}, ["urgent", "base"]),
        ({"view": "service"}, ["mail", "mine"]),
        ({"status": "solved"}, ["solved"]),
        ({"priority": "urgent"}, ["urgent"]),
        ({"channel": "email"}, ["mail"]),
        ({"tag": "VIP"}, ["mine"]),
        ({"track": "support"}, ["solved", "urgent", "base"]),
        ({"assignee": "none", "view": "open", "track": "service"}, ["mail"]),
    ],
)
def test_list_filters(agent_api, spread, params, expected):
    assert numbers(agent_api.get("tickets", params)) == [spread[n].number for n in expected]


def test_list_filters_by_team_and_assignee_id(agent_api, spread, agent, other_team):
    assert numbers(agent_api.get("tickets", {"team": other_team.pk})) == [spread["mine"].number]
    assert numbers(agent_api.get("tickets", {"assignee": agent.pk})) == [spread["mine"].number]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("updated", ["mail", "solved", "mine", "urgent", "base"]),
        ("oldest", ["base", "urgent", "mine", "solved", "mail"]),
        ("created", ["mail", "solved", "mine", "urgent", "base"]),
        ("number", ["mail", "solved", "mine", "urgent", "base"]),
    ],
)
def test_list_sorts(agent_api, spread, sort, order):
    assert numbers(agent_api.get("tickets", {"sort": sort})) == [spread[n].number for n in order]


def test_next_links_walk_every_page_once_keeping_the_filters(agent_api, team):
    made = [factories.make_ticket(team=team).number for _ in range(7)]
    factories.make_ticket()  # another team's: filtered out on every page

    seen, url, pages = [], f"tickets?team={team.pk}&limit=3&sort=oldest", 0
    while url:
        response = agent_api.client.get(
            url if url.startswith("http") else f"/api/v1/{url}", headers=agent_api.headers
        )
        body = response.json()
        seen += [item["number"] for item in body["items"]]
        url, pages = body["next"], pages + 1
        if url:
            assert url.startswith("http://testserver/api/v1/tickets?")
            assert f"team={team.pk}" in url and "limit=3" in url and "sort=oldest" in url
    assert pages == 3
    assert seen == made


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        base64.urlsafe_b64encode(b"[1]").decode(),
        base64.urlsafe_b64encode(b'["not a date", 3]').decode(),
    ],
)
def test_bad_cursor_is_422_naming_cursor(agent_api, ticket, cursor):
    response = agent_api.get("tickets", {"cursor": cursor})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "cursor", "message": "is not valid; follow a `next` link"}
    ]


def test_cursor_of_another_sort_is_422(agent_api, team):
    for _ in range(3):
        factories.make_ticket(team=team)
    cursor = agent_api.get("tickets", {"limit": 1}).json()["next"].split("cursor=")[1]

    response = agent_api.get("tickets", {"sort": "number", "cursor": cursor})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("assignee", ["nobody", "-1", "1.5", "²"])
def test_bad_assignee_filter_is_422(agent_api, assignee):
    response = agent_api.get("tickets", {"assignee": assignee})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "assignee", "message": "must be an agent id or 'none'"}
    ]


def test_list_costs_the_same_queries_for_5_and_50_tickets(
    agent_api, agent, team, django_assert_max_num_queries
):
    org = factories.make_organization(name="Acme")
    for n in range(51):
        factories.make_ticket(
            contact=factories.make_contact(organization=org),
            team=team,
            assignee=agent,
            tags=[f"tag{n}", "common"],
        )
    agent_api.get("tickets", {"limit": 1})  # the token's first use writes last_used_at

    counts = {}
    for size in (5, 50):
        # token, tickets with their people and team, their tags
        with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as queries:
            response = agent_api.get("tickets", {"limit": size})
        assert len(response.json()["items"]) == size
        counts[size] = len(queries)
    assert counts[5] == counts[50]
