"""Who sees which ticket, and keyset pages without gaps or duplicates."""

import pytest
from django.http import Http404

from tandem.people.actions import update_organization
from tandem.people.actors import Actor
from tandem.testing.factories import make_contact, make_organization, make_ticket
from tandem.tickets import actions, queries

pytestmark = pytest.mark.django_db


def test_all_access_agents_and_admins_see_every_ticket(ticket, agent, admin, other_team):
    elsewhere = make_ticket(team=other_team)
    for person in (agent, admin):
        assert set(queries.tickets_visible_to(person)) == {ticket, elsewhere}


def test_team_restricted_agent_and_light_agent_see_their_teams_only(
    ticket, other_team, other_team_agent, light_agent
):
    elsewhere = make_ticket(team=other_team)
    unassigned_team = make_ticket()
    assert list(queries.tickets_visible_to(other_team_agent)) == [elsewhere]
    assert list(queries.tickets_visible_to(light_agent)) == [ticket]
    with pytest.raises(Http404):
        queries.ticket_for(other_team_agent, ticket.number)
    with pytest.raises(Http404):
        queries.ticket_for(light_agent, unassigned_team.number)


def test_deactivated_agent_sees_nothing(ticket, agent):
    agent.user.is_active = False
    agent.user.save()
    assert not queries.tickets_visible_to(agent).exists()


def test_ticket_for_rejects_garbage_numbers(agent):
    for number in ("abc", None, "1; drop table"):
        with pytest.raises(Http404):
            queries.ticket_for(agent, number)


def test_customer_sees_own_followed_and_shared_organization_requests():
    org = make_organization(name="Acme", domains=["acme.test"])
    alice = make_contact(email="alice@acme.test")
    bob = make_contact(email="bob@acme.test")
    stranger = make_contact(email="eve@other.test")
    own = make_ticket(contact=alice)
    colleague = make_ticket(contact=bob)
    foreign = make_ticket(contact=stranger)
    foreign.followers.add(alice)
    assert alice.organization == org
    assert set(queries.requests_visible_to(alice)) == {own, foreign}
    update_organization(organization=org, shares_requests=True)
    alice.refresh_from_db()
    assert set(queries.requests_visible_to(alice)) == {own, foreign, colleague}
    assert set(queries.requests_visible_to(stranger)) == {foreign}
    with pytest.raises(Http404):
        queries.request_for(stranger, own.number)


def test_inbox_views_select_the_right_tickets(agent, customer):
    actor = Actor.for_agent(agent)
    mine = make_ticket(contact=customer, assignee=agent, track="support")
    unassigned = make_ticket(contact=customer)
    solved = make_ticket(contact=customer)
    actions.update_ticket(actor=actor, ticket=solved, status="solved")

    def numbers(view, **filters):
        page = queries.inbox_page(agent, view=view, filters=queries.InboxFilters(**filters))
        return [t.number for t in page.items]

    assert numbers("mine") == [mine.number]
    assert numbers("unassigned") == [unassigned.number]
    assert numbers("support") == [mine.number]
    assert numbers("service") == [unassigned.number]
    assert set(numbers("open")) == {mine.number, unassigned.number}
    assert numbers("solved") == [solved.number]
    assert numbers("open", assignee=0) == [unassigned.number]
    assert numbers("open", track="support") == [mine.number]


def test_keyset_pages_cover_everything_once_even_with_equal_timestamps(agent, customer):
    tickets = [make_ticket(contact=customer) for _ in range(7)]
    # Same updated_at for all: the number breaks ties, so paging stays exact.
    from tandem.tickets.models import Ticket

    Ticket.objects.update(updated_at=tickets[0].updated_at)
    for sort in queries.SORTS:
        seen, cursor = [], ""
        while True:
            page = queries.inbox_page(agent, view="open", sort=sort, cursor=cursor, size=3)
            seen += [t.number for t in page.items]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert sorted(seen) == sorted(t.number for t in tickets), sort
        assert len(seen) == len(set(seen))


def test_tampered_cursor_is_a_value_error(agent):
    with pytest.raises(ValueError):
        queries.inbox_page(agent, cursor="not-a-cursor")


def test_timeline_interleaves_messages_and_events_and_hides_notes_on_request(ticket, agent):
    actor = Actor.for_agent(agent)
    actions.add_message(actor=actor, ticket=ticket, body="note", visibility="internal")
    actions.add_message(actor=actor, ticket=ticket, body="reply", status="pending")
    full = queries.timeline(ticket)
    described = [e.message.body if e.message else e.event.kind for e in full]
    assert described == [
        "The login page says my password is wrong.",
        "note",
        "reply",
        "status_changed",
    ]
    public = queries.timeline(ticket, include_internal=False, include_events=False)
    assert [e.message.body for e in public] == [
        "The login page says my password is wrong.",
        "reply",
    ]


def test_contact_summary_counts_all_but_lists_only_visible(
    customer, other_team, other_team_agent, ticket
):
    visible = make_ticket(contact=customer, team=other_team)
    summary = queries.contact_summary(other_team_agent, customer)
    assert summary.ticket_count == 2 and summary.unsolved_count == 2
    assert summary.recent == [visible]


def test_forged_number_cursor_is_a_value_error(agent):
    forged = queries.encode_cursor(None, 5)
    with pytest.raises(ValueError):
        queries.inbox_page(agent, sort="number", cursor=forged)
