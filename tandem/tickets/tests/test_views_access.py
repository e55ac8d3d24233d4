"""Every workspace URL, for every role: anonymous to sign-in, customers-only users refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.tickets.models import Ticket

GET_PAGES = ["inbox", "go", "new", "detail", "timeline", "properties", "merge", "previous", "next"]
POST_PAGES = ["bulk", "new", "reply", "properties", "merge", "link", "unlink"]


def url_for(name, ticket):
    if name in ("inbox", "go", "new", "bulk"):
        return reverse(f"tickets:{name}")
    if name == "unlink":
        return reverse("tickets:unlink", args=[ticket.number, ticket.number])
    return reverse(f"tickets:{name}", args=[ticket.number])


@pytest.mark.parametrize("name", GET_PAGES)
def test_anonymous_get_is_sent_to_sign_in(client, ticket, name):
    response = client.get(url_for(name, ticket))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login") + "?next=")


@pytest.mark.parametrize("name", POST_PAGES)
def test_anonymous_post_is_sent_to_sign_in_and_writes_nothing(client, ticket, name):
    before = (Ticket.objects.count(), ticket.messages.count(), ticket.events.count())
    response = client.post(
        url_for(name, ticket),
        {"body": "x", "visibility": "public", "number": ticket.number, "priority": "high"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))
    assert (Ticket.objects.count(), ticket.messages.count(), ticket.events.count()) == before


@pytest.mark.parametrize("name", GET_PAGES)
def test_a_signed_in_user_who_is_not_an_agent_is_refused(client, django_user_model, ticket, name):
    user = django_user_model.objects.create_user(username="visitor", password="x" * 14)
    client.force_login(user)
    assert client.get(url_for(name, ticket)).status_code == 403


@pytest.mark.parametrize("name", ["reply", "link", "unlink", "bulk"])
def test_write_urls_refuse_get(client, agent, ticket, name):
    client.force_login(agent.user)
    assert client.get(url_for(name, ticket)).status_code == 405


@pytest.mark.parametrize("name", ["detail", "timeline", "properties", "merge", "previous", "next"])
def test_agent_of_another_team_gets_404(client, other_team_agent, ticket, name):
    client.force_login(other_team_agent.user)
    assert client.get(url_for(name, ticket)).status_code == 404


def test_pages_carry_the_strict_content_security_policy(client, agent, ticket):
    client.force_login(agent.user)
    for name in ("inbox", "detail", "new"):
        response = client.get(url_for(name, ticket))
        assert "script-src 'self'" in response["Content-Security-Policy"]
        html = response.content.decode()
        assert "<script>" not in html and " onclick=" not in html and " onchange=" not in html
