"""API token settings: admins manage every token, agents their own; a secret is shown once."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from tandem.api.models import ApiToken
from tandem.api.tokens import authenticate_token, create_token
from tandem.testing import factories

pytestmark = pytest.mark.django_db


def login(client, agent):
    client.force_login(agent.user)
    return client


def token_state() -> list[tuple]:
    return sorted(ApiToken.objects.values_list("pk", "agent_id", "name", "scope", "revoked_at"))


@pytest.fixture
def agents_token(agent):
    token, _ = create_token(agent=agent, name="Agent's script", scope="read")
    return token


@pytest.fixture
def admins_token(admin):
    token, _ = create_token(agent=admin, name="Billing system")
    return token


# --- who may open the pages ------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, agents_token):
    for url in [reverse("settings:tokens"), reverse("settings:my_tokens")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('core:login')}?next={url}"
    assert client.post(reverse("settings:token_revoke", args=[agents_token.pk])).status_code == 302
    assert ApiToken.objects.get(pk=agents_token.pk).revoked_at is None


@pytest.mark.parametrize("role", ["light_agent", "agent"])
def test_only_admins_open_the_list_of_every_token(client, role, request, admin):
    login(client, request.getfixturevalue(role))
    assert client.get(reverse("settings:tokens")).status_code == 403
    login(client, admin)
    assert client.get(reverse("settings:tokens")).status_code == 200


def test_agents_and_admins_open_their_own_tokens_but_light_agents_do_not(
    client, agent, admin, light_agent
):
    assert login(client, agent).get(reverse("settings:my_tokens")).status_code == 200
    assert login(client, admin).get(reverse("settings:my_tokens")).status_code == 200
    assert login(client, light_agent).get(reverse("settings:my_tokens")).status_code == 403


@pytest.mark.parametrize("role", ["light_agent", "agent"])
def test_non_admin_writes_on_every_token_are_refused_and_change_nothing(
    client, role, request, admin, admins_token
):
    login(client, request.getfixturevalue(role))
    before = token_state()
    response = client.post(
        reverse("settings:tokens"), {"agent": admin.pk, "name": "Backdoor", "scope": "write"}
    )
    assert response.status_code == 403
    assert client.post(reverse("settings:token_revoke", args=[admins_token.pk])).status_code == 403
    assert token_state() == before


def test_light_agent_cannot_create_or_revoke_own_tokens(client, light_agent):
    token, _ = create_token(agent=light_agent, name="Issued by an admin", scope="read")
    login(client, light_agent)
    before = token_state()
    assert (
        client.post(reverse("settings:my_tokens"), {"name": "Mine", "scope": "read"}).status_code
        == 403
    )
    assert client.post(reverse("settings:my_token_revoke", args=[token.pk])).status_code == 403
    assert token_state() == before


# --- every token (admins) -------------------------------------------------------------------


def test_token_list_shows_every_token_with_its_details(
    client, admin, agent, agents_token, admins_token
):
    revoked, _ = create_token(agent=agent, name="Old integration")
    revoked.revoked_at = revoked.created_at
    revoked.save(update_fields=["revoked_at"])
    login(client, admin)
    response = client.get(reverse("settings:tokens"))
    rows = [(t.agent.name, t.name, t.scope, t.is_active) for t in response.context["tokens"]]
    assert rows == [
        ("Alex Agent", "Old integration", "write", False),
        ("Ada Admin", "Billing system", "write", True),
        ("Alex Agent", "Agent's script", "read", True),
    ]
    html = response.content.decode()
    assert f"tdm_{agents_token.prefix}_" in html
    assert "never" in html
    assert "Revoked" in html


@pytest.mark.parametrize("count", [5, 50])
def test_token_list_runs_a_fixed_number_of_queries(
    client, admin, count, django_assert_max_num_queries
):
    for _ in range(count):
        create_token(agent=factories.make_agent(), name="script")
    login(client, admin)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("settings:tokens"))
    assert len(response.context["tokens"]) == count


def test_admin_creates_a_token_for_an_agent_shown_once_and_stored_hashed(client, admin, agent):
    login(client, admin)
    response = client.post(
        reverse("settings:tokens"), {"agent": agent.pk, "name": "Order system", "scope": "read"}
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    html = response.content.decode()
    assert secret in html
    assert "shown only this once" in html
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.agent, token.name, token.scope) == (agent, "Order system", "read")
    kind, prefix, raw = secret.split("_", 2)
    assert (kind, prefix) == ("tdm", token.prefix)
    assert token.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = [
        str(v) for v in ApiToken.objects.values_list("name", "prefix", "secret_hash", "scope").get()
    ]
    assert not any(raw in value for value in stored)
    assert authenticate_token(secret) == token
    # Never again: not on the next page view, not in the session.
    again = client.get(reverse("settings:tokens"))
    assert secret not in again.content.decode()
    assert raw not in str(dict(client.session))


def test_token_form_errors_show_next_to_their_fields(client, admin, agent):
    login(client, admin)
    response = client.post(
        reverse("settings:tokens"), {"agent": agent.pk, "name": "   ", "scope": "admin"}
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"name", "scope"}
    assert "secret" not in response.context
    assert ApiToken.objects.count() == 0


def test_tokens_cannot_be_issued_for_a_deactivated_agent(client, admin, agent):
    agent.user.is_active = False
    agent.user.save(update_fields=["is_active"])
    login(client, admin)
    response = client.post(
        reverse("settings:tokens"), {"agent": agent.pk, "name": "x", "scope": "read"}
    )
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["agent"]
    assert ApiToken.objects.count() == 0


def test_admin_revokes_any_token_and_it_stops_working(client, admin, agent):
    token, secret = create_token(agent=agent, name="Script")
    login(client, admin)
    response = client.post(reverse("settings:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert authenticate_token(secret) is None


# --- one's own tokens -------------------------------------------------------------------------


def test_agent_sees_only_their_own_tokens(client, agent, agents_token, admins_token):
    login(client, agent)
    response = client.get(reverse("settings:my_tokens"))
    assert [t.pk for t in response.context["tokens"]] == [agents_token.pk]
    assert admins_token.prefix not in response.content.decode()
    assert f'href="{reverse("settings:tokens")}"' not in response.content.decode()  # no admin nav


def test_agent_creates_an_own_token_shown_once(client, agent):
    login(client, agent)
    response = client.post(
        reverse("settings:my_tokens"), {"name": "My CLI", "scope": "write", "agent": "999"}
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    token = ApiToken.objects.get()
    assert (token.agent, token.name, token.scope) == (agent, "My CLI", "write")
    assert authenticate_token(secret) == token
    assert secret not in client.get(reverse("settings:my_tokens")).content.decode()


def test_agent_revokes_own_token_but_not_someone_elses(client, agent, agents_token, admins_token):
    login(client, agent)
    other = client.post(reverse("settings:my_token_revoke", args=[admins_token.pk]))
    assert other.status_code == 404
    assert ApiToken.objects.get(pk=admins_token.pk).revoked_at is None
    own = client.post(reverse("settings:my_token_revoke", args=[agents_token.pk]))
    assert own.status_code == 302
    assert own["Location"] == reverse("settings:my_tokens")
    assert ApiToken.objects.get(pk=agents_token.pk).revoked_at is not None
