"""The agents and teams settings pages: admins only, writes via actions, the last-admin guard."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.people.models import Agent, Team
from tandem.testing import factories

pytestmark = pytest.mark.django_db


def login(client, agent):
    client.force_login(agent.user)
    return client


def snapshot(agent: Agent) -> tuple:
    agent.refresh_from_db()
    agent.user.refresh_from_db()
    return (
        agent.name,
        agent.role,
        agent.ticket_access,
        agent.user.is_active,
        sorted(agent.teams.values_list("pk", flat=True)),
    )


# --- who may open the pages ------------------------------------------------------------------


@pytest.fixture
def pages(agent, team):
    return [
        reverse("settings:agents"),
        reverse("settings:agent_create"),
        reverse("settings:agent_edit", args=[agent.pk]),
        reverse("settings:teams"),
        reverse("settings:team_edit", args=[team.pk]),
    ]


def test_anonymous_is_sent_to_sign_in_from_every_page(client, pages):
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('core:login')}?next={url}"


@pytest.mark.parametrize("role", ["light_agent", "agent"])
def test_non_admins_get_403_on_every_page(client, pages, role, request):
    login(client, request.getfixturevalue(role))
    for url in pages:
        assert client.get(url).status_code == 403, url


def test_admin_opens_every_page(client, pages, admin):
    login(client, admin)
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_signed_in_user_who_is_not_an_agent_gets_403(client, django_user_model):
    user = django_user_model.objects.create_user("someone@else.test", password="x" * 12)
    client.force_login(user)
    assert client.get(reverse("settings:agents")).status_code == 403


@pytest.mark.parametrize("role", ["light_agent", "agent"])
def test_non_admin_writes_are_refused_and_change_nothing(client, role, request, agent, team):
    actor = request.getfixturevalue(role)
    login(client, actor)
    before_agent, agents_before, teams_before = (
        snapshot(agent),
        Agent.objects.count(),
        Team.objects.count(),
    )
    writes = [
        (
            reverse("settings:agent_create"),
            {"email": "new@desk.test", "role": "admin", "ticket_access": "all"},
        ),
        (
            reverse("settings:agent_edit", args=[agent.pk]),
            {"name": "Hacked", "role": "admin", "ticket_access": "all"},
        ),
        (reverse("settings:agent_active", args=[agent.pk]), {"active": "0"}),
        (reverse("settings:teams"), {"name": "Sneaky", "track": "service"}),
        (reverse("settings:team_edit", args=[team.pk]), {"name": "Renamed", "track": "service"}),
        (reverse("settings:team_delete", args=[team.pk]), {}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    assert snapshot(agent) == before_agent
    assert Agent.objects.count() == agents_before
    assert Team.objects.count() == teams_before
    team.refresh_from_db()
    assert (team.name, team.track, team.tier) == ("Support Tier 1", "support", 1)


def test_anonymous_writes_redirect_and_change_nothing(client, agent):
    before = snapshot(agent)
    response = client.post(reverse("settings:agent_active", args=[agent.pk]), {"active": "0"})
    assert response.status_code == 302
    assert snapshot(agent) == before


# --- agents -------------------------------------------------------------------------------


def test_agent_list_shows_each_agents_role_access_teams_and_state(
    client, admin, agent, light_agent, team
):
    factories.make_agent(name="Gone Agent", email="gone@desk.test")
    gone = Agent.objects.get(email="gone@desk.test")
    gone.user.is_active = False
    gone.user.save(update_fields=["is_active"])
    login(client, admin)
    response = client.get(reverse("settings:agents"))
    rows = {a.email: a for a in response.context["agents"]}
    assert sorted(rows) == ["admin@desk.test", "alex@desk.test", "gone@desk.test", "lee@desk.test"]
    html = response.content.decode()
    assert "Light agent" in html
    assert "Their teams' tickets" in html  # the light agent
    assert "Support Tier 1" in html
    assert "Deactivated" in html
    assert reverse("settings:agent_edit", args=[agent.pk]) in html
    # The only active admin has no deactivate button, everyone else has one.
    assert response.context["last_admin"] == admin
    assert reverse("settings:agent_active", args=[admin.pk]) not in html
    assert reverse("settings:agent_active", args=[agent.pk]) in html


@pytest.mark.parametrize("count", [5, 50])
def test_agent_list_runs_a_fixed_number_of_queries(
    client, admin, team, other_team, count, django_assert_max_num_queries
):
    for _ in range(count):
        factories.make_agent(teams=[team, other_team])
    login(client, admin)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("settings:agents"))
    assert len(response.context["agents"]) == count + 1


def test_admin_adds_an_agent_with_a_generated_password_shown_once(client, admin, team):
    login(client, admin)
    response = client.post(
        reverse("settings:agent_create"),
        {
            "email": "New.Person@Desk.test",
            "name": "New Person",
            "role": "agent",
            "ticket_access": "teams",
            "teams": [team.pk],
        },
    )
    assert response.status_code == 200
    password = response.context["password"]
    assert len(password) >= 12
    assert password in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    created = Agent.objects.get(email="new.person@desk.test")
    assert (created.name, created.role, created.ticket_access) == ("New Person", "agent", "teams")
    assert list(created.teams.all()) == [team]
    assert created.user.check_password(password)
    assert password not in created.user.password
    # Shown once: nowhere else afterwards.
    assert password not in client.get(reverse("settings:agents")).content.decode()


def test_admin_adds_an_agent_with_a_chosen_password(client, admin):
    login(client, admin)
    response = client.post(
        reverse("settings:agent_create"),
        {
            "email": "light@desk.test",
            "role": "light",
            "ticket_access": "all",
            "password": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 200
    assert response.context["password"] == ""
    created = Agent.objects.get(email="light@desk.test")
    assert created.name == "light"
    assert created.role == "light"
    assert created.ticket_access == "teams"  # light agents only ever see their teams
    assert created.user.check_password("a-long-unusual-passphrase")


def test_adding_an_agent_with_a_weak_password_or_taken_email_shows_field_errors(
    client, admin, agent
):
    login(client, admin)
    count = Agent.objects.count()
    weak = client.post(
        reverse("settings:agent_create"),
        {
            "email": "x@desk.test",
            "role": "agent",
            "ticket_access": "all",
            "password": "password",
        },
    )
    assert weak.status_code == 422
    assert weak.context["form"].errors["password"] == ["This password is too common."]
    taken = client.post(
        reverse("settings:agent_create"),
        {
            "email": "ALEX@desk.test",
            "role": "agent",
            "ticket_access": "all",
        },
    )
    assert taken.status_code == 422
    assert taken.context["form"].errors["email"] == ["an agent with this email already exists"]
    assert Agent.objects.count() == count


def test_admin_edits_an_agents_role_access_and_teams(client, admin, agent, team, other_team):
    login(client, admin)
    response = client.post(
        reverse("settings:agent_edit", args=[agent.pk]),
        {
            "name": "Alex Renamed",
            "role": "light",
            "ticket_access": "all",
            "teams": [other_team.pk],
            "signature": "-- Alex",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:agents")
    agent.refresh_from_db()
    assert (agent.name, agent.role, agent.ticket_access, agent.signature) == (
        "Alex Renamed",
        "light",
        "teams",
        "-- Alex",
    )
    assert list(agent.teams.all()) == [other_team]


def test_last_active_admin_cannot_demote_themself(client, admin):
    login(client, admin)
    before = snapshot(admin)
    response = client.post(
        reverse("settings:agent_edit", args=[admin.pk]),
        {
            "name": "Ada Admin",
            "role": "agent",
            "ticket_access": "all",
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors["role"] == [
        "This is the desk's last active admin: make another agent an admin first."
    ]
    assert snapshot(admin) == before


def test_an_admin_may_step_down_when_another_admin_is_active(client, admin):
    factories.make_agent(role=Agent.Role.ADMIN, email="second@desk.test")
    login(client, admin)
    response = client.post(
        reverse("settings:agent_edit", args=[admin.pk]),
        {
            "name": "Ada Admin",
            "role": "agent",
            "ticket_access": "all",
        },
    )
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.role == "agent"
    assert admin.user.is_staff is False


def test_a_deactivated_admin_does_not_count_as_another_admin(client, admin):
    other = factories.make_agent(role=Agent.Role.ADMIN, email="second@desk.test")
    other.user.is_active = False
    other.user.save(update_fields=["is_active"])
    login(client, admin)
    response = client.post(reverse("settings:agent_active", args=[admin.pk]), {"active": "0"})
    assert response.status_code == 302
    admin.user.refresh_from_db()
    assert admin.user.is_active is True
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Ada Admin is the desk's last active admin: make another agent an admin "
        "before deactivating them."
    ]


def test_admin_deactivates_and_reactivates_an_agent(client, admin, agent):
    login(client, admin)
    response = client.post(reverse("settings:agent_active", args=[agent.pk]), {"active": "0"})
    assert response.status_code == 302
    agent.user.refresh_from_db()
    assert agent.user.is_active is False
    assert Agent.objects.filter(pk=agent.pk).exists()  # never deleted
    client.post(reverse("settings:agent_active", args=[agent.pk]), {"active": "1"})
    agent.user.refresh_from_db()
    assert agent.user.is_active is True


def test_deactivated_agent_can_no_longer_open_the_workspace(client, admin, agent):
    login(client, admin).post(reverse("settings:agent_active", args=[agent.pk]), {"active": "0"})
    client.logout()
    client.force_login(agent.user)
    assert client.get(reverse("people:contacts")).status_code == 302


def test_activation_is_post_only(client, admin, agent):
    login(client, admin)
    assert client.get(reverse("settings:agent_active", args=[agent.pk])).status_code == 405


def test_editing_a_missing_agent_is_404(client, admin):
    login(client, admin)
    assert client.get(reverse("settings:agent_edit", args=[999999])).status_code == 404


# --- teams --------------------------------------------------------------------------------


def test_team_list_shows_track_tier_and_member_count(
    client, admin, agent, light_agent, team, other_team
):
    login(client, admin)
    response = client.get(reverse("settings:teams"))
    rows = {t.name: (t.track, t.tier, t.member_count) for t in response.context["teams"]}
    assert rows == {"Support Tier 1": ("support", 1, 2), "Billing": ("service", None, 0)}


@pytest.mark.parametrize("count", [5, 50])
def test_team_list_runs_a_fixed_number_of_queries(
    client, admin, count, django_assert_max_num_queries
):
    for _ in range(count):
        team = factories.make_team(track="support", tier=2)
        factories.make_agent(teams=[team])
    login(client, admin)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("settings:teams"))
    assert len(response.context["teams"]) == count


def test_admin_creates_support_and_service_teams(client, admin):
    login(client, admin)
    response = client.post(
        reverse("settings:teams"),
        {"name": "Engineering escalations", "track": "support", "tier": "3"},
    )
    assert response.status_code == 302
    client.post(reverse("settings:teams"), {"name": "Onboarding", "track": "service", "tier": "2"})
    teams = {t.name: (t.track, t.tier) for t in Team.objects.all()}
    assert teams == {"Engineering escalations": ("support", 3), "Onboarding": ("service", None)}


def test_team_form_errors_are_shown_next_to_the_field(client, admin, team):
    login(client, admin)
    response = client.post(
        reverse("settings:teams"), {"name": "support tier 1", "track": "support", "tier": "1"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {"name": ["a team with this name already exists"]}
    html = response.content.decode()
    # The message sits in the name field's row, tied to its input for screen readers.
    assert (
        '<ul class="errorlist" id="id_name_error"><li>a team with this name already exists'
        "</li></ul>"
    ) in html
    assert 'aria-describedby="id_name_error" id="id_name"' in html
    bad_tier = client.post(
        reverse("settings:teams"), {"name": "Tier 4", "track": "support", "tier": "4"}
    )
    assert bad_tier.status_code == 422
    assert list(bad_tier.context["form"].errors) == ["tier"]
    assert Team.objects.count() == 1


def test_admin_edits_a_team(client, admin, team):
    login(client, admin)
    response = client.post(
        reverse("settings:team_edit", args=[team.pk]),
        {
            "name": "Support Tier 2",
            "track": "support",
            "tier": "2",
            "description": "Harder cases",
        },
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.track, team.tier, team.description) == (
        "Support Tier 2",
        "support",
        2,
        "Harder cases",
    )
    client.post(
        reverse("settings:team_edit", args=[team.pk]),
        {"name": "Support Tier 2", "track": "service", "tier": "2"},
    )
    team.refresh_from_db()
    assert (team.track, team.tier) == ("service", None)


def test_admin_deletes_a_team_and_its_tickets_stay(client, admin, team, ticket):
    login(client, admin)
    page = client.get(reverse("settings:team_edit", args=[team.pk]))
    assert page.context["ticket_count"] == 1
    response = client.post(reverse("settings:team_delete", args=[team.pk]))
    assert response.status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()
    ticket.refresh_from_db()
    assert ticket.team_id is None
