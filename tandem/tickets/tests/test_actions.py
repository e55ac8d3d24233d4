"""The ticket write path: status machine in practice, events, counters, permissions."""

import datetime as dt

import pytest
from django.utils import timezone

from tandem.core.errors import InvalidInput, NotAllowed
from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.tickets.actions import IncomingFile
from tandem.tickets.models import Message, Ticket, TicketEvent, TicketLink

pytestmark = pytest.mark.django_db
Kind = TicketEvent.Kind


def kinds(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))


def test_create_ticket_writes_ticket_first_message_and_events(customer, team):
    ticket = actions.create_ticket(
        actor=Actor.for_contact(customer),
        contact=customer,
        subject="  Refund please ",
        body="I was charged twice.",
        channel="portal",
        team=team,
        tags=["Billing", "billing"],
    )
    assert ticket.subject == "Refund please"
    assert ticket.status == "new" and ticket.unsolved is True
    assert ticket.track == "support"  # taken from the team
    assert ticket.message_count == 1
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing"]
    message = ticket.messages.get()
    assert message.author_kind == "contact" and message.author_contact == customer
    assert message.html == ""  # plain text: rendered when shown
    assert message.display_html() == "<p>I was charged twice.</p>"
    assert kinds(ticket) == [Kind.CREATED, Kind.MESSAGE_ADDED]
    created = ticket.events.get(kind=Kind.CREATED)
    assert created.actor_kind == "contact" and created.actor_contact == customer
    assert created.data["channel"] == "portal" and created.data["team"] == team.pk


def test_create_ticket_names_every_bad_field_and_writes_nothing(customer, as_agent):
    with pytest.raises(InvalidInput) as caught:
        actions.create_ticket(
            actor=as_agent, contact=customer, subject="", body="", priority="asap", track="sales"
        )
    assert {e.field for e in caught.value.errors} == {"subject", "body", "priority", "track"}
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0


def test_ticket_created_by_agent_keeps_customer_as_author_and_records_who_typed(customer, agent):
    ticket = actions.create_ticket(
        actor=Actor.for_agent(agent),
        contact=customer,
        subject="Phone call",
        body="Caller cannot print invoices",
    )
    message = ticket.messages.get()
    assert message.author_kind == "contact" and message.meta["entered_by"] == agent.pk
    assert ticket.events.get(kind=Kind.CREATED).actor_agent == agent


def test_first_public_reply_opens_ticket_and_sets_first_response(ticket, agent):
    at = timezone.now() + dt.timedelta(minutes=5)
    actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Try resetting.", at=at)
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.first_response_at == at and ticket.last_agent_reply_at == at
    assert ticket.message_count == 2
    change = ticket.events.get(kind=Kind.STATUS_CHANGED)
    assert change.data == {"from": "new", "to": "open"}


def test_internal_note_changes_no_status_and_no_response_time(ticket, agent):
    actions.add_message(
        actor=Actor.for_agent(agent), ticket=ticket, body="Looks like SSO", visibility="internal"
    )
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.first_response_at is None
    assert ticket.message_count == 2
    assert not ticket.events.filter(kind=Kind.STATUS_CHANGED).exists()


def test_reply_with_status_solves_and_customer_reply_reopens(ticket, agent, customer):
    actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Fixed", status="solved")
    ticket.refresh_from_db()
    assert ticket.status == "solved" and ticket.solved_at is not None and not ticket.unsolved
    actions.add_message(actor=Actor.for_contact(customer), ticket=ticket, body="Not fixed")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.unsolved
    reopen = ticket.events.filter(kind=Kind.STATUS_CHANGED).last()
    assert reopen.data == {
        "from": "solved",
        "to": "open",
        "reason": "customer_message",
        "reopened": True,
    }
    assert reopen.actor_contact == customer


