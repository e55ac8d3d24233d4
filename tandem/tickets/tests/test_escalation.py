"""Escalating up the support tiers and back: the actions, the ticket page's form, the path."""

import pytest
from django.urls import reverse

from tandem.core.errors import InvalidInput, NotAllowed
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import Message, TicketEvent
from tandem.workflow.escalation import escalation_path, ticket_escalation_path

pytestmark = pytest.mark.django_db
Kind = TicketEvent.Kind


@pytest.fixture
def tiers(team):
    """Tier 1 is the `team` fixture (the ticket's team); tiers 2 and 3 exist too."""
    return {
        1: team,
        2: factories.make_team(name="Support Tier 2", track="support", tier=2),
        3: factories.make_team(name="Support Tier 3", track="support", tier=3),
    }


def escalate(ticket, agent, note="Cleared cache, re-paired the device", **kw):
    return actions.escalate_ticket(actor=Actor.for_agent(agent), ticket=ticket, note=note, **kw)


def test_escalation_goes_to_the_next_tier_with_the_note_and_an_event(ticket, agent, tiers):
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, assignee=agent)
    escalated = escalate(ticket, agent)
    assert escalated.team == tiers[2] and escalated.assignee is None
    note = escalated.messages.get(visibility=Message.Visibility.INTERNAL)
    assert note.body == "Cleared cache, re-paired the device"
    event = escalated.events.get(kind=Kind.ESCALATED)
    assert event.message == note
    assert event.actor_agent == agent
    assert event.data == {
        "from_team": tiers[1].pk,
        "from_team_name": "Support Tier 1",
        "from_tier": 1,
        "to_team": tiers[2].pk,
        "to_team_name": "Support Tier 2",
        "to_tier": 2,
    }
    assert escalate(escalated, agent, note="Needs a code fix").team == tiers[3]


def test_escalation_from_outside_support_starts_at_tier_one(customer, agent, tiers, other_team):
    ticket = factories.make_ticket(contact=customer, team=other_team)
    escalated = escalate(ticket, agent)
    assert escalated.team == tiers[1] and escalated.track == "support"
    # Arriving at tier 1 is routing, not an escalation (METRICS.md counts higher tiers).
    assert not escalated.events.filter(kind=Kind.ESCALATED).exists()


def test_escalation_to_a_chosen_team(ticket, agent, tiers):
    assert escalate(ticket, agent, team=tiers[3]).team == tiers[3]


@pytest.mark.parametrize("note", ["", "   "])
def test_escalation_requires_a_note_and_writes_nothing_without(ticket, agent, tiers, note):
    before = ticket.events.count()
    with pytest.raises(InvalidInput) as caught:
        escalate(ticket, agent, note=note)
    assert [e.field for e in caught.value.errors] == ["note"]
    ticket.refresh_from_db()
    assert ticket.team == tiers[1] and ticket.events.count() == before
    assert not ticket.messages.filter(visibility="internal").exists()


def test_no_escalation_beyond_the_highest_tier(ticket, agent, tiers):
    ticket = escalate(ticket, agent, team=tiers[3])
    with pytest.raises(InvalidInput) as caught:
        escalate(ticket, agent)
    assert caught.value.errors[0].field == "team"
    assert "highest tier" in caught.value.errors[0].message


def test_no_escalation_to_a_missing_tier_or_a_lower_team(ticket, agent, team):
    with pytest.raises(InvalidInput, match="no support team has tier 2"):
        escalate(ticket, agent)
    with pytest.raises(InvalidInput, match="not above tier 1"):
        escalate(ticket, agent, team=team)


def test_closed_tickets_and_light_agents_cannot_escalate(ticket, agent, light_agent, tiers):
    with pytest.raises(NotAllowed):
        escalate(ticket, light_agent)
    solved = actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="solved")
    closed = actions.update_ticket(actor=Actor.for_agent(agent), ticket=solved, status="closed")
    with pytest.raises(InvalidInput, match="closed"):
        escalate(closed, agent)


