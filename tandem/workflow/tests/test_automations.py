"""Automations with an explicit `now`: each time condition, business hours, once per period."""

import datetime as dt

import pytest
from django.utils import timezone

from tandem.core.models import Calendar
from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.tickets.models import Ticket, TicketEvent
from tandem.workflow.actions import create_automation
from tandem.workflow.automations import run_automation

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def test_pending_for_three_days_reminds_once_per_period(ticket, agent):
    automation = create_automation(
        name="Remind",
        time_condition="status_for",
        status="pending",
        minutes=3 * 24 * 60,
        actions=[{"type": "add_tags", "tags": ["reminded"]}],
    )
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="pending")
    ticket.refresh_from_db()
    since = ticket.updated_at
    assert run_automation(automation, now=since + 2 * DAY) == []
    (run,) = run_automation(automation, now=since + 3 * DAY)
    assert run.period_start == since
    assert list(ticket.tags.values_list("name", flat=True)) == ["reminded"]
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.AUTOMATION_FIRED)
    assert event.data["automation"] == automation.pk
    # The tag moved updated_at: a new period, counted from the automation's own change.
    ticket.refresh_from_db()
    assert run_automation(automation, now=since + 3 * DAY + dt.timedelta(minutes=1)) == []


def test_solved_for_four_days_closes(ticket, agent):
    automation = create_automation(
        name="Close",
        time_condition="solved_for",
        minutes=4 * 24 * 60,
        actions=[{"type": "set_fields", "fields": {"status": "closed"}}],
    )
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="solved")
    ticket.refresh_from_db()
    assert run_automation(automation, now=ticket.solved_at + 3 * DAY) == []
    assert len(run_automation(automation, now=ticket.solved_at + 4 * DAY)) == 1
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert run_automation(automation, now=ticket.solved_at + 5 * DAY) == []


def test_unassigned_in_business_hours_counts_only_open_hours(customer, team, agent):
    calendar = Calendar.objects.create(
        name="Office",
        time_zone="UTC",
        weekly_hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        holidays=[],
    )
    team.calendar = calendar
    team.save()
    friday_evening = dt.datetime(2026, 12, 4, 16, 50, tzinfo=dt.UTC)
    ticket = actions.create_ticket(
        actor=Actor.for_contact(customer),
        contact=customer,
        subject="Help",
        body="Hi",
        team=team,
        at=friday_evening,
    )
    automation = create_automation(
        name="Nudge lead",
        time_condition="unassigned_for",
        minutes=30,
        business_hours=True,
        actions=[{"type": "notify", "agents": [agent.pk], "subject": "Unassigned", "body": "x"}],
    )
    saturday = friday_evening + DAY
    assert run_automation(automation, now=saturday) == []  # 10 business minutes so far
    monday = dt.datetime(2026, 12, 7, 9, 20, tzinfo=dt.UTC)
    (run,) = run_automation(automation, now=monday)
    assert run.ticket == ticket
    assert run.changes[0]["to"] == ["alex@desk.test"]


def test_assigned_tickets_are_not_unassigned(ticket, agent):
    automation = create_automation(
        name="Nudge",
        time_condition="unassigned_for",
        minutes=30,
        actions=[{"type": "add_tags", "tags": ["late"]}],
    )
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, assignee=agent)
    assert run_automation(automation, now=timezone.now() + DAY) == []
    assert Ticket.objects.get(pk=ticket.pk).tags.count() == 0


def test_automation_validation_names_fields():
    from tandem.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        create_automation(
            name="x", time_condition="status_for", status="solved", minutes=0, actions=[]
        )
    assert [e.field for e in caught.value.errors] == ["status", "minutes", "actions"]