def test_customer_message_on_pending_ticket_reopens_it(ticket, agent, customer):
    actions.add_message(
        actor=Actor.for_agent(agent), ticket=ticket, body="Which browser?", status="pending"
    )
    actions.add_message(actor=Actor.for_contact(customer), ticket=ticket, body="Firefox")
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_message_to_closed_ticket_starts_linked_followup(ticket, agent, customer):
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="solved")
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="closed")
    message = actions.add_message(
        actor=Actor.for_contact(customer), ticket=ticket, body="It happened again"
    )
    followup = message.ticket
    assert followup.pk != ticket.pk
    assert followup.followup_of == ticket and followup.subject == ticket.subject
    assert followup.messages.get().body == "It happened again"
    assert TicketLink.objects.filter(source=followup, target=ticket, kind="followup").exists()
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.message_count == 1
    assert ticket.events.filter(kind=Kind.FOLLOWUP_CREATED).get().data == {
        "followup": followup.number
    }


def test_closed_ticket_refuses_changes(ticket, agent):
    actor = Actor.for_agent(agent)
    actions.update_ticket(actor=actor, ticket=ticket, status="solved")
    actions.update_ticket(actor=actor, ticket=ticket, status="closed")
    with pytest.raises(InvalidInput):
        actions.update_ticket(actor=actor, ticket=ticket, priority="urgent")
    ticket.refresh_from_db()
    assert ticket.priority == "normal"


def test_invalid_transition_is_refused(ticket, agent):
    with pytest.raises(InvalidInput) as caught:
        actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="closed")
    assert caught.value.errors[0].field == "status"
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_light_agent_adds_notes_but_never_replies_or_edits(ticket, light_agent):
    actor = Actor.for_agent(light_agent)
    note = actions.add_message(
        actor=actor, ticket=ticket, body="Engineering: bug #123", visibility="internal"
    )
    assert note.visibility == "internal" and note.author_agent == light_agent
    before = kinds(ticket)
    with pytest.raises(NotAllowed):
        actions.add_message(actor=actor, ticket=ticket, body="Hi customer")
    with pytest.raises(NotAllowed):
        actions.update_ticket(actor=actor, ticket=ticket, priority="high")
    with pytest.raises(NotAllowed):
        actions.add_message(
            actor=actor, ticket=ticket, body="note", visibility="internal", status="solved"
        )
    assert kinds(ticket) == before
    assert ticket.messages.count() == 2


def test_customers_cannot_write_internal_notes(ticket, customer):
    with pytest.raises(NotAllowed):
        actions.add_message(
            actor=Actor.for_contact(customer), ticket=ticket, body="x", visibility="internal"
        )
    assert ticket.messages.count() == 1


def test_update_ticket_records_one_event_per_changed_property(ticket, agent, admin, other_team):
    ticket = actions.update_ticket(
        actor=Actor.for_agent(admin),
        ticket=ticket,
        priority="urgent",
        assignee=agent,
        team=other_team,
        tags=["vip"],
        subject="Cannot log in (SSO)",
    )
    assert ticket.track == "service"  # follows the new team
    assert sorted(kinds(ticket)[2:]) == sorted(
        [
            Kind.SUBJECT_CHANGED,
            Kind.PRIORITY_CHANGED,
            Kind.TEAM_CHANGED,
            Kind.TRACK_CHANGED,
            Kind.ASSIGNEE_CHANGED,
            Kind.TAGS_CHANGED,
        ]
    )
    assignee = ticket.events.get(kind=Kind.ASSIGNEE_CHANGED)
    assert assignee.data == {
        "from": None,
        "to": agent.pk,
        "names": {"from": None, "to": agent.name},
    }
    assert assignee.actor_agent == admin


def test_update_with_no_real_change_writes_no_event_and_keeps_activity_time(ticket, agent):
    before = kinds(ticket)
    updated_at = ticket.updated_at
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="normal", tags=[])
    assert kinds(ticket) == before
    ticket.refresh_from_db()
    assert ticket.updated_at == updated_at


def test_moving_to_higher_tier_support_team_is_an_escalation(ticket, agent):
    from tandem.testing.factories import make_team

    tier2 = make_team(name="Tier 2", track="support", tier=2)
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, team=tier2)
    escalation = ticket.events.get(kind=Kind.ESCALATED)
    assert escalation.data == {
        "from_team": ticket.team_id,
        "from_team_name": "Support Tier 1",
        "from_tier": 1,
        "to_team": tier2.pk,
        "to_team_name": "Tier 2",
        "to_tier": 2,
    }


