"""Settings pages for triggers and automations (admins only), through the Django test client."""

import pytest
from django.urls import reverse

from tandem.testing import factories
from tandem.workflow.actions import create_trigger
from tandem.workflow.models import Automation, Trigger, TriggerRun

pytestmark = pytest.mark.django_db

TAG = [{"type": "add_tags", "tags": ["x"]}]


def test_admin_creates_a_trigger_from_plain_fields(client, admin, team):
    client.force_login(admin.user)
    assert client.get(reverse("settings:trigger_new")).status_code == 200
    response = client.post(
        reverse("settings:trigger_new"),
        {
            "name": "Urgent outages",
            "active": "on",
            "events": ["ticket_created", "customer_replied"],
            "all_conditions": "subject contains down\npriority in high, urgent",
            "any_conditions": "tags includes vip",
            "set_priority": "urgent",
            "set_team": team.pk,
            "add_tags": "outage, paged",
            "add_note": "Paged on #{{ ticket.number }}",
        },
    )
    assert response.status_code == 302, response.content.decode()
    trigger = Trigger.objects.get()
    assert trigger.events == ["ticket_created", "customer_replied"]
    assert trigger.conditions == {
        "all": [
            {"field": "subject", "op": "contains", "value": "down"},
            {"field": "priority", "op": "in", "value": ["high", "urgent"]},
        ],
        "any": [{"field": "tags", "op": "includes", "value": ["vip"]}],
    }
    assert trigger.actions == [
        {"type": "set_fields", "fields": {"priority": "urgent", "team": team.pk}},
        {"type": "add_tags", "tags": ["outage", "paged"]},
        {"type": "add_note", "body": "Paged on #{{ ticket.number }}"},
    ]
    page = client.get(reverse("settings:trigger", args=[trigger.pk])).content.decode()
    assert "subject contains down" in page and "outage, paged" in page
    listing = client.get(reverse("settings:triggers")).content.decode()
    assert "Urgent outages" in listing


