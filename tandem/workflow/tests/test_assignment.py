"""Assignment strategies with availability, capacity and skills; waiting visibly; going offline."""

import datetime as dt

import pytest
from django.utils import timezone

from tandem.people.actors import Actor
from tandem.people.models import Agent, Team
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import TicketEvent
from tandem.workflow.assignment import Candidate, choose
from tandem.workflow.assignment_availability import (
    lower_idle_availability,
    set_agent_availability,
    touch_agent_activity,
)
from tandem.workflow.models import RoutingRule, TicketRouting
from tandem.workflow.rule_cache import rules_changed

pytestmark = pytest.mark.django_db
Kind = TicketEvent.Kind
Online = Agent.Availability.ONLINE


def desk(strategy, *people):
    """A team with the strategy and one agent per (availability, capacity, skills)."""
    team = factories.make_team(name=f"Team {strategy}", track="support", tier=1)
    Team.objects.filter(pk=team.pk).update(assignment_strategy=strategy)
    agents = []
    for availability, capacity, skills in people:
        agent = factories.make_agent(teams=[team])
        Agent.objects.filter(pk=agent.pk).update(
            availability=availability, capacity=capacity, skills=skills
        )
        agents.append(Agent.objects.get(pk=agent.pk))
    team.refresh_from_db()
    return team, agents


def new_ticket(team, **fields):
    ticket = factories.make_ticket(team=team, **fields)
    ticket.refresh_from_db()
    return ticket


def test_round_robin_takes_turns_fairly():
    team, (a, b, c) = desk("round_robin", *[(Online, None, [])] * 3)
    assignees = [new_ticket(team).assignee for _ in range(6)]
    assert assignees == [a, b, c, a, b, c]


def test_round_robin_event_says_why():
    team, (a,) = desk("round_robin", (Online, None, []))
    ticket = new_ticket(team)
    event = ticket.events.get(kind=Kind.ASSIGNEE_CHANGED)
    assert event.actor_kind == "system"
    assert event.data["reason"] == "round robin: next available agent"
    assert event.data["to"] == a.pk


def test_round_robin_skips_away_offline_and_full_agents():
    team, (away, offline, full, free) = desk(
        "round_robin",
        ("away", None, []),
        ("offline", None, []),
        (Online, 0, []),
        (Online, None, []),
    )
    assert {new_ticket(team).assignee for _ in range(3)} == {free}


def test_least_loaded_picks_the_agent_with_fewest_open_tickets():
    team, (busy, idle) = desk("least_loaded", (Online, None, []), (Online, None, []))
    for _ in range(2):
        factories.make_ticket(assignee=busy)
    ticket = new_ticket(team)
    assert ticket.assignee == idle
    assert ticket.events.get(kind=Kind.ASSIGNEE_CHANGED).data["reason"].startswith("least loaded")


def test_capacity_counts_only_open_tickets():
    team, (agent,) = desk("least_loaded", (Online, 1, []))
    first = new_ticket(team)
    assert first.assignee == agent
    assert new_ticket(team).assignee is None  # full
    solved = actions.update_ticket(actor=Actor.for_agent(agent), ticket=first, status="solved")
    assert solved.status == "solved"
    assert new_ticket(team).assignee == agent


def test_skill_from_a_routing_rule_goes_to_an_agent_who_has_it():
    team, (english, german) = desk("round_robin", (Online, None, ["en"]), (Online, None, ["DE"]))
    RoutingRule.objects.create(
        name="German",
        conditions={"rules": [{"field": "subject", "op": "contains", "value": "hallo"}]},
        set_team=team,
        require_skill="de",
    )
    rules_changed()  # written past the actions: tell the cached rules, as they do
    assert {new_ticket(None, subject="Hallo zusammen").assignee for _ in range(2)} == {german}


def test_skill_from_a_custom_field():
    actions.create_custom_field(entity="ticket", label="Required skill", kind="text")
    team, (plain, mobile) = desk("least_loaded", (Online, None, []), (Online, None, ["mobile"]))
    ticket = new_ticket(team, custom_fields={"required_skill": "mobile"})
    assert ticket.assignee == mobile


def test_nobody_eligible_waits_visibly_and_is_assigned_when_someone_comes_online():
    team, (agent,) = desk("round_robin", ("offline", None, ["de"]))
    RoutingRule.objects.create(name="German", conditions={}, set_team=team, require_skill="de")
    rules_changed()
    ticket = new_ticket(None)
    assert ticket.assignee is None
    routing = TicketRouting.objects.get(ticket=ticket)
    assert "skill 'de'" in routing.waiting_for and routing.waiting_since
    set_agent_availability(agent=agent, availability=Online)
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    routing.refresh_from_db()
    assert routing.waiting_for == ""


