"""The outbox against real SMTP: a local aiosmtpd server receives the mail; a closed port and a
refusing server exercise the back-off and the final failure."""

from __future__ import annotations

import datetime as dt

import pytest
from aiosmtpd.controller import Controller
from django.template.loader import render_to_string
from django.utils import timezone

from tandem.mail import message_ids
from tandem.mail.models import OutboundMail
from tandem.mail.outbox.sending import MAX_ATTEMPTS, RETRY_DELAYS, retry_delay, send_outbound
from tandem.mail.tests.test_outbox_fixtures import (  # noqa: F401 (fixtures)
    CUSTOMER_FIRST_ID,
    customer_mails,
    email_ticket_fixture,
    mailbox_fixture,
    parse,
    unused_port,
)
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions


class Recorder:
    """An aiosmtpd handler keeping every envelope; `refuse` maps recipients to SMTP replies."""

    def __init__(self, refuse: dict[str, str] | None = None, data_reply: str = "250 OK"):
        self.envelopes = []
        self.refuse = refuse or {}
        self.data_reply = data_reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.data_reply


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp_server(settings):
    def start(handler: Recorder) -> Recorder:
        controller = Controller(handler, hostname="127.0.0.1", port=unused_port())
        controller.start()
        started.append(controller)
        use_smtp(settings, controller.port)
        return handler

    started: list[Controller] = []
    yield start
    for controller in started:
        controller.stop()


def reply(ticket, agent, body="Please try a private window."):
    return actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body=body)


def test_real_smtp_server_receives_the_reply_with_exact_headers(
    email_ticket, agent, smtp_server, django_capture_on_commit_callbacks
):
    server = smtp_server(Recorder())
    email_ticket.followers.add(factories.make_contact(email="boss@customer.test"))

    with django_capture_on_commit_callbacks(execute=True):
        message = reply(email_ticket, agent)

    row = OutboundMail.objects.get()
    assert row.state == "sent"
    [envelope] = server.envelopes
    assert envelope.mail_from == "support@demo.test"
    assert envelope.rcpt_tos == ["carol@customer.test", "boss@customer.test"]
    raw = envelope.original_content
    for line in (
        f"Message-ID: <{row.message_id}>",
        f"In-Reply-To: <{CUSTOMER_FIRST_ID}>",
        f"References: <{CUSTOMER_FIRST_ID}>",
        f"Subject: Re: [#{email_ticket.number}] Cannot log in",
        "From: Alex Agent via Demo Support <support@demo.test>",
        "Reply-To: support@demo.test",
        "To: carol@customer.test",
        "Cc: boss@customer.test",
        f"X-Tandem-Ticket: {email_ticket.number}",
    ):
        assert f"\r\n{line}\r\n".encode() in raw
    received = parse(raw)
    assert received.get_body(("plain",)).get_content() == "Please try a private window.\r\n"
    message.refresh_from_db()
    assert message.delivery_status == "sent"


def test_customer_reply_to_our_mail_threads_back_to_the_ticket(
    email_ticket, agent, customer, smtp_server, django_capture_on_commit_callbacks
):
    """What the customer's client would do: answer with our Message-ID in its headers."""
    server = smtp_server(Recorder())
    with django_capture_on_commit_callbacks(execute=True):
        reply(email_ticket, agent)
    ours = parse(server.envelopes[0].original_content)

    their_parent = ours["Message-ID"].strip("<>")
    assert message_ids.ticket_number_of(their_parent) == email_ticket.number
    references = ours["References"].split() + [ours["Message-ID"]]
    assert [message_ids.ticket_number_of(r) for r in references] == [None, email_ticket.number]

    customer_mails(
        email_ticket, customer, body="Works now", message_id="3@c.test", in_reply_to=their_parent
    )
    with django_capture_on_commit_callbacks(execute=True):
        reply(email_ticket, agent, body="Great")
    second = parse(server.envelopes[1].original_content)
    assert second["In-Reply-To"] == "<3@c.test>"
    assert second["References"] == f"<{CUSTOMER_FIRST_ID}> <{their_parent}> <3@c.test>"


