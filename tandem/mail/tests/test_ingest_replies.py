"""What the desk sends (or does not) in answer to inbound mail: acknowledgements and bounces."""

from __future__ import annotations

import pytest

from tandem.mail.actions import update_mailbox
from tandem.mail.message_ids import make_message_id
from tandem.mail.models import InboundMail, OutboundMail
from tandem.mail.tests.test_ingest_support import (
    DESK,
    deliver,
    mailbox_fixture,  # noqa: F401 (the mailbox fixture)
    raw_mail,
)
from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
State = InboundMail.State


@pytest.fixture
def acknowledging(mailbox):
    return update_mailbox(mailbox=mailbox, acknowledge_new_tickets=True)


def acknowledgements():
    return list(OutboundMail.objects.filter(kind="acknowledgement"))


# --- acknowledgements ----------------------------------------------------------------------


def test_a_new_ticket_from_live_mail_is_acknowledged_once(acknowledging):
    inbound = deliver(raw_mail(message_id="new@customer.test"), mailbox=acknowledging)
    [sent] = acknowledgements()
    assert sent.ticket == inbound.ticket and sent.to == ["carol@customer.test"]
    assert sent.in_reply_to == "new@customer.test" and sent.automatic is True
    reply = deliver(raw_mail(in_reply_to="new@customer.test", body="more"), mailbox=acknowledging)
    assert reply.ticket == inbound.ticket and len(acknowledgements()) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"X-Auto-Response-Suppress": "All"},
        {"List-Unsubscribe": "<mailto:leave@list.test>"},
        {"Return-Path": "<>"},
    ],
    ids=["auto-submitted", "precedence", "suppress", "list", "empty-return-path"],
)
def test_automatic_mail_opens_a_ticket_but_is_never_acknowledged(acknowledging, headers):
    inbound = deliver(raw_mail(headers=headers), mailbox=acknowledging)
    assert inbound.state == State.PROCESSED and inbound.ticket is not None
    assert inbound.ticket_message.meta["automatic"]
    assert acknowledgements() == [] and inbound.ticket.messages.count() == 1


def test_a_no_reply_requester_is_not_acknowledged(acknowledging):
    inbound = deliver(raw_mail(sender="noreply@shop.test"), mailbox=acknowledging)
    assert inbound.state == State.PROCESSED and acknowledgements() == []


def test_a_mailbox_without_acknowledgements_sends_none(mailbox):
    deliver(raw_mail(), mailbox=mailbox)
    assert OutboundMail.objects.count() == 0


def test_a_followup_of_a_closed_ticket_is_acknowledged_as_the_new_ticket_it_is(
    acknowledging, agent
):
    first = deliver(raw_mail(message_id="closing@customer.test"), mailbox=acknowledging)
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=first.ticket, status="solved")
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=first.ticket, status="closed")
    again = deliver(raw_mail(in_reply_to="closing@customer.test"), mailbox=acknowledging)
    assert again.ticket.followup_of == first.ticket
    assert sorted(a.ticket_id for a in acknowledgements()) == [first.ticket_id, again.ticket_id]


# --- bounces -------------------------------------------------------------------------------


def delivery_report(
    original_id: str,
    *,
    recipient="carol@customer.test",
    status="5.1.1",
    diagnostic="smtp; 550 5.1.1 user unknown",
) -> bytes:
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>
To: {DESK}
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn.{original_id}>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The mail could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.customer.test

Final-Recipient: rfc822; {recipient}
Action: failed
Status: {status}
Diagnostic-Code: {diagnostic}

--B
Content-Type: text/rfc822-headers

