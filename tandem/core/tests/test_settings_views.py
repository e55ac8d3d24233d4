"""The settings overview: admins only, linking every settings page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.api.tokens import create_token, revoke_token
from tandem.tickets import actions

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("settings:index"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('core:login')}?next=/settings/"


@pytest.mark.parametrize("role", ["light_agent", "agent"])
def test_non_admins_get_403(client, role, request):
    client.force_login(request.getfixturevalue(role).user)
    assert client.get(reverse("settings:index")).status_code == 403


def test_signed_in_user_who_is_not_an_agent_gets_403(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("x@else.test", password="x" * 12))
    assert client.get(reverse("settings:index")).status_code == 403


def test_index_links_every_settings_page_with_counts(
    client, admin, agent, light_agent, team, django_assert_max_num_queries
):
    actions.create_tag(name="billing")
    actions.create_custom_field(entity="ticket", label="Plan", kind="text")
    retired = actions.create_custom_field(entity="contact", label="Old", kind="text")
    actions.update_custom_field(field=retired, active=False)
    create_token(agent=agent, name="live")
    revoke_token(token=create_token(agent=agent, name="dead")[0])
    client.force_login(admin.user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("settings:index"))
    assert response.status_code == 200
    assert response.context["counts"] == {
        "agents": 3,
        "teams": 1,
        "tags": 1,
        "fields": 1,
        "tokens": 1,
    }
    html = response.content.decode()
    for name in [
        "settings:agents",
        "settings:teams",
        "settings:tags",
        "settings:fields",
        "settings:tokens",
        "settings:my_tokens",
    ]:
        assert f'href="{reverse(name)}"' in html, name
    assert 'aria-current="page">Overview' in html


# --- every URL of the settings area, so a new page cannot forget its permission check -------

OWN_TOKEN_PAGES = {"my_tokens", "my_token_revoke"}
# Every agent keeps personal macros; editing a shared one stays refused (kb/macro_queries.py).
AGENT_MACRO_PAGES = {"macros", "macro_new"}


TRIGGER_PAGES = ("trigger", "trigger_delete", "trigger_active", "trigger_move", "trigger_dry_run")
AUTOMATION_PAGES = ("automation", "automation_delete", "automation_active", "automation_move")


@pytest.fixture
def every_settings_url(admin, agent, team):
    from tandem.api.models import ApiToken
    from tandem.core import settings_urls
    from tandem.kb.macro_actions import create_macro
    from tandem.mail.actions import create_mailbox
    from tandem.mail.intake import receive_raw
    from tandem.mail.models import InboundMail
    from tandem.workflow.routing_actions import create_routing_rule

    tag = actions.create_tag(name="billing")
    rule = create_routing_rule(name="Invoices")
    field = actions.create_custom_field(entity="ticket", label="Plan", kind="text")
    own_token, _ = create_token(agent=agent, name="mine")
    mailbox = create_mailbox(address="help@desk.test")
    inbound = receive_raw(raw=b"Subject: x\r\n\r\nbody", source="smtp", process=False)
    InboundMail.objects.filter(pk=inbound.pk).update(state=InboundMail.State.QUARANTINED)
    from tandem.workflow import actions as workflow

    calendar = workflow.create_calendar(name="Office", weekly_hours={"mon": [["09:00", "17:00"]]})
    policy = workflow.create_sla_policy(name="Standard")
    shared_macro = create_macro(agent=admin, title="Thanks", body="Thanks!")
    from tandem.workflow.models.triggers import Automation, Trigger

    inactive = {"actions": [{"type": "add_tags", "tags": ["x"]}], "active": False}
    trigger = Trigger.objects.create(name="T", events=["ticket_created"], **inactive)
    automation = Automation.objects.create(
        name="A", time_condition="solved_for", minutes=60, **inactive
    )
    args = {
        "macro_edit": [shared_macro.pk],
        "macro_delete": [shared_macro.pk],
        "agent_edit": [agent.pk],
        "agent_active": [agent.pk],
        "team_edit": [team.pk],
        "team_delete": [team.pk],
        "tag_delete": [tag.pk],
        "field_edit": [field.pk],
        "fields_entity": ["contact"],
        "token_revoke": [own_token.pk],
        "my_token_revoke": [own_token.pk],
        "mailbox": [mailbox.pk],
        "mailbox_delete": [mailbox.pk],
        "mailbox_test": [mailbox.pk],
        "quarantine_detail": [inbound.pk],
        "quarantine_retry": [inbound.pk],
        "quarantine_dismiss": [inbound.pk],
        "calendar": [calendar.pk],
        "calendar_delete": [calendar.pk],
        "sla_policy": [policy.pk],
        "sla_policy_move": [policy.pk],
        "sla_policy_delete": [policy.pk],
        "routing_rule": [rule.pk],
        **{name: [trigger.pk] for name in TRIGGER_PAGES},
        **{name: [automation.pk] for name in AUTOMATION_PAGES},
        "routing_rule_delete": [rule.pk],
        "team_assignment": [team.pk],
        "agent_assignment": [agent.pk],
    }
    urls = {
        p.name: reverse(f"settings:{p.name}", args=args.get(p.name, []))
        for p in settings_urls.urlpatterns
    }
    assert ApiToken.objects.count() == 1
    return urls


def test_every_settings_url_sends_anonymous_visitors_to_sign_in(client, every_settings_url):
    for name, url in every_settings_url.items():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (name, method)
            assert response["Location"].startswith(f"{reverse('core:login')}?next="), name


def test_every_settings_url_refuses_light_agents(client, light_agent, every_settings_url):
    client.force_login(light_agent.user)
    for name, url in every_settings_url.items():
        assert client.get(url).status_code == 403, name
        assert client.post(url).status_code == 403, name


def test_every_settings_url_but_own_tokens_refuses_agents(client, agent, every_settings_url):
    client.force_login(agent.user)
    for name, url in every_settings_url.items():
        if name in OWN_TOKEN_PAGES | AGENT_MACRO_PAGES:
            continue
        assert client.get(url).status_code == 403, name
        assert client.post(url).status_code == 403, name
    assert client.get(every_settings_url["my_tokens"]).status_code == 200


def test_every_settings_page_opens_for_admins(client, admin, every_settings_url):
    client.force_login(admin.user)
    for name, url in every_settings_url.items():
        response = client.get(url)
        expected = (
            302
            if name == "fields"
            else 405
            if url.endswith(
                (
                    "/active/",
                    "/delete/",
                    "/revoke/",
                    "/test/",
                    "/retry/",
                    "/dismiss/",
                    "/move/",
                    "/dry-run/",
                )
            )
            else 200
        )
        assert response.status_code == expected, name
