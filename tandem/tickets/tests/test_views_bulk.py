"""Bulk actions from the inbox: one change on every selected ticket, all or nothing."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import Ticket, TicketEvent

BULK = reverse("tickets:bulk")


@pytest.fixture
def three(db, customer, team):
    return [
        factories.make_ticket(contact=customer, subject=f"Bulk {i}", team=team) for i in range(3)
    ]


def state(tickets) -> list[tuple]:
    rows = Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("number")
    return [
        (
            t.status,
            t.priority,
            t.team_id,
            t.assignee_id,
            sorted(t.tags.values_list("name", flat=True)),
            t.updated_at,
        )
        for t in rows
    ]


def flashes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def post(client, tickets, **fields):
    return client.post(
        BULK, {"tickets": [t.number for t in tickets], "list": "view=open", **fields}
    )


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


def test_assign_selected_tickets(agent_client, agent, three):
    response = post(agent_client, three[:2], assignee=agent.pk)
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:inbox")
    assert [row[3] for row in state(three)] == [agent.pk, agent.pk, None]
    assert flashes(response) == ["Updated 2 tickets."]
    assert TicketEvent.objects.filter(kind="assignee_changed").count() == 2


def test_unassign(agent_client, agent, customer):
    tickets = [factories.make_ticket(contact=customer, assignee=agent) for _ in range(2)]
    post(agent_client, tickets, assignee="none")
    assert [row[3] for row in state(tickets)] == [None, None]


def test_set_status_priority_team_and_tag_together(agent_client, other_team, three):
    post(
        agent_client,
        three,
        status="pending",
        priority="urgent",
        team=other_team.pk,
        add_tag="Outage 42",
    )
    assert [row[:3] for row in state(three)] == [("pending", "urgent", other_team.pk)] * 3
    assert [row[4] for row in state(three)] == [["outage-42"]] * 3


def test_redirect_keeps_the_list(agent_client, three):
    response = agent_client.post(
        BULK,
        {
            "tickets": [three[0].number],
            "priority": "high",
            "list": "view=support&sort=oldest&junk=1",
        },
    )
    assert response["Location"] == reverse("tickets:inbox") + "?view=support&sort=oldest"


def test_one_failing_ticket_changes_none_and_names_it(agent_client, agent, three):
    actor = Actor.for_agent(agent)
    actions.update_ticket(actor=actor, ticket=three[1], status="solved")
    actions.update_ticket(actor=actor, ticket=three[1], status="closed")
    before = state(three)
    events = TicketEvent.objects.count()
    response = post(agent_client, three, status="pending", priority="high")
    assert state(three) == before
    assert TicketEvent.objects.count() == events
    assert flashes(response) == [
        f"Nothing was changed: ticket #{three[1].number}: a closed ticket cannot change (status)"
    ]


def test_the_error_shows_on_the_inbox(agent_client, agent, three):
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=three[2], status="solved")
    response = agent_client.post(
        BULK, {"tickets": [t.number for t in three], "status": "new"}, follow=True
    )
    assert "Nothing was changed" in response.content.decode()


def test_solving_without_a_required_field_names_the_ticket(agent_client, agent, three):
    actions.create_custom_field(entity="ticket", label="Root cause", kind="text", required=True)
    for ticket in (three[0], three[2]):
        actions.update_ticket(
            actor=Actor.for_agent(agent), ticket=ticket, custom_fields={"root_cause": "config"}
        )
    before = state(three)
    response = post(agent_client, three, status="solved")
    assert state(three) == before
    assert flashes(response) == [
        f"Nothing was changed: ticket #{three[1].number}: Root cause is required"
    ]


def test_light_agent_is_refused_and_nothing_changes(client, light_agent, agent, three):
    client.force_login(light_agent.user)
    before = state(three)
    response = post(client, three, assignee=agent.pk, status="solved")
    assert response.status_code == 403
    assert state(three) == before


def test_anonymous_is_sent_to_sign_in(client, three):
    before = state(three)
    response = post(client, three, priority="urgent")
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))
    assert state(three) == before


def test_get_is_not_allowed(agent_client):
    assert agent_client.get(BULK).status_code == 405


def test_tickets_the_agent_cannot_see_stop_everything(
    client, other_team_agent, other_team, customer, three
):
    visible = factories.make_ticket(contact=customer, team=other_team)
    client.force_login(other_team_agent.user)
    before = state([visible, *three])
    response = post(client, [visible, three[0]], priority="urgent")
    assert state([visible, *three]) == before
    assert flashes(response) == [
        f"Nothing was changed: ticket #{three[0].number} is not one you can open."
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Nothing was changed: choose what to change first."),
        ({"assignee": "99999"}, "Nothing was changed: No such agent."),
        ({"team": "abc"}, "Nothing was changed: No such team."),
        (
            {"status": "closed"},
            "Nothing was changed: Select a valid choice. "
            "closed is not one of the available choices.",
        ),
    ],
)
def test_bad_or_empty_requests_change_nothing(agent_client, three, fields, message):
    before = state(three)
    response = post(agent_client, three, **fields)
    assert state(three) == before
    assert flashes(response) == [message]


def test_no_selection(agent_client):
    response = agent_client.post(BULK, {"priority": "high"})
    assert flashes(response) == ["Nothing was changed: Select some tickets first."]


def test_light_agent_cannot_be_bulk_assigned(agent_client, light_agent, three):
    before = state(three)
    response = post(agent_client, three, assignee=light_agent.pk)
    assert state(three) == before
    assert flashes(response) == ["Nothing was changed: No such agent."]
