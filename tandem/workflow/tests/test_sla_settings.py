"""The cached SLA settings (policies, targets, calendars): every write through the actions is
seen by the next ticket, in this process and in another one (simulated: a cache left alone
while the rules' version token moves), and a rolled-back edit is never used."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tandem.core.models import Calendar
from tandem.testing import factories
from tandem.workflow import actions
from tandem.workflow.actions import TargetInput
from tandem.workflow.models import RulesVersion, SlaTarget, TicketSla
from tandem.workflow.tests.sla_setup import make_calendar, make_policy, open_ticket, utc

pytestmark = pytest.mark.django_db

# Monday 30 March 2026, 07:00 UTC: 09:00 in Berlin, when the office opens.
MONDAY_MORNING = utc(2026, 3, 30, 7, 0)


def first_response_due(**fields):
    ticket = open_ticket(at=MONDAY_MORNING, **fields)
    sla = TicketSla.objects.filter(ticket=ticket).first()
    return sla.first_response_due_at if sla else None


def edit_targets(policy, minutes):
    return actions.update_sla_policy(
        policy=policy,
        name=policy.name,
        conditions={},
        targets=[TargetInput(priority="normal", metric="first_response", minutes=minutes)],
        pause_when_pending=True,
        pause_when_on_hold=True,
        warning_minutes=10,
        active=True,
    )


def test_a_policy_edited_in_the_settings_is_used_by_the_next_ticket():
    policy = make_policy(minutes={"first_response": 60})
    assert first_response_due() == utc(2026, 3, 30, 8, 0)
    edit_targets(policy, 30)
    assert first_response_due() == utc(2026, 3, 30, 7, 30)


def test_a_policy_created_or_deleted_is_seen_by_the_next_ticket():
    assert first_response_due() is None  # caches "no policy"
    policy = actions.create_sla_policy(
        name="Standard",
        targets=[TargetInput(priority="normal", metric="first_response", minutes=45)],
    )
    assert first_response_due() == utc(2026, 3, 30, 7, 45)
    actions.delete_sla_policy(policy=policy)
    assert first_response_due() is None


def test_an_edit_made_by_another_process_is_seen_through_the_token():
    policy = make_policy(minutes={"first_response": 60})
    assert first_response_due() == utc(2026, 3, 30, 8, 0)  # this process has them cached
    # Another process edits the targets and moves the token; this process's cache is untouched.
    SlaTarget.objects.filter(policy=policy, metric="first_response").update(minutes=15)
    RulesVersion.objects.filter(pk=1).update(token="written-by-the-worker")
    assert first_response_due() == utc(2026, 3, 30, 7, 15)


def test_a_rolled_back_edit_is_never_used():
    policy = make_policy(minutes={"first_response": 60})
    assert first_response_due() == utc(2026, 3, 30, 8, 0)
    with pytest.raises(RuntimeError), transaction.atomic():
        edit_targets(policy, 30)
        assert first_response_due() == utc(2026, 3, 30, 7, 30)  # cached inside the edit
        raise RuntimeError("the edit is abandoned")
    assert first_response_due() == utc(2026, 3, 30, 8, 0)


def test_an_edited_calendar_is_used_by_the_next_ticket():
    make_policy(minutes={"first_response": 60})
    team = factories.make_team(name="Berlin")
    calendar = make_calendar()
    actions.set_team_calendar(team=team, calendar=calendar)
    assert first_response_due(team=team) == utc(2026, 3, 30, 8, 0)
    later = {day: [["11:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    actions.update_calendar(
        calendar=calendar,
        name=calendar.name,
        time_zone="Europe/Berlin",
        weekly_hours=later,
        holidays=[],
    )
    # Opens at 11:00 Berlin (09:00 UTC): one business hour later, 10:00 UTC.
    assert first_response_due(team=team) == utc(2026, 3, 30, 10, 0)


def test_the_next_ticket_reads_no_policy_target_or_calendar_row():
    make_policy(minutes={"first_response": 60})
    team = factories.make_team(name="Berlin")
    actions.set_team_calendar(team=team, calendar=make_calendar())
    assert first_response_due(team=team) == utc(2026, 3, 30, 8, 0)  # loads the settings
    with CaptureQueriesContext(connection) as queries:
        assert first_response_due(team=team) == utc(2026, 3, 30, 8, 0)
    read = " ".join(query["sql"] for query in queries.captured_queries)
    for table in ("workflow_slapolicy", "workflow_slatarget", Calendar._meta.db_table):
        assert table not in read


@pytest.mark.parametrize("status", ["new", "pending", "solved"])
def test_a_new_tickets_clocks_are_those_a_recompute_from_its_stored_history_gives(status):
    """The creating batch stands in for the stored history; reading it back agrees."""
    from tandem.workflow.actions import refresh_ticket_sla

    tagged = make_policy(
        name="Tagged", position=5, conditions={"tags": ["vip"]}, minutes={"resolution": 30}
    )
    make_policy(name="Standard", position=10)
    team = factories.make_team(name="Berlin")
    actions.set_team_calendar(team=team, calendar=make_calendar())
    ticket = open_ticket(at=MONDAY_MORNING, team=team, tags=["vip"], status=status)
    columns = [f.attname for f in TicketSla._meta.concrete_fields]
    as_created = TicketSla.objects.filter(ticket=ticket).values(*columns).first()
    assert as_created["policy_id"] == tagged.pk  # the tags came from the creating batch
    refresh_ticket_sla(ticket=ticket, at=MONDAY_MORNING, record=False)
    assert TicketSla.objects.filter(ticket=ticket).values(*columns).first() == as_created