def test_escalate_ticket_refuses_same_or_lower_tier(ticket, agent, team):
    with pytest.raises(InvalidInput):
        actions.escalate_ticket(
            actor=Actor.for_agent(agent), ticket=ticket, team=team, note="Tried the usual"
        )
    assert not ticket.events.filter(kind=Kind.ESCALATED).exists()


def test_escalate_ticket_unassigns_and_leaves_note(ticket, agent):
    from tandem.testing.factories import make_team

    tier3 = make_team(name="Engineering", track="support", tier=3)
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, assignee=agent)
    escalated = actions.escalate_ticket(
        actor=Actor.for_agent(agent), ticket=ticket, team=tier3, note="Stack trace attached"
    )
    assert escalated.team == tier3 and escalated.assignee is None
    assert escalated.messages.filter(visibility="internal").get().body == "Stack trace attached"


def test_tags_add_and_remove(ticket, agent):
    actor = Actor.for_agent(agent)
    actions.update_ticket(actor=actor, ticket=ticket, add_tags=["sso", "Login"])
    actions.update_ticket(actor=actor, ticket=ticket, remove_tags=["login"], add_tags=["vip"])
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["sso", "vip"]
    changes = [e.data for e in ticket.events.filter(kind=Kind.TAGS_CHANGED)]
    assert changes == [
        {"from": [], "to": ["login", "sso"]},
        {"from": ["login", "sso"], "to": ["sso", "vip"]},
    ]


def test_custom_fields_typed_and_required_on_solve(ticket, agent):
    actions.create_custom_field(entity="ticket", label="Order number", kind="text")
    actions.create_custom_field(
        entity="ticket", label="Affected users", kind="number", required=True
    )
    actions.create_custom_field(
        entity="ticket", label="Plan", kind="choice", choices=["Free", "Pro"]
    )
    actor = Actor.for_agent(agent)
    with pytest.raises(InvalidInput) as caught:
        actions.update_ticket(
            actor=actor,
            ticket=ticket,
            custom_fields={"affected_users": "many", "plan": "Gold", "x": 1},
        )
    assert {e.field for e in caught.value.errors} == {
        "custom_fields.affected_users",
        "custom_fields.plan",
        "custom_fields.x",
    }
    with pytest.raises(InvalidInput) as caught:
        actions.update_ticket(actor=actor, ticket=ticket, status="solved")
    assert caught.value.errors[0].field == "custom_fields.affected_users"
    ticket = actions.update_ticket(
        actor=actor,
        ticket=ticket,
        status="solved",
        custom_fields={"affected_users": "12", "plan": "Pro"},
    )
    assert ticket.custom_fields == {"affected_users": 12, "plan": "Pro"}
    assert ticket.status == "solved"


def test_bulk_update_is_all_or_nothing(customer, agent):
    from tandem.testing.factories import make_ticket

    first, second = make_ticket(contact=customer), make_ticket(contact=customer)
    actor = Actor.for_agent(agent)
    actions.update_ticket(actor=actor, ticket=second, status="solved")
    actions.update_ticket(actor=actor, ticket=second, status="closed")
    with pytest.raises(InvalidInput) as caught:
        actions.bulk_update_tickets(actor=actor, tickets=[first, second], priority="high")
    assert f"#{second.number}" in caught.value.errors[0].message
    first.refresh_from_db()
    assert first.priority == "normal"
    updated = actions.bulk_update_tickets(
        actor=actor, tickets=[first], assignee=agent, add_tags=["triaged"]
    )
    assert updated[0].assignee == agent


