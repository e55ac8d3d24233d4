"""The new-ticket acknowledgement: the admin's template, loop-safe headers, never to a robot."""

from __future__ import annotations

import logging

import pytest

from tandem.mail.models import Mailbox, OutboundMail
from tandem.mail.outbox import queue_acknowledgement
from tandem.mail.outbox.acknowledgements import (
    ACKNOWLEDGEMENTS_PER_CONTACT_PER_HOUR,
    suggested_articles,
)
from tandem.mail.tests.test_outbox_fixtures import (  # noqa: F401 (fixtures)
    CUSTOMER_FIRST_ID,
    email_ticket_fixture,
    mailbox_fixture,
    sent_messages,
)
from tandem.testing import factories
from tandem.tickets.models import Message


def first_message(ticket):
    return ticket.messages.get(author_kind="contact")


def test_acknowledgement_is_a_public_system_message_sent_as_an_auto_reply(
    email_ticket, mailbox, django_capture_on_commit_callbacks
):
    inbound = first_message(email_ticket)
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_acknowledgement(
            ticket=email_ticket, mailbox=mailbox, inbound_message=inbound
        )

    number = email_ticket.number
    assert (message.author_kind, message.visibility, message.channel) == (
        "system",
        "public",
        "email",
    )
    assert message.body == (
        "Hello Carol Customer,\n\n"
        f'Thanks for writing to us. Your request #{number} ("Cannot log in") has reached our team; '
        "we will answer as soon as we can.\n"
        "Reply to this message to add anything."
    )
    row = OutboundMail.objects.get()
    assert (row.kind, row.automatic, row.state) == ("acknowledgement", True, "sent")
    [sent] = sent_messages()
    assert sent["Subject"] == f"[#{number}] We received your request"
    assert sent["From"] == "Demo Support <support@demo.test>"
    assert sent["Reply-To"] == "support@demo.test"
    assert sent["To"] == "carol@customer.test"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["X-Auto-Response-Suppress"] == "All"
    assert sent["In-Reply-To"] == f"<{CUSTOMER_FIRST_ID}>"
    assert sent["References"] == f"<{CUSTOMER_FIRST_ID}>"
    assert sent["Message-ID"] == f"<{row.message_id}>"
    assert sent.get_body(("plain",)).get_content().replace("\r\n", "\n") == message.body + "\n"


def test_acknowledgement_text_is_not_html_escaped(db, customer, mailbox):
    ticket = factories.make_ticket(contact=customer, subject='Q&A <login> "help"', channel="email")

    message = queue_acknowledgement(
        ticket=ticket, mailbox=mailbox, inbound_message=first_message(ticket)
    )

    assert '("Q&A <login> "help"")' in message.body


def test_admin_template_sees_ticket_contact_and_mailbox(db, customer):
    box = Mailbox.objects.create(
        address="help@demo.test",
        display_name="Help",
        acknowledgement_subject="Got it: {{ ticket.subject }}",
        acknowledgement_body=(
            "{{ contact.email }} wrote to {{ mailbox.address }} about #{{ ticket.number }}."
        ),
    )
    ticket = factories.make_ticket(contact=customer, subject="Refund", channel="email")

    queue_acknowledgement(ticket=ticket, mailbox=box, inbound_message=first_message(ticket))

    row = OutboundMail.objects.get()
    assert row.subject == f"[#{ticket.number}] Got it: Refund"
    assert row.mailbox == box
    assert (
        row.ticket_message.body
        == f"carol@customer.test wrote to help@demo.test about #{ticket.number}."
    )


@pytest.mark.parametrize(
    "broken",
    [
        "Hello {% if %}",  # a syntax error
        "{% include 'tickets/_message.html' %}",  # no template on disk is reachable
        "{% load static %}{% static 'x' %}",  # no tag libraries
        "{{ ticket.number|divisibleby:0 }}",  # fails while rendering
        "  {{ nothing }}\n",  # renders to blank
    ],
)
def test_broken_template_falls_back_to_the_built_in_text(db, customer, caplog, broken):
    box = Mailbox.objects.create(address="help@demo.test", acknowledgement_body=broken)
    ticket = factories.make_ticket(contact=customer, subject="Refund", channel="email")

    with caplog.at_level(logging.ERROR, logger="tandem.mail.outbox.acknowledgements"):
        message = queue_acknowledgement(
            ticket=ticket, mailbox=box, inbound_message=first_message(ticket)
        )

    assert message.body == (
        "Hello,\n\n"
        f'Thanks for writing to us. Your request #{ticket.number} ("Refund") has reached our team; '
        "we will answer as soon as we can.\n"
        "Reply to this message to add anything."
    )
    assert OutboundMail.objects.get().subject == f"[#{ticket.number}] We received your request"