def test_de_escalation_goes_back_where_the_ticket_came_from(ticket, agent, tiers):
    ticket = escalate(ticket, agent, team=tiers[3])
    back = actions.de_escalate_ticket(
        actor=Actor.for_agent(agent), ticket=ticket, note="Config issue after all"
    )
    assert back.team == tiers[1]
    event = back.events.get(kind=Kind.DE_ESCALATED)
    assert (event.data["from_tier"], event.data["to_tier"]) == (3, 1)
    assert event.message.body == "Config issue after all"


def test_de_escalation_without_history_goes_one_tier_down(customer, agent, tiers):
    ticket = factories.make_ticket(contact=customer, team=tiers[3])
    back = actions.de_escalate_ticket(actor=Actor.for_agent(agent), ticket=ticket, note="Not a bug")
    assert back.team == tiers[2]


def test_de_escalation_needs_a_lower_tier_and_a_note(ticket, agent, tiers):
    with pytest.raises(InvalidInput, match="no lower tier"):
        actions.de_escalate_ticket(actor=Actor.for_agent(agent), ticket=ticket, note="why")
    ticket = escalate(ticket, agent)
    with pytest.raises(InvalidInput) as caught:
        actions.de_escalate_ticket(actor=Actor.for_agent(agent), ticket=ticket, note="")
    assert caught.value.errors[0].field == "note"


def test_escalation_path_follows_the_events(ticket, agent, tiers):
    assert ticket_escalation_path(ticket) == []
    ticket = escalate(ticket, agent)
    ticket = escalate(ticket, agent)
    assert ticket_escalation_path(ticket) == ["Support Tier 1", "Support Tier 2", "Support Tier 3"]


def test_escalation_path_from_plain_values():
    moves = [
        {"from_team_name": None, "to_team_name": "Tier 2", "to_tier": 2},
        {"from_team_name": "Tier 2", "to_team_name": "Engineering", "to_tier": 3},
        {"from_team_name": "Engineering", "to_team_name": "Tier 2", "to_tier": 2},
    ]
    assert escalation_path(moves) == ["Tier 2", "Engineering", "Tier 2"]
    assert escalation_path([]) == []


# --- the ticket page -------------------------------------------------------------


def test_ticket_page_escalates_with_a_note_and_shows_the_path(client, ticket, agent, tiers):
    client.force_login(agent.user)
    page = client.get(reverse("tickets:detail", args=[ticket.number]))
    assert b'action="/tickets/%d/escalate/"' % ticket.number in page.content
    response = client.post(
        reverse("tickets:escalate", args=[ticket.number]), {"note": "Logs show a server error"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.team == tiers[2]
    page = client.get(reverse("tickets:detail", args=[ticket.number]))
    assert "Support Tier 1 → Support Tier 2" in page.content.decode()


def test_ticket_page_refuses_escalation_without_a_note(client, ticket, agent, tiers):
    client.force_login(agent.user)
    response = client.post(reverse("tickets:escalate", args=[ticket.number]), {"note": " "})
    assert response.status_code == 422
    assert 'id="escalation-note-error"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.team == tiers[1]


def test_ticket_page_de_escalates_to_a_chosen_team(client, ticket, agent, tiers):
    ticket = escalate(ticket, agent, team=tiers[3])
    client.force_login(agent.user)
    response = client.post(
        reverse("tickets:de_escalate", args=[ticket.number]),
        {"note": "Workaround found", "team": str(tiers[2].pk)},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.team == tiers[2]


def test_light_agents_cannot_escalate_from_the_page(client, ticket, light_agent, tiers):
    client.force_login(light_agent.user)
    response = client.post(reverse("tickets:escalate", args=[ticket.number]), {"note": "x"})
    assert response.status_code == 403


def test_an_agent_who_cannot_follow_the_ticket_lands_back_in_the_inbox(client, ticket, tiers):
    restricted = factories.make_agent(teams=[tiers[1]], ticket_access="teams")
    client.force_login(restricted.user)
    response = client.post(
        reverse("tickets:escalate", args=[ticket.number]), {"note": "Over to you"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("tickets:inbox")