def test_merge_moves_messages_and_points_source_at_survivor(customer, other_customer, agent):
    from tandem.testing.factories import make_ticket

    target = make_ticket(contact=customer, subject="Login broken")
    source = make_ticket(contact=other_customer, subject="Cannot sign in", tags=["sso"])
    actor = Actor.for_agent(agent)
    actions.add_message(actor=actor, ticket=source, body="Looking", visibility="public")
    survivor = actions.merge_tickets(actor=actor, source=source, target=target)
    source.refresh_from_db()
    assert source.merged_into == target and source.status == "closed" and not source.unsolved
    assert source.messages.count() == 0
    assert survivor.messages.count() == 3 and survivor.message_count == 3
    assert survivor.first_response_at is not None
    assert list(survivor.followers.all()) == [other_customer]
    assert "sso" in survivor.tags.values_list("name", flat=True)
    assert source.events.filter(kind=Kind.MERGED).get().data["target"] == target.number
    assert target.events.filter(kind=Kind.MERGED_IN).get().data["source"] == source.number
    # A late customer reply to the merged ticket lands on the survivor.
    late = actions.add_message(
        actor=Actor.for_contact(other_customer), ticket=source, body="Any news?"
    )
    assert late.ticket_id == target.pk


def test_merge_refuses_self_and_closed(ticket, agent):
    with pytest.raises(InvalidInput):
        actions.merge_tickets(actor=Actor.for_agent(agent), source=ticket, target=ticket)
    assert ticket.events.filter(kind__in=[Kind.MERGED, Kind.MERGED_IN]).count() == 0


def test_link_and_unlink_are_symmetric_and_recorded(customer, agent):
    from tandem.testing.factories import make_ticket

    a, b = make_ticket(contact=customer), make_ticket(contact=customer)
    actor = Actor.for_agent(agent)
    actions.link_tickets(actor=actor, ticket=a, other=b)
    actions.link_tickets(actor=actor, ticket=b, other=a)  # already linked: no duplicate
    assert TicketLink.objects.count() == 1
    actions.unlink_tickets(actor=actor, ticket=b, other=a)
    assert TicketLink.objects.count() == 0
    assert a.events.filter(kind=Kind.LINKED).count() == 1
    assert a.events.filter(kind=Kind.UNLINKED).count() == 1


