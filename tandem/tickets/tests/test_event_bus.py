"""Ticket actions publish what they did on the event bus, inside their transaction."""

import pytest
from django.db import transaction

from tandem.core import event_bus
from tandem.core.errors import InvalidInput
from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db
Kind = TicketEvent.Kind


@pytest.fixture
def heard():
    batches = []
    event_bus.subscribe("test-listener", batches.append)
    yield batches
    event_bus.unsubscribe("test-listener")


def test_creating_a_ticket_publishes_one_batch_with_its_events(customer, team, heard):
    ticket = actions.create_ticket(
        actor=Actor.for_contact(customer), contact=customer, subject="Hi", body="Help", team=team
    )

    assert len(heard) == 1
    batch = heard[0]
    assert batch.action == "created"
    assert batch.ticket.pk == ticket.pk
    assert [e.kind for e in batch.events] == [Kind.CREATED, Kind.MESSAGE_ADDED]
    assert batch.of_kind(Kind.MESSAGE_ADDED)[0].message.body == "Help"


def test_an_update_publishes_only_its_own_events(ticket, agent, heard):
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="high")
    actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Looking", deliver=False)

    assert [b.action for b in heard] == ["updated", "message"]
    assert heard[0].kinds == {Kind.PRIORITY_CHANGED}
    assert Kind.MESSAGE_ADDED in heard[1].kinds
    assert Kind.PRIORITY_CHANGED not in heard[1].kinds


def test_linking_publishes_for_both_tickets(ticket, agent, customer, heard):
    other = actions.create_ticket(
        actor=Actor.for_contact(customer), contact=customer, subject="Other", body="x"
    )
    heard.clear()

    actions.link_tickets(actor=Actor.for_agent(agent), ticket=ticket, other=other)

    assert sorted(b.ticket.pk for b in heard) == sorted([ticket.pk, other.pk])


def test_a_rolled_back_action_leaks_no_events_into_the_next_publish(ticket, agent, heard):
    def fail_after_recording(batch):
        if batch.action == "updated" and batch.ticket.priority == "urgent":
            raise RuntimeError("subscriber failed")

    event_bus.subscribe("failing", fail_after_recording)
    try:
        with pytest.raises(RuntimeError):
            actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="urgent")
    finally:
        event_bus.unsubscribe("failing")
    heard.clear()

    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="low")

    assert [e.kind for e in heard[0].events] == [Kind.PRIORITY_CHANGED]
    assert heard[0].events[0].data == {"from": "normal", "to": "low"}
    assert not TicketEvent.objects.filter(ticket=ticket, data__to="urgent").exists()


def test_a_subscriber_change_is_published_as_a_nested_chain_and_returned(ticket, agent, heard):
    depths = []

    def raise_priority_of_billing(batch):
        depths.append(dict(event_bus.chain()))
        if Kind.TAGS_CHANGED in batch.kinds and batch.ticket.priority != "high":
            event_bus.chain()["raised"] = True
            actions.update_ticket(actor=Actor.system(), ticket=batch.ticket, priority="high")
            return True
        return False

    event_bus.subscribe("raise", raise_priority_of_billing)
    try:
        updated = actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, tags=["bill"])
    finally:
        event_bus.unsubscribe("raise")

    assert updated.priority == "high"  # the action returns the ticket as the chain left it
    # "heard" subscribed first, so it hears the outer batch before the nested one.
    assert [b.kinds for b in heard] == [{Kind.TAGS_CHANGED}, {Kind.PRIORITY_CHANGED}]
    # One chain, one memory (the workflow subscribers keep their own keys in it too).
    assert [memory.get("raised") for memory in depths] == [None, True]
    assert event_bus.chain() == {}  # and it ends with the outermost publish


def test_a_loop_between_subscribers_stops_at_the_chain_depth(ticket, agent):
    def flip(batch):
        other = "low" if batch.ticket.priority == "high" else "high"
        actions.update_ticket(actor=Actor.system(), ticket=batch.ticket, priority=other)
        return True

    event_bus.subscribe("flip", flip)
    try:
        actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="high")
    finally:
        event_bus.unsubscribe("flip")

    changes = TicketEvent.objects.filter(ticket=ticket, kind=Kind.PRIORITY_CHANGED).count()
    assert changes == 1 + event_bus.MAX_CHAIN_DEPTH


def test_quiet_publishes_nothing(customer, heard):
    with event_bus.quiet():
        actions.create_ticket(
            actor=Actor.for_contact(customer), contact=customer, subject="Old", body="history"
        )
    assert heard == []


def test_a_failed_action_publishes_nothing(ticket, agent, heard):
    with pytest.raises(InvalidInput), transaction.atomic():
        actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="bogus")
    assert heard == []
    assert Ticket.objects.get(pk=ticket.pk).priority == "normal"


def test_work_left_for_the_end_of_the_chain_runs_once_after_every_nested_batch(customer, agent):
    ticket = actions.create_ticket(
        actor=Actor.for_contact(customer), contact=customer, subject="Hi", body="Help"
    )
    happened = []

    def nested_change_and_a_note_for_the_end(batch):
        happened.append(sorted(batch.kinds))
        event_bus.when_chain_ends("once", lambda: happened.append("end"))
        if Kind.TAGS_CHANGED in batch.kinds:
            actions.update_ticket(actor=Actor.system(), ticket=batch.ticket, priority="high")
            return True
        return False

    event_bus.subscribe("ends", nested_change_and_a_note_for_the_end)
    try:
        actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, tags=["bill"])
    finally:
        event_bus.unsubscribe("ends")

    assert happened == [[Kind.TAGS_CHANGED], [Kind.PRIORITY_CHANGED], "end"]
