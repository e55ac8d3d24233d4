"""Tickets are in the search index as soon as they are written, and leave it when merged."""

import pytest
from django.db import transaction

from tandem.core import event_bus, search
from tandem.core.search.maintenance import catch_up, rebuild
from tandem.core.search.models import SearchDocument
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import Message

pytestmark = [pytest.mark.db_facing, pytest.mark.django_db]


def ticket_hits(text, **options):
    return [hit.key for hit in search.query(text, kinds=["ticket"], **options).hits]


def test_new_ticket_is_found_by_subject_and_first_message(ticket):
    assert ticket_hits("log") == [ticket.number]
    assert ticket_hits("password wrong") == [ticket.number]


def test_reply_and_internal_note_are_found(ticket, as_agent):
    actions.add_message(actor=as_agent, ticket=ticket, body="Try clearing the browser cookies.")
    actions.add_message(
        actor=as_agent,
        ticket=ticket,
        body="Escalate to identity engineering if cookies fail.",
        visibility=Message.Visibility.INTERNAL,
    )
    assert ticket_hits("cookies") == [ticket.number]
    assert ticket_hits("identity engineering") == [ticket.number]


def test_changed_status_and_team_are_filterable_at_once(ticket, as_agent, other_team):
    actions.update_ticket(actor=as_agent, ticket=ticket, status="pending", team=other_team)
    assert ticket_hits("login", facets={"status": "pending", "team": other_team.pk}) == [
        ticket.number
    ]
    assert ticket_hits("login", facets={"status": "new"}) == []
    document = SearchDocument.objects.get(kind="ticket", key=ticket.number)
    ticket.refresh_from_db()
    assert document.updated_at == ticket.updated_at
    assert document.facets == {
        "status": "pending",
        "track": "service",  # the new team's track
        "team": other_team.pk,
        "priority": "normal",
        "channel": "web",
    }


def test_merged_ticket_leaves_the_index_and_its_messages_follow(customer, as_agent):
    source = factories.make_ticket(contact=customer, subject="Invoice copy", body="Need March")
    target = factories.make_ticket(contact=customer, subject="Billing", body="Several things")
    actions.merge_tickets(actor=as_agent, source=source, target=target)
    assert ticket_hits("march") == [target.number]
    assert not SearchDocument.objects.filter(kind="ticket", key=source.number).exists()


def test_rolled_back_action_leaves_the_index_as_it_was(ticket, as_agent):
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.add_message(actor=as_agent, ticket=ticket, body="Uniquewordzebra")
        raise RuntimeError("the request failed after the write")
    assert ticket_hits("uniquewordzebra") == []


def test_quiet_writes_are_indexed_by_the_catch_up(customer):
    with event_bus.quiet():
        ticket = factories.make_ticket(contact=customer, subject="Imported shipment question")
    assert ticket_hits("shipment") == []
    assert catch_up()["ticket"] == 1
    assert ticket_hits("shipment") == [ticket.number]
    assert catch_up()["ticket"] == 0


def test_catch_up_goes_on_batch_after_batch_until_nothing_is_stale(customer):
    with event_bus.quiet():
        numbers = [
            factories.make_ticket(contact=customer, subject="Kayak").number for _ in range(5)
        ]
    assert catch_up(batch_size=2)["ticket"] == 5
    assert sorted(ticket_hits("kayak")) == numbers


def test_rebuild_indexes_every_ticket_but_merged_ones(customer):
    actor = Actor.for_contact(customer)
    first = factories.make_ticket(contact=customer, subject="Parcel lost", body="No parcel")
    second = factories.make_ticket(contact=customer, subject="Parcel late", body="Still waiting")
    actions.merge_tickets(actor=Actor.system(), source=second, target=first)
    actions.add_message(actor=actor, ticket=first, body="Tracking says delivered")
    SearchDocument.objects.all().delete()
    counts = rebuild(["ticket"], batch_size=1)
    assert counts == {"ticket": 1}
    assert ticket_hits("parcel") == [first.number]
    assert ticket_hits("tracking delivered") == [first.number]
    assert ticket_hits("waiting") == [first.number]


def test_a_new_ticket_is_written_to_the_index_once_as_its_event_chain_left_it(customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.workflow.routing_actions import create_routing_rule
    from tandem.workflow.tests.sla_setup import make_policy

    make_policy()  # the SLA subscriber publishes its own batch, and routing one more
    team = factories.make_team(name="Billing")
    create_routing_rule(
        name="Invoices",
        conditions={"rules": [{"field": "subject", "op": "contains", "value": "invoice"}]},
        set_team=team,
    )
    with CaptureQueriesContext(connection) as queries:
        ticket = factories.make_ticket(contact=customer, subject="Invoice 7 is wrong")
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) and "core_searchdocument" in q["sql"]
    ]
    assert len(writes) == 1
    assert ticket_hits("invoice", facets={"team": team.pk}) == [ticket.number]