def test_attachments_stored_through_storage_with_limits(ticket, agent, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    actor = Actor.for_agent(agent)
    with pytest.raises(InvalidInput) as caught:
        actions.add_message(
            actor=actor, ticket=ticket, body="log", attachments=[IncomingFile("big.log", b"x" * 11)]
        )
    assert caught.value.errors[0].field == "attachments[0]"
    assert ticket.messages.count() == 1
    message = actions.add_message(
        actor=actor,
        ticket=ticket,
        body="log",
        attachments=[IncomingFile("../../etc/passwd", b"root"), IncomingFile("a.txt", b"ok")],
    )
    names = [a.filename for a in message.attachments.all()]
    assert names == ["passwd", "a.txt"]
    stored = message.attachments.first()
    assert stored.size == 4 and stored.file.read() == b"root"
    assert stored.content_type == "application/octet-stream"
    assert "/etc/" not in stored.file.name


def test_customer_solves_own_request(ticket, customer):
    actions.solve_request(actor=Actor.for_contact(customer), ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.status == "solved"
    event = ticket.events.get(kind=Kind.STATUS_CHANGED)
    assert event.actor_kind == "contact" and event.data["reason"] == "customer_solved"


def test_public_agent_reply_notion_excludes_notes_and_system(ticket, agent):
    note = actions.add_message(
        actor=Actor.for_agent(agent), ticket=ticket, body="n", visibility="internal"
    )
    system = actions.add_message(actor=Actor.system(), ticket=ticket, body="We got it")
    reply = actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Hi")
    assert [m.is_public_agent_reply for m in (note, system, reply)] == [False, False, True]
    assert Message.objects.get(pk=system.pk).author_kind == "system"


def test_only_the_requester_marks_a_request_solved(ticket, other_customer):
    with pytest.raises(NotAllowed):
        actions.solve_request(actor=Actor.for_contact(other_customer), ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert not ticket.events.filter(kind=Kind.STATUS_CHANGED).exists()


def test_agents_cannot_write_on_a_closed_ticket(ticket, agent):
    actor = Actor.for_agent(agent)
    actions.update_ticket(actor=actor, ticket=ticket, status="solved")
    actions.update_ticket(actor=actor, ticket=ticket, status="closed")
    for visibility in ("public", "internal"):
        with pytest.raises(InvalidInput) as caught:
            actions.add_message(actor=actor, ticket=ticket, body="late", visibility=visibility)
        assert caught.value.errors[0].field == "ticket"
    assert Ticket.objects.count() == 1 and ticket.messages.count() == 1


def test_keep_status_records_a_customer_message_without_reopening(ticket, agent, customer):
    actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Done", status="solved")
    actions.add_message(
        actor=Actor.for_contact(customer), ticket=ticket, body="I am away", keep_status=True
    )
    ticket.refresh_from_db()
    assert ticket.status == "solved" and ticket.message_count == 3


def test_public_agent_and_system_messages_are_handed_to_channels(ticket, agent, customer):
    from tandem.tickets import channels

    delivered = []
    channels.register_deliverer(delivered.append)
    try:
        actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body="reply")
        actions.add_message(
            actor=Actor.for_agent(agent), ticket=ticket, body="n", visibility="internal"
        )
        actions.add_message(actor=Actor.for_contact(customer), ticket=ticket, body="thanks")
        actions.add_message(
            actor=Actor.for_agent(agent), ticket=ticket, body="from mail", deliver=False
        )
        actions.add_message(actor=Actor.system(), ticket=ticket, body="auto")
    finally:
        channels._deliverers.remove(delivered.append)
    assert [m.body for m in delivered] == ["reply", "auto"]


def test_customer_mail_to_a_closed_ticket_carries_its_headers_to_the_followup(
    ticket, agent, customer
):
    actor = Actor.for_agent(agent)
    actions.update_ticket(actor=actor, ticket=ticket, status="solved")
    actions.update_ticket(actor=actor, ticket=ticket, status="closed")
    message = actions.add_message(
        actor=Actor.for_contact(customer),
        ticket=ticket,
        body="Again broken",
        html="<p>Again <b>broken</b></p>",
        quoted="> old",
        channel="email",
        message_id="again@customer.test",
        in_reply_to="old@customer.test",
        meta={"mailbox": 3},
        attachments=[IncomingFile("log.txt", b"x")],
    )
    assert message.ticket.followup_of == ticket and message.ticket.channel == "email"
    assert (message.message_id, message.in_reply_to) == ("again@customer.test", "old@customer.test")
    assert message.quoted == "> old" and message.meta == {"mailbox": 3}
    assert message.html == "<p>Again <b>broken</b></p>"
    assert [a.filename for a in message.attachments.all()] == ["log.txt"]


def test_system_messages_cannot_land_on_a_closed_ticket(ticket, agent):
    actor = Actor.for_agent(agent)
    actions.update_ticket(actor=actor, ticket=ticket, status="solved")
    actions.update_ticket(actor=actor, ticket=ticket, status="closed")
    with pytest.raises(InvalidInput):
        actions.add_message(actor=Actor.system(), ticket=ticket, body="Survey")
    assert Ticket.objects.count() == 1


def test_open_ticket_for_requester_reports_address_and_ticket_errors_together(agent):
    from tandem.people.models import Contact

    with pytest.raises(InvalidInput) as caught:
        actions.open_ticket_for_requester(
            actor=Actor.for_agent(agent), email="not-an-email", subject="", body="x"
        )
    assert [e.field for e in caught.value.errors] == ["requester.email", "subject"]
    with pytest.raises(InvalidInput):
        actions.open_ticket_for_requester(
            actor=Actor.for_agent(agent), email="new@customer.test", subject="", body="x"
        )
    assert not Contact.objects.filter(email="new@customer.test").exists()
    ticket = actions.open_ticket_for_requester(
        actor=Actor.for_agent(agent),
        email="New@Customer.test",
        name="Nia",
        subject="Hi",
        body="Help",
        channel="phone",
    )
    assert ticket.contact.email == "new@customer.test" and ticket.channel == "phone"
