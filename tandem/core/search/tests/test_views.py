"""The workspace search page: who may use it, what each agent sees, filters and errors."""

import datetime as dt

import pytest
from django.urls import reverse

from tandem.people import actions as people_actions
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions as ticket_actions

pytestmark = [pytest.mark.db_facing, pytest.mark.django_db]

URL = reverse("core:search")


def search(client, **params):
    return client.get(URL, params)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL, {"q": "login"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login") + "?next=")


def test_signed_in_user_who_is_not_an_agent_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user(username="visitor", password="x" * 14)
    client.force_login(user)
    assert search(client, q="login").status_code == 403


def test_every_page_has_the_search_box(client, agent):
    client.force_login(agent.user)
    html = client.get(reverse("tickets:inbox")).content.decode()
    assert f'action="{URL}"' in html
    assert 'id="topbar-search"' in html


def test_agent_finds_ticket_contact_and_organization_with_highlights(client, agent, ticket):
    organization = people_actions.create_organization(name="Login Labs", domains=["login.test"])
    contact = people_actions.create_contact(email="lia@login.test", name="Lia Login")
    client.force_login(agent.user)
    response = search(client, q="login")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("tickets:detail", args=[ticket.number])}"' in html
    assert f'href="{reverse("people:contact", args=[contact.pk])}"' in html
    assert f'href="{reverse("people:organization", args=[organization.pk])}"' in html
    assert ">Cannot log in</a>" in html  # "login" is not "log in": the body matched
    assert "Lia <mark>Login</mark>" in html
    assert "The <mark>login</mark> page says my password is wrong." in html


def test_team_restricted_agent_does_not_find_other_teams_tickets(client, other_team_agent, ticket):
    people_actions.create_contact(email="lia@login.test", name="Lia Login")
    client.force_login(other_team_agent.user)
    html = search(client, q="login").content.decode()
    assert reverse("tickets:detail", args=[ticket.number]) not in html
    assert "Lia <mark>Login</mark>" in html  # customers are every agent's


def test_light_agent_finds_their_teams_tickets(client, light_agent, ticket):
    client.force_login(light_agent.user)
    html = search(client, q="password").content.decode()
    assert reverse("tickets:detail", args=[ticket.number]) in html


def test_filters_narrow_by_type_status_track_team_and_date(client, admin, ticket, other_team):
    other = factories.make_ticket(subject="Login loop", track="service", team=other_team)
    ticket_actions.update_ticket(actor=Actor.system(), ticket=other, status="pending")
    client.force_login(admin.user)
    detail = reverse("tickets:detail", args=[ticket.number])
    other_detail = reverse("tickets:detail", args=[other.number])

    def found(**filters):
        html = search(client, q="login", **filters).content.decode()
        return [url for url in (detail, other_detail) if f'href="{url}"' in html]

    assert found() == [detail, other_detail] or found() == [other_detail, detail]
    assert found(status="pending") == [other_detail]
    assert found(track="support") == [detail]
    assert found(team=other_team.pk) == [other_detail]
    assert found(type="contact") == []
    today = dt.date.today()
    assert len(found(since=today.isoformat(), until=today.isoformat())) == 2
    assert found(until=(today - dt.timedelta(days=3)).isoformat()) == []


def test_bad_filters_are_form_errors(client, agent):
    client.force_login(agent.user)
    response = search(client, q="login", since="2026-05-02", until="2026-05-01", type="spaceship")
    assert response.status_code == 422
    html = response.content.decode()
    assert "must be on or after the start date" in html
    assert "Select a valid choice. spaceship is not one of the available choices." in html


def test_no_match_says_so_and_empty_query_explains(client, agent, ticket):
    client.force_login(agent.user)
    assert "Nothing matches" in search(client, q="zebra").content.decode()
    html = client.get(URL).content.decode()
    assert "prefix*" in html and "Nothing matches" not in html


def test_hostile_query_renders_escaped(client, agent, ticket):
    client.force_login(agent.user)
    response = search(client, q='"<script>alert(1)</script> -( login*')
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()


def test_results_page_onward(client, admin, customer):
    for n in range(21):
        factories.make_ticket(contact=customer, subject=f"Umbrella {n}")
    client.force_login(admin.user)
    first = search(client, q="umbrella").content.decode()
    assert first.count('class="hit hit-ticket"') == 20
    assert 'rel="next"' in first
    second = search(client, q="umbrella", page=2).content.decode()
    assert second.count('class="hit hit-ticket"') == 1
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_search_page_query_count_does_not_grow_with_results(
    client, admin, customer, django_assert_max_num_queries
):
    for n in range(15):
        factories.make_ticket(contact=customer, subject=f"Umbrella {n}")
    client.force_login(admin.user)
    with django_assert_max_num_queries(8):
        search(client, q="umbrella")