def test_retry_delays_are_1_5_15_60_minutes_then_6_hours_up_to_a_day():
    minutes = [retry_delay(n).total_seconds() / 60 for n in range(1, MAX_ATTEMPTS)]
    assert minutes == [1, 5, 15, 60, 360, 360, 360]
    assert retry_delay(MAX_ATTEMPTS) is None and retry_delay(0) is None
    assert sum(RETRY_DELAYS, dt.timedelta()) < dt.timedelta(hours=24)


def test_unreachable_server_backs_off_then_fails_with_the_reason(
    email_ticket, agent, settings, django_capture_on_commit_callbacks
):
    use_smtp(settings, unused_port())  # nothing listens: connection refused

    with django_capture_on_commit_callbacks(execute=True):
        message = reply(email_ticket, agent)

    reason = "could not reach the mail server: [Errno 111] Connection refused"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if attempt > 1:  # the back-off has passed
            OutboundMail.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
            before = timezone.now()
            send_outbound(outbound_id=OutboundMail.objects.get().pk)
        else:
            before = OutboundMail.objects.get().created_at
        after = timezone.now()
        row = OutboundMail.objects.get()
        message.refresh_from_db()
        assert (row.attempts, row.last_error) == (attempt, reason)
        if attempt < MAX_ATTEMPTS:
            delay = RETRY_DELAYS[attempt - 1]
            assert row.state == "queued"
            assert before + delay <= row.next_attempt_at <= after + delay
            assert message.delivery_status == "queued"
            assert (
                message.delivery_detail == f"attempt {attempt} of {MAX_ATTEMPTS} failed: {reason}"
            )

    assert (row.state, row.next_attempt_at, row.sent_at) == ("failed", None, None)
    assert (message.delivery_status, message.delivery_detail) == ("failed", reason)
    html = render_to_string("tickets/_message.html", {"message": message})
    assert f"Not delivered (failed): {reason}" in html


def test_server_coming_back_sends_the_waiting_mail(
    email_ticket, agent, settings, smtp_server, django_capture_on_commit_callbacks
):
    use_smtp(settings, unused_port())
    with django_capture_on_commit_callbacks(execute=True):
        reply(email_ticket, agent)
    assert OutboundMail.objects.get().state == "queued"

    server = smtp_server(Recorder())
    OutboundMail.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    send_outbound(outbound_id=OutboundMail.objects.get().pk)

    row = OutboundMail.objects.get()
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, "")
    assert len(server.envelopes) == 1


def test_recipient_refused_for_good_fails_at_once(
    email_ticket, agent, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server(Recorder(refuse={"carol@customer.test": "550 5.1.1 No such user"}))

    with django_capture_on_commit_callbacks(execute=True):
        message = reply(email_ticket, agent)

    row = OutboundMail.objects.get()
    reason = "the mail server refused carol@customer.test (550 5.1.1 No such user)"
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, reason)
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_detail) == ("failed", reason)


def test_recipient_refused_for_now_is_retried(
    email_ticket, agent, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server(Recorder(refuse={"carol@customer.test": "451 4.7.1 Greylisted, try later"}))

    with django_capture_on_commit_callbacks(execute=True):
        reply(email_ticket, agent)

    row = OutboundMail.objects.get()
    assert (row.state, row.attempts) == ("queued", 1)
    assert (
        row.last_error
        == "the mail server refused carol@customer.test (451 4.7.1 Greylisted, try later)"
    )


def test_message_refused_for_good_fails_at_once(
    email_ticket, agent, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server(Recorder(data_reply="554 5.7.1 Message rejected as spam"))

    with django_capture_on_commit_callbacks(execute=True):
        reply(email_ticket, agent)

    row = OutboundMail.objects.get()
    assert (row.state, row.attempts) == ("failed", 1)
    assert (
        row.last_error == "the mail server refused the message: 554 5.7.1 Message rejected as spam"
    )