From: {DESK}
To: {recipient}
Subject: Re: [#1] Cannot log in
Message-ID: <{original_id}>

--B--
""".replace("\n", "\r\n").encode()


@pytest.fixture
def sent_reply(ticket, agent):
    """An agent's public reply, which the outbox queued as a mail."""
    message = actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Try this.")
    return OutboundMail.objects.get(ticket_message=message)


def test_a_bounce_marks_the_outbound_mail_and_notes_the_reason_on_its_ticket(
    acknowledging, ticket, sent_reply
):
    ticket.refresh_from_db()
    status_before = ticket.status
    inbound = deliver(delivery_report(sent_reply.message_id), mailbox=acknowledging)
    assert inbound.state == State.PROCESSED and inbound.reason == ""
    note = inbound.ticket_message
    assert note.ticket == ticket and note.visibility == "internal"
    assert note.author_kind == "system"
    assert note.body == (
        "Delivery failed: a mail the desk sent about this ticket was returned.\n"
        "- carol@customer.test: status 5.1.1 (permanent); 550 5.1.1 user unknown\n"
        "Reported by mx.customer.test.\n"
        f"Returned mail: <{sent_reply.message_id}>"
    )
    assert note.meta["bounce"]["recipients"] == [
        {
            "address": "carol@customer.test",
            "action": "failed",
            "status": "5.1.1",
            "diagnostic": "550 5.1.1 user unknown",
        }
    ]
    assert note.meta["outbound_marked"] is True
    sent_reply.refresh_from_db()
    assert sent_reply.state == "bounced"
    assert sent_reply.last_error == "carol@customer.test 5.1.1 550 5.1.1 user unknown"
    assert Message.objects.get(pk=sent_reply.ticket_message_id).delivery_status == "bounced"
    ticket.refresh_from_db()
    assert ticket.status == status_before and Ticket.objects.count() == 1
    assert OutboundMail.objects.count() == 1  # nothing answers a bounce


def test_a_bounce_of_our_id_threads_even_without_an_outbox_row(mailbox, ticket):
    inbound = deliver(delivery_report(make_message_id(ticket.pk)), mailbox=mailbox)
    assert inbound.state == State.PROCESSED and inbound.ticket == ticket
    assert inbound.ticket_message.meta["outbound_marked"] is False


def test_a_bounce_of_unknown_mail_is_ignored_and_opens_nothing(mailbox):
    inbound = deliver(delivery_report("someone-else@else.test"), mailbox=mailbox)
    assert inbound.state == State.IGNORED
    assert inbound.reason == "bounce of mail the desk does not know (<someone-else@else.test>)"
    assert Ticket.objects.count() == 0


def test_a_bounce_from_our_own_address_is_still_read(mailbox, ticket, sent_reply):
    raw = delivery_report(sent_reply.message_id).replace(
        b"MAILER-DAEMON@mx.customer.test", DESK.encode()
    )
    inbound = deliver(raw, mailbox=mailbox)
    assert inbound.state == State.PROCESSED and inbound.ticket == ticket


def test_a_bounce_for_a_closed_ticket_marks_the_mail_without_a_followup(
    mailbox, ticket, agent, sent_reply
):
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="solved")
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="closed")
    inbound = deliver(delivery_report(sent_reply.message_id), mailbox=mailbox)
    assert inbound.state == State.PROCESSED
    assert inbound.reason == f"bounce for closed ticket #{ticket.pk}: no note added"
    assert inbound.ticket == ticket and inbound.ticket_message is None
    assert Ticket.objects.count() == 1
    sent_reply.refresh_from_db()
    assert sent_reply.state == "bounced"


def test_a_delay_notice_is_ignored(mailbox, ticket, sent_reply):
    raw = delivery_report(sent_reply.message_id).replace(b"Action: failed", b"Action: delayed")
    raw = raw.replace(b"Status: 5.1.1", b"Status: 4.4.1")
    inbound = deliver(raw, mailbox=mailbox)
    assert inbound.state == State.IGNORED
    assert inbound.reason == "delivery status notice that reports no failure"
    sent_reply.refresh_from_db()
    assert sent_reply.state != "bounced" and ticket.messages.count() == 2