def test_manual_teams_are_not_assigned():
    team, _ = desk("manual", (Online, None, []))
    assert new_ticket(team).assignee is None


def test_escalation_into_a_round_robin_team_assigns_there(customer, agent):
    tier1 = factories.make_team(name="T1", track="support", tier=1)
    tier2, (specialist,) = desk("round_robin", (Online, None, []))
    Team.objects.filter(pk=tier2.pk).update(tier=2)
    ticket = factories.make_ticket(contact=customer, team=tier1)
    escalated = actions.escalate_ticket(actor=Actor.for_agent(agent), ticket=ticket, note="Logs")
    assert escalated.team == tier2 and escalated.assignee == specialist


def test_going_offline_hands_new_unanswered_tickets_over_when_the_team_says_so():
    team, (leaving, staying) = desk("round_robin", (Online, None, []), (Online, None, []))
    Team.objects.filter(pk=team.pk).update(reassign_when_offline=True)
    ticket = new_ticket(team)
    assert ticket.assignee == leaving
    set_agent_availability(agent=leaving, availability="offline")
    ticket.refresh_from_db()
    assert ticket.assignee == staying
    reasons = [e.data.get("reason") for e in ticket.events.filter(kind=Kind.ASSIGNEE_CHANGED)]
    assert f"{leaving.name} went offline before answering" in reasons


def test_going_offline_keeps_tickets_when_the_team_does_not_ask():
    team, (leaving, staying) = desk("round_robin", (Online, None, []), (Online, None, []))
    ticket = new_ticket(team)
    set_agent_availability(agent=leaving, availability="offline")
    ticket.refresh_from_db()
    assert ticket.assignee == leaving


def test_inactivity_lowers_availability_and_activity_brings_an_away_agent_back():
    team, (agent,) = desk("manual", (Online, None, []))
    now = timezone.now()
    Agent.objects.filter(pk=agent.pk).update(last_active_at=now - dt.timedelta(minutes=20))
    assert lower_idle_availability(now=now) == 1
    agent.refresh_from_db()
    assert agent.availability == "away"
    touch_agent_activity(agent)
    agent.refresh_from_db()
    assert agent.availability == "online"
    Agent.objects.filter(pk=agent.pk).update(last_active_at=now - dt.timedelta(hours=2))
    lower_idle_availability(now=now)
    agent.refresh_from_db()
    assert agent.availability == "offline"


def test_choose_on_plain_values_wraps_round_robin_after_the_last():
    people = [Candidate(i, True, 0, None, frozenset()) for i in (3, 5, 9)]
    assert choose("round_robin", people, [], 9)[0].agent_id == 3
    assert choose("round_robin", people, [], 4)[0].agent_id == 5
    assert choose("round_robin", [], [], None) == (None, "waiting for an agent: the team has none")


def test_changing_a_ticket_counts_as_activity(ticket, agent, client):
    Agent.objects.filter(pk=agent.pk).update(availability="away")
    agent.refresh_from_db()
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="high")
    agent.refresh_from_db()
    assert agent.availability == "online" and agent.last_active_at is not None


def test_the_workspace_switch_sets_availability(client, agent):
    client.force_login(agent.user)
    page = client.get("/inbox/")
    assert 'id="my-availability"' in page.content.decode()
    response = client.post("/me/availability/", {"availability": "online", "next": "/inbox/"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    agent.refresh_from_db()
    assert agent.availability == "online"
    response = client.post("/me/availability/", {"availability": "asleep", "next": "https://x"})
    assert response["Location"] == "/"
    agent.refresh_from_db()
    assert agent.availability == "online"


def test_the_ticket_header_shows_what_an_unassigned_ticket_waits_for(client, admin):
    team, _ = desk("round_robin", ("offline", None, []))
    ticket = new_ticket(team)
    client.force_login(admin.user)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Waiting for an online agent under capacity" in page


@pytest.mark.django_db(transaction=True)
def test_round_robin_under_concurrency_never_gives_two_tickets_to_one_agent():
    """Two tickets created at once in two connections: the team row lock serialises the
    pointer. Needs a database with row locks (PostgreSQL, as in CI)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    team, agents = desk("round_robin", (Online, None, []), (Online, None, []))
    contact = factories.make_contact()

    def create(_):
        try:
            return new_ticket(team, contact=contact).assignee_id
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        assignees = list(pool.map(create, range(4)))
    assert sorted(assignees) == sorted([agents[0].pk, agents[1].pk] * 2)
