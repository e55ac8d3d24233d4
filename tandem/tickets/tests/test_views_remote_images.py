"""Remote images stay blocked in the workspace until an agent asks for them."""

import pytest
from django.urls import reverse

from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions

pytestmark = pytest.mark.django_db

TRACKED = '<p>Hi</p><img src="https://tracker.example/pixel.gif?id=9" alt="">'


@pytest.fixture
def tracked(customer, team):
    ticket = factories.make_ticket(contact=customer, team=team, body="Hi", html=TRACKED)
    return ticket, ticket.messages.get()


def test_workspace_offers_remote_images_without_loading_them(client, agent, tracked):
    ticket, message = tracked
    client.force_login(agent.user)
    response = client.get(reverse("tickets:detail", args=[ticket.number]))
    html = response.content.decode()
    assert "img-src 'self' data:" in response["Content-Security-Policy"]
    url = reverse("tickets:remote_images", args=[ticket.number, message.pk])
    assert f'href="{url}"' in html and "Remote images in this message are blocked" in html


def test_messages_without_remote_images_offer_nothing(client, agent, ticket):
    client.force_login(agent.user)
    html = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert "Remote images" not in html


def test_the_asked_for_page_allows_images_and_nothing_else(client, agent, tracked):
    ticket, message = tracked
    client.force_login(agent.user)
    response = client.get(reverse("tickets:remote_images", args=[ticket.number, message.pk]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; sandbox"
    )
    assert response["Referrer-Policy"] == "no-referrer"
    assert 'src="https://tracker.example/pixel.gif?id=9"' in response.content.decode()


def test_other_teams_and_anonymous_never_see_it(client, other_team_agent, tracked):
    ticket, message = tracked
    url = reverse("tickets:remote_images", args=[ticket.number, message.pk])
    assert client.get(url).status_code == 302
    client.force_login(other_team_agent.user)
    assert client.get(url).status_code == 404


def test_a_message_of_another_ticket_is_a_404(client, agent, tracked, customer):
    ticket, message = tracked
    other = factories.make_ticket(contact=customer)
    actions.add_message(actor=Actor.for_agent(agent), ticket=other, body="x")
    client.force_login(agent.user)
    url = reverse("tickets:remote_images", args=[other.number, message.pk])
    assert client.get(url).status_code == 404


def test_a_plain_text_message_shows_as_its_text(client, agent, ticket):
    """Plain text stores no HTML: the page renders the text, escaped, with nothing to load."""
    message = ticket.messages.get()
    message.body, message.html = "<b>not markup</b> see https://example.test", ""
    message.save(update_fields=["body", "html"])
    client.force_login(agent.user)
    response = client.get(reverse("tickets:remote_images", args=[ticket.number, message.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "&lt;b&gt;not markup&lt;/b&gt;" in page and "<b>not markup" not in page
    assert '<a href="https://example.test"' in page
