"""Macros in the composer (picker, preview, insert, send) and the settings pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tandem.kb import macro_actions
from tandem.kb.models import Macro
from tandem.tickets import actions as ticket_actions
from tandem.tickets.models import Message, Ticket, TicketEvent

HTMX = {"HTTP_HX_REQUEST": "true"}
Kind = TicketEvent.Kind


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def light_client(client, light_agent):
    client.force_login(light_agent.user)
    return client


@pytest.fixture
def macro(admin, other_team):
    return macro_actions.create_macro(
        agent=admin,
        title="Billing handover",
        body="Hi {{ contact.first_name }}, billing will answer #{{ ticket.number }}.",
        set_priority="high",
        set_team=other_team,
        add_tags=["billing"],
        internal_note="Handed over by {{ agent.first_name }}",
    )


def test_ticket_page_shows_the_picker_to_agents_not_light_agents(agent_client, ticket, light_agent):
    url = reverse("tickets:detail", args=[ticket.number])
    page = agent_client.get(url).content.decode()
    assert reverse("macros:picker", args=[ticket.number]) in page
    assert 'name="macro" id="composer-macro" value=""' in page

    light = Client()
    light.force_login(light_agent.user)
    assert reverse("macros:picker", args=[ticket.number]) not in light.get(url).content.decode()


def test_picker_searches_title_and_body_most_used_first(agent_client, admin, ticket, macro):
    other = macro_actions.create_macro(agent=admin, title="Refund", body="Billing refund")
    Macro.objects.filter(pk=other.pk).update(usage_count=9)

    response = agent_client.get(reverse("macros:picker", args=[ticket.number]), {"q": "billing"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Refund") < html.index("Billing handover")
    assert "used 9 times" in html

    response = agent_client.get(reverse("macros:picker", args=[ticket.number]), {"q": "zzz"})
    assert "No macro matches" in response.content.decode()


def test_preview_renders_for_this_ticket_and_changes_nothing(agent_client, ticket, macro):
    response = agent_client.get(reverse("macros:preview", args=[macro.pk, ticket.number]), **HTMX)
    html = response.content.decode()
    assert f"Hi Carol, billing will answer #{ticket.number}." in html
    assert "Set priority to High" in html and "Add an internal note" in html
    assert Ticket.objects.get(pk=ticket.pk).priority == "normal"
    assert Macro.objects.get(pk=macro.pk).usage_count == 0


def test_insert_appends_to_what_the_agent_wrote(agent_client, ticket, macro):
    response = agent_client.post(
        reverse("macros:insert", args=[macro.pk, ticket.number]),
        {"body": "Thanks for waiting.", "visibility": "public"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        f">Thanks for waiting.\n\nHi Carol, billing will answer #{ticket.number}.</textarea>"
        in html
    )
    assert f'name="macro" id="composer-macro" value="{macro.pk}" hx-swap-oob="true"' in html
    assert Macro.objects.get(pk=macro.pk).usage_count == 0


def test_sending_with_the_macro_applies_it_with_events(agent_client, ticket, macro, other_team):
    response = agent_client.post(
        reverse("tickets:reply", args=[ticket.number]),
        {"visibility": "public", "body": "Billing will answer.", "macro": str(macro.pk)},
        **HTMX,
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team_id) == ("high", other_team.pk)
    assert list(ticket.tags.values_list("name", flat=True)) == ["billing"]
    assert ticket.messages.get(visibility=Message.Visibility.INTERNAL).body == (
        "Handed over by Alex"
    )
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {Kind.PRIORITY_CHANGED, Kind.TEAM_CHANGED, Kind.TAGS_CHANGED} <= kinds
    assert Macro.objects.get(pk=macro.pk).usage_count == 1
    assert 'name="macro" id="composer-macro" value=""' in response.content.decode()


def test_render_error_at_send_is_shown_in_the_composer_not_a_500(agent_client, admin, ticket):
    field = ticket_actions.create_custom_field(
        entity="ticket", key="order", label="Order", kind="text"
    )
    broken = macro_actions.create_macro(
        agent=admin, title="Order", body="x", internal_note="{{ ticket.custom_fields.order }}"
    )
    ticket_actions.update_custom_field(field=field, active=False)
    messages_before = ticket.messages.count()

    response = agent_client.post(
        reverse("tickets:reply", args=[ticket.number]),
        {"visibility": "public", "body": "Hello", "macro": str(broken.pk)},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "ticket.custom_fields.order is not a documented variable" in html
    assert f'value="{broken.pk}"' in html  # the macro stays picked, the text stays
    assert ">Hello</textarea>" in html
    assert ticket.messages.count() == messages_before
    assert Macro.objects.get(pk=broken.pk).usage_count == 0

    preview = agent_client.get(reverse("macros:preview", args=[broken.pk, ticket.number]))
    assert preview.status_code == 200
    assert "cannot be used on this ticket" in preview.content.decode()


def test_someone_elses_personal_macro_cannot_be_sent(agent_client, admin, ticket):
    private = macro_actions.create_macro(agent=admin, title="Mine", body="x", scope="personal")
    response = agent_client.post(
        reverse("tickets:reply", args=[ticket.number]),
        {"visibility": "public", "body": "Hello", "macro": str(private.pk)},
    )
    assert response.status_code == 422
    assert "no longer available to you" in response.content.decode()
    assert ticket.messages.count() == 1
    assert (
        agent_client.get(reverse("macros:preview", args=[private.pk, ticket.number])).status_code
        == 404
    )


def test_picker_is_refused_to_light_agents_and_anonymous(client, light_client, ticket):
    url = reverse("macros:picker", args=[ticket.number])
    assert light_client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_picker_for_an_invisible_ticket_is_404(client, other_team_agent, ticket):
    client.force_login(other_team_agent.user)
    assert client.get(reverse("macros:picker", args=[ticket.number])).status_code == 404


# --- settings pages ------------------------------------------------------------------


def test_list_shows_usage_counts_most_used_first(
    agent_client, admin, macro, django_assert_max_num_queries
):
    popular = macro_actions.create_macro(agent=admin, title="Popular", body="x")
    Macro.objects.filter(pk=popular.pk).update(usage_count=12)
    with django_assert_max_num_queries(12):
        response = agent_client.get(reverse("settings:macros"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Popular") < html.index("Billing handover")
    assert '<td class="num">12</td>' in html
    # Shared macros are the admins': an agent sees them without an edit link.
    assert reverse("settings:macro_edit", args=[macro.pk]) not in html


def test_agent_creates_a_personal_macro(agent_client, agent):
    response = agent_client.post(
        reverse("settings:macro_new"),
        {"title": "My hello", "body": "Hello {{ contact.first_name }}", "scope": "personal"},
    )
    assert response.status_code == 302
    macro = Macro.objects.get(title="My hello")
    assert (macro.scope, macro.owner_id) == ("personal", agent.pk)


def test_template_error_is_a_form_error_on_body(agent_client):
    response = agent_client.post(
        reverse("settings:macro_new"),
        {"title": "Bad", "body": "{% include '/etc/passwd' %}", "scope": "personal"},
    )
    assert response.status_code == 422
    assert "{% include %} is not available in macros" in response.content.decode()
    assert response.context["form"].errors["body"]
    assert Macro.objects.count() == 0


def test_agent_cannot_share_with_everyone(agent_client):
    response = agent_client.post(
        reverse("settings:macro_new"), {"title": "T", "body": "x", "scope": "everyone"}
    )
    assert response.status_code == 422
    assert Macro.objects.count() == 0


def test_admin_edits_and_deletes_a_shared_macro(client, admin, macro):
    client.force_login(admin.user)
    response = client.post(
        reverse("settings:macro_edit", args=[macro.pk]),
        {"title": "Billing", "body": macro.body, "scope": "everyone", "set_priority": "urgent"},
    )
    assert response.status_code == 302
    macro.refresh_from_db()
    assert (macro.title, macro.set_priority, macro.set_team_id, macro.add_tags) == (
        "Billing",
        "urgent",
        None,
        [],
    )
    response = client.post(reverse("settings:macro_delete", args=[macro.pk]))
    assert response.status_code == 302
    assert not Macro.objects.filter(pk=macro.pk).exists()


def test_agent_cannot_edit_or_delete_a_shared_macro(agent_client, macro):
    assert agent_client.get(reverse("settings:macro_edit", args=[macro.pk])).status_code == 403
    assert agent_client.post(reverse("settings:macro_delete", args=[macro.pk])).status_code == 403
    assert Macro.objects.filter(pk=macro.pk, title="Billing handover").exists()


def test_settings_pages_refuse_light_agents(light_client):
    assert light_client.get(reverse("settings:macros")).status_code == 403
    assert light_client.get(reverse("settings:macro_new")).status_code == 403
