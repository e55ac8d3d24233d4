"""SLA clocks kept by the bus subscriber: start, business time, pauses, cycles, recompute."""

from __future__ import annotations

import pytest

from tandem.people.actors import Actor
from tandem.tickets import actions as ticket_actions
from tandem.tickets.models import TicketEvent
from tandem.workflow.models import TicketSla
from tandem.workflow.tests.sla_setup import (
    agent_reply,
    customer_reply,
    make_calendar,
    make_policy,
    open_ticket,
    utc,
)

pytestmark = pytest.mark.django_db
Kind = TicketEvent.Kind


@pytest.fixture
def berlin_team(team):
    team.calendar = make_calendar()
    team.save(update_fields=["calendar"])
    return team


def sla_events(ticket, kind):
    return list(ticket.events.filter(kind=kind).order_by("id").values_list("data", flat=True))


def test_new_ticket_gets_business_hour_due_times_on_the_team_calendar(berlin_team):
    make_policy()
    # Fri 2026-03-27 16:00 CET = 15:00Z: one open hour left on Friday; the weekend holds
    # the switch to CEST; Monday opens 09:00 CEST = 07:00Z.
    ticket = open_ticket(at=utc(2026, 3, 27, 15, 0), team=berlin_team)
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.first_response_due_at == utc(2026, 3, 27, 16, 0)  # 60 min: 17:00 CET Friday
    # 480 min: 60 on Friday, then 420 from Monday 07:00Z -> 14:00Z
    assert sla.resolution_due_at == utc(2026, 3, 30, 14, 0)
    assert sla.next_response_due_at is None
    assert sla.next_due_at == utc(2026, 3, 27, 16, 0)
    assert sla.next_alarm_at == utc(2026, 3, 27, 15, 30)  # 30 warning minutes before
    (applied,) = sla_events(ticket, Kind.SLA_APPLIED)
    assert applied["to"] == "Standard" and applied["from"] is None
    assert applied["reason"] == Kind.CREATED


def test_ticket_without_team_counts_calendar_time(db):
    make_policy()
    ticket = open_ticket(at=utc(2026, 3, 27, 15, 0))
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.resolution_due_at == utc(2026, 3, 27, 23, 0)


def test_no_matching_policy_means_no_clocks(db):
    make_policy(conditions={"plans": ["enterprise"]})
    ticket = open_ticket(at=utc(2026, 3, 27, 15, 0))
    assert not TicketSla.objects.filter(ticket=ticket).exists()
    assert sla_events(ticket, Kind.SLA_APPLIED) == []


def test_first_public_agent_reply_meets_first_response_but_a_note_does_not(berlin_team, agent):
    make_policy()
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0), team=berlin_team)
    agent_reply(ticket, agent, at=utc(2026, 3, 30, 7, 10), visibility="internal")
    assert TicketSla.objects.get(ticket=ticket).first_response_met_at is None
    agent_reply(ticket, agent, at=utc(2026, 3, 30, 7, 40))
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.first_response_met_at == utc(2026, 3, 30, 7, 40)
    (met,) = sla_events(ticket, Kind.SLA_MET)
    assert met["metric"] == "first_response" and met["on_time"] is True


def test_late_first_reply_is_met_and_breached_once(berlin_team, agent):
    make_policy()
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0), team=berlin_team)
    agent_reply(ticket, agent, at=utc(2026, 3, 30, 9, 0))
    (breach,) = sla_events(ticket, Kind.SLA_BREACHED)
    assert breach["metric"] == "first_response"
    (met,) = sla_events(ticket, Kind.SLA_MET)
    assert met["on_time"] is False


def test_next_response_cycle_starts_with_customer_follow_up_after_agent_reply(berlin_team, agent):
    make_policy()
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0), team=berlin_team)
    customer_reply(ticket, at=utc(2026, 3, 30, 7, 5))  # before any reply: no cycle
    assert TicketSla.objects.get(ticket=ticket).next_response_cycle == 0
    agent_reply(ticket, agent, at=utc(2026, 3, 30, 7, 30))
    customer_reply(ticket, at=utc(2026, 3, 30, 8, 0))
    customer_reply(ticket, at=utc(2026, 3, 30, 8, 30))  # same cycle, does not restart it
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.next_response_cycle == 1
    assert sla.next_response_due_at == utc(2026, 3, 30, 10, 0)
    agent_reply(ticket, agent, at=utc(2026, 3, 30, 9, 0))
    customer_reply(ticket, at=utc(2026, 3, 30, 14, 30))  # 16:30 CEST: 30 min left today
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.next_response_cycle == 2
    assert sla.next_response_met_at is None
    assert sla.next_response_due_at == utc(2026, 3, 31, 8, 30)  # 90 min more on Tuesday
    met = [e["metric"] for e in sla_events(ticket, Kind.SLA_MET)]
    assert met == ["first_response", "next_response"]


def test_pending_pauses_and_customer_reply_resumes_with_remaining_business_time(berlin_team, agent):
    make_policy()
    # Mon 09:00 CEST; resolution due after 8 open hours = Mon 15:00Z.
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0), team=berlin_team)
    agent_reply(ticket, agent, at=utc(2026, 3, 30, 9, 0), status="pending")  # 2h used
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.resolution_due_at is None
    assert sla.remaining == {"resolution": 6 * 3600}
    assert sla.next_due_at is None and sla.next_alarm_at is None
    # The customer answers on Wednesday 10:00 CEST: 6 open hours from then -> 16:00 CEST.
    customer_reply(ticket, at=utc(2026, 4, 1, 8, 0))
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.remaining == {}
    assert sla.resolution_due_at == utc(2026, 4, 1, 14, 0)
    assert sla.next_response_due_at == utc(2026, 4, 1, 10, 0)


