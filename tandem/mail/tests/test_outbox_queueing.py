"""The deliverer: which public messages become outbox rows, with what, in the message's commit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string

from tandem.core.errors import NotAllowed
from tandem.mail import message_ids
from tandem.mail.models import Mailbox, OutboundMail
from tandem.mail.outbox.queueing import deliver_by_email
from tandem.mail.tests.test_outbox_fixtures import (  # noqa: F401 (fixtures)
    CUSTOMER_FIRST_ID,
    customer_mails,
    email_ticket_fixture,
    mailbox_fixture,
)
from tandem.people import actions as people_actions
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions, channels
from tandem.tickets.models import Message


def reply(ticket, agent, body="Please try a private window.", **kwargs):
    return actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body=body, **kwargs)


def test_the_mail_app_registers_its_deliverer():
    assert deliver_by_email in channels._deliverers


def test_agent_reply_writes_one_outbox_row_with_the_message(email_ticket, agent, mailbox):
    message = reply(email_ticket, agent)

    row = OutboundMail.objects.get()
    assert row.ticket == email_ticket and row.ticket_message == message
    assert (row.kind, row.automatic, row.state, row.attempts) == ("reply", False, "queued", 0)
    assert row.mailbox == mailbox
    assert row.to == ["carol@customer.test"] and row.cc == []
    assert row.subject == f"Re: [#{email_ticket.number}] Cannot log in"
    assert message_ids.ticket_number_of(row.message_id) == email_ticket.number
    assert row.in_reply_to == CUSTOMER_FIRST_ID
    assert row.references == CUSTOMER_FIRST_ID
    assert row.next_attempt_at is None and row.sent_at is None
    message.refresh_from_db()
    assert message.message_id == row.message_id
    assert (message.delivery_status, message.delivery_detail) == ("queued", "")
    assert mail.outbox == []  # nothing leaves before the commit


def test_reply_is_sent_once_after_commit(email_ticket, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = reply(email_ticket, agent)

    assert len(mail.outbox) == 1
    row = OutboundMail.objects.get()
    assert (row.state, row.attempts) == ("sent", 1)
    message.refresh_from_db()
    assert message.delivery_status == "sent"


def test_rolled_back_reply_leaves_no_row_and_sends_nothing(
    email_ticket, agent, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        reply(email_ticket, agent)
        assert OutboundMail.objects.count() == 1
        raise RuntimeError("the request failed after the reply was written")

    assert OutboundMail.objects.count() == 0
    assert email_ticket.messages.count() == 1
    assert callbacks == [] and mail.outbox == []


def test_internal_notes_and_customer_messages_create_no_rows(email_ticket, agent, customer):
    reply(email_ticket, agent, body="Auth logs show a locked account.", visibility="internal")
    customer_mails(email_ticket, customer, body="Any news?", message_id="news@customer.test")

    assert OutboundMail.objects.count() == 0
    assert set(email_ticket.messages.values_list("delivery_status", flat=True)) == {""}


def test_light_agent_cannot_reply_so_nothing_is_queued(email_ticket, light_agent):
    with pytest.raises(NotAllowed):
        reply(email_ticket, light_agent)

    assert OutboundMail.objects.count() == 0
    assert email_ticket.messages.count() == 1


def test_reply_arriving_by_mail_is_not_sent_again(email_ticket, agent):
    reply(email_ticket, agent, deliver=False)

    assert OutboundMail.objects.count() == 0


def test_followers_are_copied_once_never_the_requester_the_agent_or_a_desk_address(
    email_ticket, agent, customer, mailbox
):
    Mailbox.objects.create(address="billing@demo.test", active=False)
    followers = [
        factories.make_contact(email="boss@customer.test", name="Boss"),
        factories.make_contact(email="billing@demo.test", name="Our other mailbox"),
        factories.make_contact(email="alex@desk.test", name="The agent as a contact"),
        factories.make_contact(email="desk@tandem.localhost", name="Default sender"),
        factories.make_contact(email="it@customer.test", name="IT"),
        people_actions.create_contact(name="Phone only"),
        customer,
    ]
    email_ticket.followers.add(*followers)

    reply(email_ticket, agent)

    row = OutboundMail.objects.get()
    assert row.to == ["carol@customer.test"]
    assert row.cc == ["boss@customer.test", "it@customer.test"]


def test_ticket_opened_in_the_workspace_gets_replies_by_email(ticket, agent):
    """The conftest ticket: opened on the web, no mailbox configured at all."""
    reply(ticket, agent)

    row = OutboundMail.objects.get()
    assert row.mailbox is None and row.in_reply_to == "" and row.references == ""
    assert row.to == ["carol@customer.test"]


def test_requester_without_email_gets_no_row_and_the_message_says_why(db, agent, team):
    contact = people_actions.create_contact(name="Phone Caller")
    phoned = factories.make_ticket(contact=contact, subject="Called in", channel="phone")

    message = reply(phoned, agent)

    assert OutboundMail.objects.count() == 0
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_detail) == (
        "",
        "the customer has no email address",
    )
    html = render_to_string("tickets/_message.html", {"message": message})
    assert "Not sent: the customer has no email address" in html


def test_chat_ticket_is_left_to_its_own_channel_until_the_customer_writes_by_email(
    db, agent, customer
):
    chat = factories.make_ticket(contact=customer, subject="Chat", channel="chat")
    reply(chat, agent, body="Hello from chat")
    assert OutboundMail.objects.count() == 0

    customer_mails(chat, customer, body="Sending the log by mail", message_id="log@customer.test")
    reply(chat, agent, body="Got the log")

    row = OutboundMail.objects.get()
    assert row.in_reply_to == "log@customer.test"


def test_system_message_is_an_automatic_notification(email_ticket):
    actions.add_message(actor=Actor.system(), ticket=email_ticket, body="We solved this.")

    row = OutboundMail.objects.get()
    assert (row.kind, row.automatic) == ("notification", True)
    assert row.subject == f"[#{email_ticket.number}] Cannot log in"


def test_second_reply_continues_the_customers_latest_mail(email_ticket, agent, customer):
    first = reply(email_ticket, agent, body="Try a private window.")
    customer_mails(
        email_ticket,
        customer,
        body="Still broken",
        message_id="second.19@mail.customer.test",
        in_reply_to=first.message_id,
    )
    reply(email_ticket, agent, body="Resetting it now.")

    first.refresh_from_db()
    later = OutboundMail.objects.order_by("id").last()
    assert later.in_reply_to == "second.19@mail.customer.test"
    assert later.references.split() == [
        CUSTOMER_FIRST_ID,
        first.message_id,
        "second.19@mail.customer.test",
    ]


def test_references_include_what_the_customers_mail_referenced(db, customer, agent, mailbox):
    ticket = factories.make_ticket(
        contact=customer,
        channel="email",
        message_id="reply.3@customer.test",
        message_meta={"references": ["root.1@other.test", "mid.2@other.test"]},
    )
    reply(ticket, agent)

    assert OutboundMail.objects.get().references.split() == [
        "root.1@other.test",
        "mid.2@other.test",
        "reply.3@customer.test",
    ]


def test_mailbox_is_the_one_the_ticket_came_in_through(db, customer, agent, mailbox):
    sales = Mailbox.objects.create(address="sales@demo.test", display_name="Sales")
    by_address = factories.make_ticket(
        contact=customer, channel="email", message_meta={"mailbox": "Sales <SALES@demo.test>"}
    )
    by_id = factories.make_ticket(
        contact=customer, channel="email", message_meta={"mailbox": sales.pk}
    )
    unknown = factories.make_ticket(contact=customer, channel="email")

    for ticket in (by_address, by_id, unknown):
        reply(ticket, agent)

    mailboxes = {row.ticket_id: row.mailbox for row in OutboundMail.objects.all()}
    assert mailboxes == {by_address.number: sales, by_id.number: sales, unknown.number: mailbox}


def test_inactive_mailbox_is_not_used(email_ticket, agent, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(active=False)

    reply(email_ticket, agent)

    assert OutboundMail.objects.get().mailbox is None


def test_reply_on_a_merged_ticket_goes_out_for_the_surviving_ticket(email_ticket, agent, customer):
    survivor = factories.make_ticket(contact=customer, subject="Login again", channel="email")
    actions.merge_tickets(actor=Actor.for_agent(agent), source=email_ticket, target=survivor)

    message = reply(email_ticket, agent)

    row = OutboundMail.objects.get()
    assert message.ticket == survivor and row.ticket == survivor
    assert row.subject == f"Re: [#{survivor.number}] Login again"


def test_every_reply_gets_its_own_message_id(email_ticket, agent):
    reply(email_ticket, agent, body="one")
    reply(email_ticket, agent, body="two")

    ids = list(OutboundMail.objects.values_list("message_id", flat=True))
    assert len(set(ids)) == 2
    assert set(
        Message.objects.filter(author_kind="agent").values_list("message_id", flat=True)
    ) == set(ids)


def test_agent_reply_that_came_by_mail_keeps_its_own_id_beside_ours(email_ticket, agent):
    message = reply(
        email_ticket, agent, message_id="draft.1@agent-client.test", meta={"inbound": 7}
    )

    row = OutboundMail.objects.get()
    message.refresh_from_db()
    assert message.message_id == row.message_id
    assert message.meta == {"inbound": 7, "received_message_id": "draft.1@agent-client.test"}
