"""Merging a duplicate (after a confirmation step) and linking related tickets."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tandem.testing import factories
from tandem.tickets.models import Message, Ticket, TicketLink

HTMX = {"HTTP_HX_REQUEST": "true"}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def url(name, ticket, *args):
    return reverse(f"tickets:{name}", args=[ticket.number, *args])


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def duplicate(db, customer, team):
    return factories.make_ticket(
        contact=customer,
        subject="Login broken (again)",
        team=team,
        body="Second mail about it",
        tags=["dup"],
    )


# --- merge ----------------------------------------------------------------------------


def test_merge_asks_for_confirmation_showing_both_subjects(agent_client, ticket, duplicate):
    response = agent_client.get(url("merge", duplicate), {"number": ticket.number})
    assert response.status_code == 200
    page = text_of(response)
    assert f"Merge #{duplicate.number} into #{ticket.number}?" in page
    assert f"#{duplicate.number} Login broken (again)" in page
    assert f"#{ticket.number} Cannot log in" in page
    assert Ticket.objects.get(pk=duplicate.pk).merged_into is None  # nothing happened yet


def test_confirmed_merge_moves_the_conversation_and_shows_the_banner(
    agent_client, ticket, duplicate
):
    response = agent_client.post(
        url("merge", duplicate), {"number": f"#{ticket.number}", "note": "same issue"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("detail", ticket)
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == ticket.number and duplicate.status == "closed"
    assert list(Message.objects.filter(ticket=ticket).values_list("body", flat=True)) == [
        "The login page says my password is wrong.",
        "Second mail about it",
    ]
    assert list(ticket.tags.values_list("name", flat=True)) == ["dup"]
    survivor_page = agent_client.get(url("detail", ticket))
    assert f"merged #{duplicate.number} into this ticket" in text_of(survivor_page)
    merged_page = agent_client.get(url("detail", duplicate))
    assert f"Merged into #{ticket.number} Cannot log in" in text_of(merged_page)
    assert f'href="{url("detail", ticket)}"' in merged_page.content.decode()


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("abc", "Enter a ticket number, like 1042."),
        ("999999", "There is no ticket #999999 you can open."),
        ("self", "That is this ticket; enter another number."),
    ],
)
def test_merge_target_must_be_another_visible_ticket(agent_client, duplicate, typed, error):
    typed = str(duplicate.number) if typed == "self" else typed
    for method in (agent_client.get, agent_client.post):
        response = method(url("merge", duplicate), {"number": typed})
        assert response.status_code == 422
        assert error in text_of(response)
    assert Ticket.objects.get(pk=duplicate.pk).merged_into is None


def test_merge_into_a_ticket_of_another_team_is_not_possible(
    client, other_team_agent, other_team, customer, ticket
):
    mine = factories.make_ticket(contact=customer, team=other_team)
    client.force_login(other_team_agent.user)
    response = client.post(url("merge", mine), {"number": ticket.number})
    assert response.status_code == 422
    assert f"There is no ticket #{ticket.number} you can open." in text_of(response)
    assert Ticket.objects.get(pk=mine.pk).merged_into is None


def test_merge_into_a_closed_ticket_is_explained(agent_client, agent, ticket, duplicate):
    from tandem.people.actors import Actor
    from tandem.tickets import actions

    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="solved")
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="closed")
    response = agent_client.post(url("merge", duplicate), {"number": ticket.number})
    assert response.status_code == 422
    assert f"#{ticket.number} is closed" in text_of(response)
    assert Ticket.objects.get(pk=duplicate.pk).merged_into is None


def test_light_agent_cannot_merge(client, light_agent, ticket, duplicate):
    client.force_login(light_agent.user)
    assert client.get(url("merge", duplicate), {"number": ticket.number}).status_code == 403
    assert client.post(url("merge", duplicate), {"number": ticket.number}).status_code == 403
    assert Ticket.objects.get(pk=duplicate.pk).merged_into is None
    assert Message.objects.filter(ticket=ticket).count() == 1


# --- links ----------------------------------------------------------------------------


def test_link_by_number_lists_it_and_unlink_removes_it(agent_client, ticket, duplicate):
    response = agent_client.post(url("link", ticket), {"number": duplicate.number})
    assert response.status_code == 302
    assert TicketLink.objects.filter(source=ticket, target=duplicate, kind="related").count() == 1
    page = text_of(agent_client.get(url("detail", ticket)))
    assert f"Related #{duplicate.number} Login broken (again) New" in page
    assert f"Related #{ticket.number} Cannot log in" in text_of(
        agent_client.get(url("detail", duplicate))
    )
    response = agent_client.post(url("unlink", ticket, duplicate.number))
    assert response.status_code == 302
    assert not TicketLink.objects.exists()
    assert set(
        ticket.events.filter(kind__in=["linked", "unlinked"]).values_list("kind", flat=True)
    ) == {"linked", "unlinked"}


def test_link_over_htmx_returns_the_links_partial(agent_client, ticket, duplicate):
    response = agent_client.post(url("link", ticket), {"number": duplicate.number}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<section id="links"')
    assert f"#{duplicate.number} Login broken (again)" in html
    assert f'<div id="announcer" hx-swap-oob="innerHTML">Linked #{duplicate.number}.</div>' in html
    unlinked = agent_client.post(url("unlink", ticket, duplicate.number), **HTMX)
    assert "No linked tickets." in unlinked.content.decode()


def test_linking_an_unknown_ticket_is_an_error_next_to_the_field(agent_client, ticket):
    response = agent_client.post(url("link", ticket), {"number": "424242"}, **HTMX)
    assert response.status_code == 422
    assert (
        '<p id="link-number-error" class="field-error" role="alert">'
        "There is no ticket #424242 you can open.</p>"
    ) in response.content.decode()
    assert not TicketLink.objects.exists()


def test_links_to_tickets_the_agent_cannot_open_hide_their_subject(
    client, agent, other_team_agent, other_team, customer, ticket
):
    from tandem.people.actors import Actor
    from tandem.tickets import actions

    theirs = factories.make_ticket(contact=customer, team=other_team, subject="Invoice dispute")
    actions.link_tickets(actor=Actor.for_agent(agent), ticket=theirs, other=ticket)
    client.force_login(other_team_agent.user)
    page = text_of(client.get(url("detail", theirs)))
    assert f"#{ticket.number} (not visible to you)" in page
    assert "Cannot log in" not in page


def test_light_agent_cannot_link_or_unlink(client, light_agent, agent, ticket, duplicate):
    from tandem.people.actors import Actor
    from tandem.tickets import actions

    actions.link_tickets(actor=Actor.for_agent(agent), ticket=ticket, other=duplicate)
    client.force_login(light_agent.user)
    assert client.post(url("link", ticket), {"number": duplicate.number}).status_code == 403
    assert client.post(url("unlink", ticket, duplicate.number)).status_code == 403
    assert TicketLink.objects.count() == 1


def test_confirmation_warns_before_an_impossible_merge(agent_client, agent, ticket, duplicate):
    from tandem.people.actors import Actor
    from tandem.tickets import actions

    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="solved")
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="closed")
    response = agent_client.get(url("merge", duplicate), {"number": ticket.number})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"#{ticket.number} is closed; closed tickets cannot be merged." in html
    assert "disabled>Merge" in html