def test_bad_condition_and_action_errors_stand_next_to_their_fields(client, admin):
    client.force_login(admin.user)
    response = client.post(
        reverse("settings:trigger_new"),
        {
            "name": "Broken",
            "events": ["ticket_created"],
            "all_conditions": "priority is high\ncolour is red",
            "notify_subject": "",
            "notify_team": "",
            "add_tags": "ok",
        },
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert "line 2 (field): unknown field 'colour'" in form.errors["all_conditions"]
    assert not Trigger.objects.exists()

    no_actions = client.post(
        reverse("settings:trigger_new"), {"name": "Idle", "events": ["ticket_created"]}
    )
    assert no_actions.status_code == 422
    assert "Choose at least one action" in no_actions.content.decode()


def test_notify_without_a_subject_is_an_error_on_the_subject(client, admin, agent):
    client.force_login(admin.user)
    response = client.post(
        reverse("settings:trigger_new"),
        {"name": "Tell", "events": ["ticket_created"], "notify_agents": [agent.pk]},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["notify_subject"]


def test_toggle_move_and_delete(client, admin):
    first = create_trigger(name="First", events=["ticket_created"], actions=TAG)
    second = create_trigger(name="Second", events=["ticket_created"], actions=TAG)
    client.force_login(admin.user)
    assert client.post(reverse("settings:trigger_active", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    assert not first.active
    client.post(reverse("settings:trigger_move", args=[second.pk]), {"direction": "up"})
    assert list(Trigger.objects.order_by("position").values_list("name", flat=True)) == [
        "Second",
        "First",
    ]
    client.post(reverse("settings:trigger_move", args=[second.pk]), {"direction": "up"})
    assert Trigger.objects.order_by("position").first() == second  # already on top
    client.post(reverse("settings:trigger_delete", args=[first.pk]))
    assert list(Trigger.objects.all()) == [second]


def test_a_move_in_an_unknown_direction_moves_nothing(client, admin):
    first = create_trigger(name="First", events=["ticket_created"], actions=TAG)
    second = create_trigger(name="Second", events=["ticket_created"], actions=TAG)
    client.force_login(admin.user)
    response = client.post(
        reverse("settings:trigger_move", args=[second.pk]), {"direction": "sideways"}, follow=True
    )
    assert response.redirect_chain == [(reverse("settings:triggers"), 302)]
    assert "direction: must be &#x27;up&#x27; or &#x27;down&#x27;" in response.content.decode()
    assert list(Trigger.objects.order_by("position")) == [first, second]


def test_dry_run_shows_each_condition_and_the_change(client, admin, customer):
    trigger = create_trigger(
        name="Refunds",
        events=["ticket_created"],
        conditions={
            "all": [
                {"field": "subject", "op": "contains", "value": "refund"},
                {"field": "priority", "op": "is", "value": "normal"},
            ]
        },
        actions=[{"type": "set_fields", "fields": {"priority": "high"}}],
        active=False,
    )
    ticket = factories.make_ticket(contact=customer, subject="Refund please")
    client.force_login(admin.user)
    response = client.post(
        reverse("settings:trigger_dry_run", args=[trigger.pk]), {"ticket": f"#{ticket.pk}"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "✓ holds" in page and "subject contains refund" in page
    assert "It would fire" in page and "high" in page
    ticket.refresh_from_db()
    assert ticket.priority == "normal"  # nothing written

    missing = client.post(reverse("settings:trigger_dry_run", args=[trigger.pk]), {"ticket": "999"})
    assert missing.status_code == 422 and "No ticket #999" in missing.content.decode()


def test_activity_log_lists_the_runs_of_the_trigger(client, admin, customer):
    trigger = create_trigger(
        name="Tag everything", events=["ticket_created"], actions=[TAG[0] | {"tags": ["seen"]}]
    )
    ticket = factories.make_ticket(contact=customer, subject="Hello there")
    assert TriggerRun.objects.filter(trigger=trigger, ticket=ticket).exists()
    client.force_login(admin.user)
    page = client.get(reverse("settings:trigger", args=[trigger.pk])).content.decode()
    assert f"#{ticket.pk}" in page and "add_tags" in page and "Hello there" in page


def test_admin_creates_and_edits_an_automation(client, admin):
    client.force_login(admin.user)
    response = client.post(
        reverse("settings:automation_new"),
        {
            "name": "Close stale pending",
            "active": "on",
            "time_condition": "status_for",
            "status": "pending",
            "minutes": "4320",
            "set_status": "solved",
        },
    )
    assert response.status_code == 302, response.content.decode()
    automation = Automation.objects.get()
    assert (automation.status, automation.minutes) == ("pending", 4320)
    assert automation.actions == [{"type": "set_fields", "fields": {"status": "solved"}}]

    bad = client.post(
        reverse("settings:automation", args=[automation.pk]),
        {"name": "Close stale pending", "time_condition": "status_for", "minutes": "60"},
    )
    assert bad.status_code == 422
    assert bad.context["form"].errors["status"]
    client.post(reverse("settings:automation_active", args=[automation.pk]))
    automation.refresh_from_db()
    assert not automation.active
    client.post(reverse("settings:automation_delete", args=[automation.pk]))
    assert not Automation.objects.exists()


@pytest.mark.parametrize(
    "name", ["settings:triggers", "settings:trigger_new", "settings:automations"]
)
def test_agents_cannot_open_the_pages(client, agent, name):
    client.force_login(agent.user)
    assert client.get(reverse(name)).status_code in (302, 403)


def test_agents_cannot_change_a_trigger(client, agent):
    trigger = create_trigger(name="Mine", events=["ticket_created"], actions=TAG)
    client.force_login(agent.user)
    response = client.post(reverse("settings:trigger_delete", args=[trigger.pk]))
    assert response.status_code in (302, 403)
    assert Trigger.objects.filter(pk=trigger.pk).exists()


def test_ticket_page_lists_what_triggers_did_on_it(client, agent, customer, team):
    create_trigger(
        name="Mark new", events=["ticket_created"], actions=[{"type": "add_tags", "tags": ["new"]}]
    )
    ticket = factories.make_ticket(contact=customer, subject="Printer jam", team=team)
    other = factories.make_ticket(contact=customer, subject="Another", team=team)
    TriggerRun.objects.filter(ticket=other).delete()
    client.force_login(agent.user)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "Triggers and automations" in page
    assert "Mark new" in page and "add tags new" in page
    quiet = client.get(reverse("tickets:detail", args=[other.pk])).content.decode()
    assert "Triggers and automations" not in quiet


def test_edit_page_warns_about_actions_the_form_would_drop(client, admin):
    trigger = create_trigger(
        name="From the API",
        events=["ticket_created"],
        actions=[
            {"type": "set_fields", "fields": {"category": "billing"}},
            {"type": "add_note", "body": "one"},
            {"type": "add_note", "body": "two"},
        ],
    )
    plain = create_trigger(name="Plain", events=["ticket_created"], actions=TAG)
    client.force_login(admin.user)
    page = client.get(reverse("settings:trigger", args=[trigger.pk])).content.decode()
    assert "set category, a second add_note" in page
    plain_page = client.get(reverse("settings:trigger", args=[plain.pk])).content.decode()
    assert "cannot show" not in plain_page