def test_on_hold_does_not_pause_when_policy_says_so(berlin_team, agent):
    make_policy(pause_when_on_hold=False)
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0), team=berlin_team)
    ticket_actions.update_ticket(
        actor=Actor.for_agent(agent), ticket=ticket, status="on_hold", at=utc(2026, 3, 30, 8, 0)
    )
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.resolution_due_at == utc(2026, 3, 30, 15, 0)
    assert sla.remaining == {}


def test_solving_meets_resolution_and_reopening_resumes_it(berlin_team, agent):
    make_policy()
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0), team=berlin_team)
    agent_reply(ticket, agent, at=utc(2026, 3, 30, 8, 0), status="solved")  # 1h used, 7h left
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.resolution_met_at == utc(2026, 3, 30, 8, 0)
    assert sla.next_due_at is None
    metrics = [e["metric"] for e in sla_events(ticket, Kind.SLA_MET)]
    assert metrics == ["first_response", "resolution"]
    # Reopened by the customer on Tuesday 09:00 CEST: 7 open hours -> 16:00 CEST.
    customer_reply(ticket, at=utc(2026, 3, 31, 7, 0))
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.resolution_met_at is None
    assert sla.resolution_due_at == utc(2026, 3, 31, 14, 0)


def test_priority_change_recomputes_targets_and_says_why(berlin_team, agent):
    make_policy(
        minutes={
            "normal": {"first_response": 240, "resolution": 960},
            "urgent": {"first_response": 30, "resolution": 120},
        }
    )
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0), team=berlin_team)
    assert TicketSla.objects.get(ticket=ticket).first_response_due_at == utc(2026, 3, 30, 11, 0)
    ticket_actions.update_ticket(
        actor=Actor.for_agent(agent), ticket=ticket, priority="urgent", at=utc(2026, 3, 30, 7, 10)
    )
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.first_response_due_at == utc(2026, 3, 30, 7, 30)
    assert sla.resolution_due_at == utc(2026, 3, 30, 9, 0)
    assert sla.targets["first_response"] == {"minutes": 30, "business_hours": True}
    created, changed = sla_events(ticket, Kind.SLA_APPLIED)
    assert changed["reason"] == Kind.PRIORITY_CHANGED
    assert changed["from"] == "Standard" and changed["to"] == "Standard"
    assert changed["because"] == "priority changed to urgent"


def test_tag_change_moves_ticket_to_the_first_matching_policy(berlin_team, agent):
    make_policy(name="VIP", position=1, conditions={"tags": ["vip"]}, minutes={"resolution": 60})
    make_policy(name="Standard", position=2)
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0), team=berlin_team)
    assert TicketSla.objects.get(ticket=ticket).policy.name == "Standard"
    ticket_actions.update_ticket(
        actor=Actor.for_agent(agent), ticket=ticket, add_tags=["vip"], at=utc(2026, 3, 30, 7, 5)
    )
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.policy.name == "VIP"
    assert sla.first_response_due_at is None
    assert sla.resolution_due_at == utc(2026, 3, 30, 8, 0)
    last = sla_events(ticket, Kind.SLA_APPLIED)[-1]
    assert (last["from"], last["to"], last["reason"]) == ("Standard", "VIP", Kind.TAGS_CHANGED)


def test_team_change_recomputes_on_the_new_calendar(berlin_team, other_team, agent):
    other_team.calendar = make_calendar(name="New York", time_zone="America/New_York")
    other_team.save(update_fields=["calendar"])
    make_policy()
    # Mon 2026-03-30 07:00Z is 03:00 in New York (EDT): the desk there opens 13:00Z.
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0), team=berlin_team)
    ticket_actions.update_ticket(
        actor=Actor.for_agent(agent), ticket=ticket, team=other_team, at=utc(2026, 3, 30, 7, 5)
    )
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.first_response_due_at == utc(2026, 3, 30, 14, 0)
    assert sla_events(ticket, Kind.SLA_APPLIED)[-1]["reason"] == Kind.TEAM_CHANGED


def test_changing_a_policy_recomputes_open_tickets_after_commit(
    berlin_team, django_capture_on_commit_callbacks
):
    from tandem.workflow import actions
    from tandem.workflow.actions import TargetInput

    policy = make_policy()
    ticket = open_ticket(at=utc(2026, 3, 30, 7, 0), team=berlin_team)
    with django_capture_on_commit_callbacks(execute=True):
        actions.update_sla_policy(
            policy=policy,
            name="Standard",
            conditions={},
            targets=[TargetInput(priority="normal", metric="first_response", minutes=30)],
            pause_when_pending=True,
            pause_when_on_hold=True,
            warning_minutes=10,
            active=True,
        )
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.first_response_due_at == utc(2026, 3, 30, 7, 30)
    assert sla.resolution_due_at is None
    last = sla_events(ticket, Kind.SLA_APPLIED)[-1]
    assert last["reason"] == "recomputed" and last["because"] == "policies changed"
