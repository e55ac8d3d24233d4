"""Previous / next ticket in the inbox list the agent came from ([ and ] on the ticket page)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from tandem.testing import factories
from tandem.tickets.views.list_state import ListState

T0 = dt.datetime(2025, 5, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def listed(db, customer, agent, team):
    """Five tickets; two share a timestamp so the tie-break on number is exercised."""
    minutes = [0, 10, 10, 20, 30]
    return [
        factories.make_ticket(
            contact=customer,
            subject=f"Step {i}",
            team=team,
            priority="high" if i % 2 else "normal",
            at=T0 + dt.timedelta(minutes=m),
        )
        for i, m in enumerate(minutes)
    ]


def landing(response):
    parts = urlsplit(response["Location"])
    number = int(parts.path.strip("/").split("/")[-1])
    return number, parse_qs(parts.query, keep_blank_values=True)


def walk(client, start, query: str, direction: str, steps: int):
    ticket_url = reverse(f"tickets:{direction}", args=[start.number])
    state = ListState.from_encoded(query)
    params = {"in": query, "pos": state.position_of(start)}
    visited = []
    for _ in range(steps):
        response = client.get(ticket_url, params)
        assert response.status_code == 302
        number, qs = landing(response)
        visited.append(number)
        if "end" in qs:
            break
        params = {"in": qs["in"][0], "pos": qs["pos"][0]}
        ticket_url = reverse(f"tickets:{direction}", args=[number])
    return visited


def test_next_walks_the_list_in_its_order_then_stays_at_the_end(client, agent, listed):
    client.force_login(agent.user)
    newest_first = [listed[i].number for i in (4, 3, 2, 1, 0)]
    assert walk(client, listed[4], "", "next", 10) == newest_first[1:] + [newest_first[-1]]


def test_previous_walks_back(client, agent, listed):
    client.force_login(agent.user)
    assert walk(client, listed[0], "", "previous", 10) == [
        listed[i].number for i in (1, 2, 3, 4, 4)
    ]


def test_stepping_respects_filters_and_sort(client, agent, listed):
    client.force_login(agent.user)
    query = "priority=high&sort=number"
    # high: tickets 1 and 3; by number descending: 3 then 1.
    assert walk(client, listed[3], query, "next", 3) == [listed[1].number, listed[1].number]
    assert walk(client, listed[1], query, "previous", 3) == [listed[3].number, listed[3].number]


def test_position_survives_the_ticket_moving_in_the_list(client, agent, listed):
    """Solving a ticket bumps its activity time; 'next' still means the next row you saw."""
    from tandem.people.actors import Actor
    from tandem.tickets import actions

    client.force_login(agent.user)
    pos = ListState().position_of(listed[3])
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=listed[3], status="pending")
    response = client.get(reverse("tickets:next", args=[listed[3].number]), {"in": "", "pos": pos})
    assert landing(response)[0] == listed[2].number


def test_ticket_page_links_step_within_the_list(client, agent, listed):
    client.force_login(agent.user)
    state = ListState.from_encoded("view=open&sort=oldest")
    pos = state.position_of(listed[2])
    response = client.get(
        reverse("tickets:detail", args=[listed[2].number]), {"in": "sort=oldest", "pos": pos}
    )
    html = response.content.decode()
    next_url = reverse("tickets:next", args=[listed[2].number])
    assert f'href="{next_url}?in=sort%3Doldest&amp;pos=' in html
    assert f'href="{reverse("tickets:inbox")}?sort=oldest"' in html
    assert "← Oldest" not in html and "All open</a>" in html


def test_a_bad_position_counts_from_the_ticket_itself(client, agent, listed):
    client.force_login(agent.user)
    response = client.get(
        reverse("tickets:next", args=[listed[4].number]), {"in": "", "pos": "garbage"}
    )
    assert landing(response)[0] == listed[3].number


def test_reaching_the_end_says_so(client, agent, listed):
    client.force_login(agent.user)
    response = client.get(reverse("tickets:next", args=[listed[0].number]), follow=True)
    assert "You are at the end of this list." in response.content.decode()
