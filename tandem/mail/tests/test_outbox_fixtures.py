"""Shared set-up for the outbox tests (imported by the test_outbox_* modules): a mailbox, a
ticket opened by email through it, a customer's reply by mail, parsing what was sent."""

from __future__ import annotations

import email
import socket
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from django.core import mail

from tandem.mail.models import Mailbox
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions

CUSTOMER_FIRST_ID = "first.7f3a@mail.customer.test"


# Fixtures are named apart from their functions so modules can import them without
# shadowing the argument names tests use.
@pytest.fixture(name="mailbox")
def mailbox_fixture(db):
    return Mailbox.objects.create(address="support@demo.test", display_name="Demo Support")


@pytest.fixture(name="email_ticket")
def email_ticket_fixture(db, customer, team, mailbox):
    """A ticket opened by the customer's mail to the support mailbox."""
    return factories.make_ticket(
        contact=customer,
        subject="Cannot log in",
        body="The login page says my password is wrong.",
        team=team,
        channel="email",
        message_id=CUSTOMER_FIRST_ID,
        message_meta={"mailbox": mailbox.pk},
    )


def customer_mails(ticket, customer, *, body: str, message_id: str, in_reply_to: str = ""):
    return actions.add_message(
        actor=Actor.for_contact(customer),
        ticket=ticket,
        body=body,
        channel="email",
        message_id=message_id,
        in_reply_to=in_reply_to,
    )


def sent_messages() -> list[EmailMessage]:
    """What the locmem backend sent, as the stdlib parses the bytes a server would receive."""
    return [parse(message.message().as_bytes(linesep="\r\n")) for message in mail.outbox]


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=default_policy)


def unused_port() -> int:
    """A local port nothing listens on (bound once by us, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