def test_broken_template_is_logged(db, customer, caplog):
    box = Mailbox.objects.create(address="help@demo.test", acknowledgement_subject="{% if %}")
    ticket = factories.make_ticket(contact=customer, channel="email")

    with caplog.at_level(logging.ERROR, logger="tandem.mail.outbox.acknowledgements"):
        queue_acknowledgement(ticket=ticket, mailbox=box, inbound_message=first_message(ticket))

    assert [r.getMessage() for r in caplog.records] == [
        "acknowledgement template of mailbox help@demo.test failed; using the built-in text"
    ]


def test_automatic_mail_is_never_acknowledged(db, customer, mailbox):
    ticket = factories.make_ticket(
        contact=customer, channel="email", message_meta={"automatic": "auto-replied"}
    )

    assert (
        queue_acknowledgement(ticket=ticket, mailbox=mailbox, inbound_message=first_message(ticket))
        is None
    )
    assert OutboundMail.objects.count() == 0
    assert ticket.messages.count() == 1


def test_imported_mail_is_never_acknowledged(db, customer, mailbox):
    ticket = factories.make_ticket(
        contact=customer, channel="email", message_meta={"imported": True}
    )

    inbound = first_message(ticket)
    assert queue_acknowledgement(ticket=ticket, mailbox=mailbox, inbound_message=inbound) is None
    assert OutboundMail.objects.count() == 0 and ticket.messages.count() == 1


def test_mailbox_that_does_not_acknowledge_sends_nothing(email_ticket, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(acknowledge_new_tickets=False)
    mailbox.refresh_from_db()

    inbound = first_message(email_ticket)
    assert (
        queue_acknowledgement(ticket=email_ticket, mailbox=mailbox, inbound_message=inbound) is None
    )
    assert queue_acknowledgement(ticket=email_ticket, mailbox=None, inbound_message=inbound) is None
    assert OutboundMail.objects.count() == 0 and email_ticket.messages.count() == 1


def test_a_ticket_is_acknowledged_once(email_ticket, mailbox):
    inbound = first_message(email_ticket)

    assert queue_acknowledgement(ticket=email_ticket, mailbox=mailbox, inbound_message=inbound)
    assert (
        queue_acknowledgement(ticket=email_ticket, mailbox=mailbox, inbound_message=inbound) is None
    )

    assert OutboundMail.objects.filter(kind="acknowledgement").count() == 1
    assert email_ticket.messages.filter(author_kind="system").count() == 1


def test_a_sender_opening_many_tickets_is_acknowledged_only_so_often(db, customer, mailbox):
    tickets = [
        factories.make_ticket(contact=customer, channel="email")
        for _ in range(ACKNOWLEDGEMENTS_PER_CONTACT_PER_HOUR + 1)
    ]

    results = [
        queue_acknowledgement(ticket=t, mailbox=mailbox, inbound_message=first_message(t))
        for t in tickets
    ]

    assert [r is not None for r in results] == [True] * ACKNOWLEDGEMENTS_PER_CONTACT_PER_HOUR + [
        False
    ]
    assert OutboundMail.objects.count() == ACKNOWLEDGEMENTS_PER_CONTACT_PER_HOUR


def test_a_customer_without_an_address_is_not_acknowledged(db, mailbox):
    from tandem.people import actions as people_actions

    contact = people_actions.create_contact(name="No Mail")
    ticket = factories.make_ticket(contact=contact, channel="email")

    assert (
        queue_acknowledgement(ticket=ticket, mailbox=mailbox, inbound_message=first_message(ticket))
        is None
    )
    assert Message.objects.filter(author_kind="system").count() == 0


def test_no_articles_are_suggested_until_the_knowledge_base_exists(email_ticket):
    assert suggested_articles(email_ticket) == []
