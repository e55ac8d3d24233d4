"""Settings pages for calendars and SLA policies: who may use them, and that they work."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.core.models import Calendar
from tandem.workflow.models import SlaPolicy
from tandem.workflow.tests.sla_setup import make_calendar, make_policy

pytestmark = pytest.mark.django_db

PAGES = [
    "settings:calendars",
    "settings:calendar_new",
    "settings:sla_policies",
    "settings:sla_policy_new",
]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("core:login") in response["Location"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", ["light_agent", "agent"])
def test_non_admins_get_403(client, request, role, name):
    client.force_login(request.getfixturevalue(role).user)
    assert client.get(reverse(name)).status_code == 403


def test_agent_cannot_create_a_policy(client, agent):
    client.force_login(agent.user)
    response = client.post(reverse("settings:sla_policy_new"), {"name": "Sneaky"})
    assert response.status_code == 403
    assert not SlaPolicy.objects.exists()


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin.user)
    return client


CALENDAR_POST = {
    "name": "Lisbon",
    "time_zone": "Europe/Lisbon",
    "mon": "09:00-12:30, 13:30-18:00",
    "tue": "09:00-18:00",
    "one_off_holidays": "2026-04-03 Good Friday",
    "yearly_holidays": "12-25 Christmas Day\n02-29 Leap day",
}


def test_admin_creates_a_calendar_with_intervals_holidays_and_teams(admin_client, team):
    response = admin_client.post(
        reverse("settings:calendar_new"), {**CALENDAR_POST, "teams": [team.pk]}
    )
    assert response.status_code == 302, response.content.decode()
    calendar = Calendar.objects.get(name="Lisbon")
    assert calendar.time_zone == "Europe/Lisbon"
    assert calendar.weekly_hours == {
        "mon": [["09:00", "12:30"], ["13:30", "18:00"]],
        "tue": [["09:00", "18:00"]],
    }
    assert calendar.holidays == [
        {"date": "2000-02-29", "yearly": True, "name": "Leap day"},
        {"date": "2000-12-25", "yearly": True, "name": "Christmas Day"},
        {"date": "2026-04-03", "yearly": False, "name": "Good Friday"},
    ]
    team.refresh_from_db()
    assert team.calendar == calendar
    page = admin_client.get(reverse("settings:calendar", args=[calendar.pk])).content.decode()
    assert "09:00-12:30, 13:30-18:00" in page and "12-25 Christmas Day" in page


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"mon": "17:00-09:00"}, "mon", "the end must be after the start"),
        ({"mon": "9 to 5"}, "mon", "write an interval as 09:00-17:00"),
        ({"tue": "09:00-13:00, 12:00-17:00"}, "tue", "intervals overlap"),
        ({"one_off_holidays": "next friday"}, "one_off_holidays", "write it like"),
    ],
)
def test_bad_calendar_input_is_shown_next_to_its_field(admin_client, change, field, message):
    response = admin_client.post(reverse("settings:calendar_new"), {**CALENDAR_POST, **change})
    assert response.status_code == 422
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert not Calendar.objects.exists()


def test_unticking_a_team_takes_the_calendar_away(admin_client, team):
    calendar = make_calendar()
    team.calendar = calendar
    team.save()
    post = {**CALENDAR_POST, "name": calendar.name}
    assert (
        admin_client.post(reverse("settings:calendar", args=[calendar.pk]), post).status_code == 302
    )
    team.refresh_from_db()
    assert team.calendar is None


def test_admin_creates_a_policy_with_conditions_and_a_target_grid(admin_client):
    response = admin_client.post(
        reverse("settings:sla_policy_new"),
        {
            "name": "Gold",
            "active": "on",
            "plans": "Enterprise, Business",
            "tracks": ["support"],
            "channels": ["email", "chat"],
            "tags": "vip",
            "custom_fields": "contract = gold\nseats = 50",
            "warning_minutes": "15",
            "pause_when_pending": "on",
            "target_urgent_first_response": "30",
            "target_normal_first_response": "120",
            "business_hours_first_response": "on",
            "target_urgent_resolution": "240",
        },
    )
    assert response.status_code == 302, response.content.decode()
    policy = SlaPolicy.objects.get(name="Gold")
    assert policy.conditions == {
        "plans": ["Enterprise", "Business"],
        "tracks": ["support"],
        "channels": ["email", "chat"],
        "tags": ["vip"],
        "custom_fields": {"contract": "gold", "seats": 50},
    }
    assert (policy.warning_minutes, policy.pause_when_pending, policy.pause_when_on_hold) == (
        15,
        True,
        False,
    )
    targets = set(policy.targets.values_list("priority", "metric", "minutes", "business_hours"))
    assert targets == {
        ("urgent", "first_response", 30, True),
        ("normal", "first_response", 120, True),
        ("urgent", "resolution", 240, False),
    }
    listing = admin_client.get(reverse("settings:sla_policies")).content.decode()
    assert "Gold" in listing and "plan Enterprise or Business" in listing


def test_policy_with_a_taken_name_is_refused_with_the_reason(admin_client):
    make_policy(name="Standard")
    response = admin_client.post(
        reverse("settings:sla_policy_new"), {"name": "standard", "warning_minutes": "30"}
    )
    assert response.status_code == 422
    assert "already exists" in " ".join(response.context["form"].errors["name"])
    assert SlaPolicy.objects.count() == 1


def test_editing_shows_the_stored_targets_and_saves_changes(admin_client):
    policy = make_policy(name="Standard", minutes={"first_response": 60})
    url = reverse("settings:sla_policy", args=[policy.pk])
    page = admin_client.get(url)
    assert page.context["form"].initial["target_high_first_response"] == 60
    response = admin_client.post(
        url,
        {"name": "Standard", "warning_minutes": "10", "target_low_resolution": "900"},
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.active is False and policy.warning_minutes == 10
    assert list(policy.targets.values_list("priority", "metric", "minutes")) == [
        ("low", "resolution", 900)
    ]


def test_policies_move_up_and_down_and_the_first_match_follows(admin_client):
    first = make_policy(name="A", position=10)
    second = make_policy(name="B", position=20)
    admin_client.post(reverse("settings:sla_policy_move", args=[second.pk]), {"direction": "up"})
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["B", "A"]
    admin_client.post(reverse("settings:sla_policy_move", args=[second.pk]), {"direction": "down"})
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["A", "B"]
    admin_client.post(reverse("settings:sla_policy_delete", args=[first.pk]))
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["B"]


def test_settings_overview_links_the_new_pages(admin_client):
    html = admin_client.get(reverse("settings:index")).content.decode()
    assert f'href="{reverse("settings:calendars")}"' in html
    assert f'href="{reverse("settings:sla_policies")}"' in html
