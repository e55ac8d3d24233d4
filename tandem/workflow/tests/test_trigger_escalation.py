"""The `escalate` trigger action: "on SLA breach → escalate" and "priority urgent → escalate"."""

import pytest
from django.urls import reverse

from tandem.core.errors import InvalidInput
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import TicketEvent
from tandem.workflow.actions import create_trigger, fire_sla_alarms
from tandem.workflow.models import Trigger, TriggerRun
from tandem.workflow.tests.sla_setup import make_policy, open_ticket, utc
from tandem.workflow.triggers import dry_run

pytestmark = pytest.mark.django_db
NOTE = "Auto-escalated: {{ ticket.subject }} breached its SLA."


@pytest.fixture
def tiers():
    return [factories.make_team(name=f"Tier {n}", track="support", tier=n) for n in (1, 2, 3)]


def test_sla_breach_escalates_to_the_next_tier_with_the_note(tiers):
    make_policy(business_hours=False)
    create_trigger(
        name="Breach climbs",
        events=["sla_breached"],
        actions=[{"type": "escalate", "note": NOTE}],
    )
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0), team=tiers[0])
    assert fire_sla_alarms(at=utc(2026, 3, 30, 9, 0)) == 1
    ticket.refresh_from_db()
    assert ticket.team == tiers[1] and ticket.assignee is None
    escalated = ticket.events.get(kind=TicketEvent.Kind.ESCALATED)
    assert escalated.actor_kind == "system"
    note = ticket.messages.filter(visibility="internal").latest("id")
    assert note.body == "Auto-escalated: Printer on fire breached its SLA."
    (run,) = TriggerRun.objects.filter(trigger__name="Breach climbs")
    assert run.event_type == "sla_breached"
    assert run.changes == [
        {"type": "escalate", "from": "Tier 1", "to": "Tier 2", "note": note.body}
    ]


def test_urgent_priority_escalates_to_a_chosen_team(tiers, customer, admin):
    create_trigger(
        name="Urgent to tier 3",
        events=["priority_changed"],
        conditions={"all": [{"field": "priority", "op": "changed_to", "value": "urgent"}]},
        actions=[{"type": "escalate", "team": tiers[2].pk, "note": "Urgent: straight to tier 3"}],
    )
    ticket = factories.make_ticket(contact=customer, subject="Outage", team=tiers[0])
    actions.update_ticket(actor=Actor.for_agent(admin), ticket=ticket, priority="high")
    ticket.refresh_from_db()
    assert ticket.team == tiers[0]
    actions.update_ticket(actor=Actor.for_agent(admin), ticket=ticket, priority="urgent")
    ticket.refresh_from_db()
    assert ticket.team == tiers[2]


def test_a_ticket_at_the_top_tier_is_skipped_and_other_actions_still_run(tiers, customer):
    create_trigger(
        name="Climb and tag",
        events=["ticket_created"],
        actions=[
            {"type": "escalate", "note": "Up"},
            {"type": "add_tags", "tags": ["escalation-tried"]},
        ],
    )
    ticket = factories.make_ticket(contact=customer, subject="Top", team=tiers[2])
    ticket.refresh_from_db()
    assert ticket.team == tiers[2]
    assert list(ticket.tags.values_list("name", flat=True)) == ["escalation-tried"]
    run = TriggerRun.objects.get(trigger__name="Climb and tag")
    assert "highest tier" in run.changes[0]["skipped"] and not run.error


def test_escalate_needs_a_note_and_a_support_tier_team(tiers):
    service = factories.make_team(name="Front desk")
    with pytest.raises(InvalidInput) as error:
        create_trigger(
            name="Bad",
            events=["sla_breached"],
            actions=[{"type": "escalate", "team": service.pk, "note": " "}],
        )
    fields = {e.field for e in error.value.errors}
    assert fields == {"actions[0].note", "actions[0].team"}


def test_dry_run_says_where_it_would_escalate(tiers, customer):
    trigger = create_trigger(
        name="Dry",
        events=["ticket_created"],
        actions=[{"type": "escalate", "note": NOTE}],
        active=False,
    )
    ticket = factories.make_ticket(contact=customer, subject="Slow", team=tiers[0])
    result = dry_run(trigger=trigger, ticket=ticket)
    assert result["actions"] == [
        {
            "type": "escalate",
            "to": "the next tier",
            "note": "Auto-escalated: Slow breached its SLA.",
        }
    ]
    ticket.refresh_from_db()
    assert ticket.team == tiers[0]


def test_settings_form_builds_the_escalate_action(client, admin, tiers):
    client.force_login(admin.user)
    response = client.post(
        reverse("settings:trigger_new"),
        {"name": "Breach", "events": ["sla_breached"], "escalate": "on", "escalate_note": ""},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["escalate_note"]
    response = client.post(
        reverse("settings:trigger_new"),
        {
            "name": "Breach",
            "events": ["sla_breached"],
            "escalate": "on",
            "escalate_team": tiers[1].pk,
            "escalate_note": NOTE,
        },
    )
    assert response.status_code == 302
    assert Trigger.objects.get().actions == [
        {"type": "escalate", "note": NOTE, "team": tiers[1].pk}
    ]
