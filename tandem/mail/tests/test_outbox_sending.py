"""Sending an outbox row: the mail's exact headers and parts, once only, the sweep, bounces."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone

from tandem.mail.models import Mailbox, OutboundMail
from tandem.mail.outbox.bounces import mark_bounced
from tandem.mail.outbox.sending import (
    INTERRUPTED,
    MAX_ATTEMPTS,
    SENDING_LEASE,
    send_outbound,
    sweep_due,
)
from tandem.mail.tests.test_outbox_fixtures import (  # noqa: F401 (fixtures)
    CUSTOMER_FIRST_ID,
    customer_mails,
    email_ticket_fixture,
    mailbox_fixture,
    sent_messages,
)
from tandem.people import actions as people_actions
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.actions import IncomingFile

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def reply(ticket, agent, body="Please try a private window.", **kwargs):
    return actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body=body, **kwargs)


def test_agent_reply_goes_out_with_exact_headers(
    email_ticket, agent, customer, django_capture_on_commit_callbacks
):
    people_actions.update_agent(agent=agent, signature="Alex\nTier 1 support")
    agent.refresh_from_db()
    email_ticket.followers.add(factories.make_contact(email="boss@customer.test"))
    before = timezone.now().replace(microsecond=0)

    with django_capture_on_commit_callbacks(execute=True):
        message = reply(email_ticket, agent, body="Please try a private window.\n\nThen tell me.")

    row = OutboundMail.objects.get()
    [sent] = sent_messages()
    number = email_ticket.number
    assert dict(sent.items()) | {"Date": None} == {
        "Content-Type": sent["Content-Type"],
        "MIME-Version": "1.0",
        "Subject": f"Re: [#{number}] Cannot log in",
        "From": "Alex Agent via Demo Support <support@demo.test>",
        "To": "carol@customer.test",
        "Cc": "boss@customer.test",
        "Reply-To": "support@demo.test",
        "Date": None,
        "Message-ID": f"<{row.message_id}>",
        "X-Tandem-Ticket": str(number),
        "In-Reply-To": f"<{CUSTOMER_FIRST_ID}>",
        "References": f"<{CUSTOMER_FIRST_ID}>",
    }
    assert sent.get_content_type() == "multipart/alternative"
    assert before <= parsedate_to_datetime(sent["Date"]) <= timezone.now()
    assert "Auto-Submitted" not in sent and "X-Auto-Response-Suppress" not in sent
    text = sent.get_body(("plain",)).get_content()
    assert (
        text.replace("\r\n", "\n")
        == "Please try a private window.\n\nThen tell me.\n\n-- \nAlex\nTier 1 support\n"
    )
    html = sent.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert message.html in html
    assert '<div class="signature">-- <br><p>Alex<br>Tier 1 support</p></div>' in html
    assert mail.outbox[0].from_email == "Alex Agent via Demo Support <support@demo.test>"
    assert mail.outbox[0].recipients() == ["carol@customer.test", "boss@customer.test"]


def test_long_thread_references_fold_on_the_wire_and_parse_back_exactly(
    email_ticket, agent, customer, django_capture_on_commit_callbacks
):
    for n in range(25):
        customer_mails(email_ticket, customer, body=f"more {n}", message_id=f"m{n}.x@customer.test")
    with django_capture_on_commit_callbacks(execute=True):
        reply(email_ticket, agent)

    raw = mail.outbox[0].message().as_bytes(linesep="\r\n")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    expected = [CUSTOMER_FIRST_ID, *[f"m{n}.x@customer.test" for n in range(6, 25)]]
    assert sent_messages()[0]["References"] == " ".join(f"<{i}>" for i in expected)
    assert sent_messages()[0]["In-Reply-To"] == "<m24.x@customer.test>"


def test_sent_row_and_message_are_marked_sent(
    email_ticket, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = reply(email_ticket, agent)

    row = OutboundMail.objects.get()
    assert (row.state, row.attempts, row.next_attempt_at, row.last_error) == ("sent", 1, None, "")
    assert row.sent_at is not None
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_detail) == ("sent", "")
    html = render_to_string("tickets/_message.html", {"message": message})
    assert '<p class="delivery-sent">Sent</p>' in html


def test_html_of_the_reply_is_the_sanitised_html_in_a_minimal_document(
    email_ticket, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply(
            email_ticket,
            agent,
            body="Steps",
            html='<p>Steps <script>alert(1)</script><b>bold</b></p><img src="x" onerror="y()">',
        )

    html = sent_messages()[0].get_body(("html",)).get_content()
    assert html.startswith('<!DOCTYPE html>\r\n<html><head><meta charset="utf-8">')
    assert f"<title>Re: [#{email_ticket.number}] Cannot log in</title>" in html
    assert "<script" not in html and "onerror" not in html and "<b>bold</b>" in html


def test_attachments_go_out_with_their_names_types_and_bytes(
    email_ticket, agent, django_capture_on_commit_callbacks
):
    files = [
        IncomingFile("steps.txt", "Schritt 1: öffnen\n".encode(), "text/plain"),
        IncomingFile("Bildschirmfoto-äöü.png", PNG, "image/png"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        reply(email_ticket, agent, attachments=files)

    [sent] = sent_messages()
    assert sent.get_content_type() == "multipart/mixed"
    parts = [
        (p.get_filename(), p.get_content_type(), p.get_content()) for p in sent.iter_attachments()
    ]
    assert parts == [
        ("steps.txt", "text/plain", "Schritt 1: öffnen\r\n"),  # text travels with CRLF
        ("Bildschirmfoto-äöü.png", "image/png", PNG),
    ]


def test_job_running_twice_sends_once(email_ticket, agent):
    reply(email_ticket, agent)  # the after-commit job is not run here
    row = OutboundMail.objects.get()

    send_outbound(outbound_id=row.pk)
    send_outbound(outbound_id=row.pk)

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 1)


def test_job_for_a_missing_row_does_nothing(db):
    send_outbound(outbound_id=987654)
    assert mail.outbox == []


def test_row_waiting_for_its_back_off_is_not_sent_early(email_ticket, agent):
    reply(email_ticket, agent)
    later = timezone.now() + dt.timedelta(minutes=5)
    OutboundMail.objects.update(next_attempt_at=later)

    send_outbound(outbound_id=OutboundMail.objects.get().pk)

    row = OutboundMail.objects.get()
    assert (row.state, row.attempts, row.next_attempt_at) == ("queued", 0, later)
    assert mail.outbox == []


def test_sweep_recovers_a_row_whose_job_never_ran(email_ticket, agent):
    message = reply(email_ticket, agent)  # committed, but the process died before the job ran

    assert sweep_due() == 0  # its own job may still be on the way
    OutboundMail.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    assert sweep_due() == 1

    assert len(mail.outbox) == 1
    assert sent_messages()[0]["Message-ID"] == f"<{OutboundMail.objects.get().message_id}>"
    message.refresh_from_db()
    assert message.delivery_status == "sent"
    assert sweep_due() == 0
    assert len(mail.outbox) == 1


def test_sweep_sends_rows_whose_back_off_has_passed(email_ticket, agent):
    reply(email_ticket, agent)
    OutboundMail.objects.update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1), attempts=2
    )

    assert sweep_due() == 1
    row = OutboundMail.objects.get()
    assert (row.state, row.attempts) == ("sent", 3)


def test_stale_sending_row_is_sent_again_after_its_lease(email_ticket, agent):
    reply(email_ticket, agent)
    now = timezone.now()
    OutboundMail.objects.update(state="sending", attempts=1, next_attempt_at=now + SENDING_LEASE)

    assert sweep_due() == 0  # the attempt in flight still holds its lease
    send_outbound(outbound_id=OutboundMail.objects.get().pk)
    assert mail.outbox == []

    OutboundMail.objects.update(next_attempt_at=now - dt.timedelta(seconds=1))
    assert sweep_due() == 1

    row = OutboundMail.objects.get()
    assert (row.state, row.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_interrupted_last_attempt_fails_saying_the_mail_may_have_gone_out(email_ticket, agent):
    message = reply(email_ticket, agent)
    OutboundMail.objects.update(
        state="sending",
        attempts=MAX_ATTEMPTS,
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1),
    )

    assert sweep_due() == 0

    row = OutboundMail.objects.get()
    assert (row.state, row.attempts, row.last_error) == ("failed", MAX_ATTEMPTS, INTERRUPTED)
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_detail) == ("failed", INTERRUPTED)
    assert mail.outbox == []


def test_sweep_takes_a_bounded_batch(email_ticket, agent, settings, monkeypatch):
    from tandem.mail.outbox import sending

    monkeypatch.setattr(sending, "SWEEP_BATCH", 2)
    for n in range(3):
        reply(email_ticket, agent, body=f"reply {n}")
    OutboundMail.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))

    assert sweep_due() == 2
    assert sweep_due() == 1
    assert sweep_due() == 0
    assert len(mail.outbox) == 3


# --- bounces -------------------------------------------------------------------------


def test_bounce_marks_the_mail_and_its_message_with_the_reason(
    email_ticket, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = reply(email_ticket, agent)
    row = OutboundMail.objects.get()

    reason = "carol@customer.test: 550 5.1.1 mailbox unavailable"
    assert mark_bounced(original_message_id=f" <{row.message_id}> ", reason=reason) is True

    row.refresh_from_db()
    assert (row.state, row.last_error) == ("bounced", reason)
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_detail) == ("bounced", reason)
    html = render_to_string("tickets/_message.html", {"message": message})
    assert f"Not delivered (bounced): {reason}" in html


def test_bounce_of_a_mail_we_never_sent_changes_nothing(email_ticket, agent):
    message = reply(email_ticket, agent)

    assert mark_bounced(original_message_id="<someone.else@elsewhere.test>", reason="x") is False
    assert mark_bounced(original_message_id="", reason="x") is False

    assert OutboundMail.objects.get().state == "queued"
    message.refresh_from_db()
    assert message.delivery_status == "queued"


def test_a_bounced_mail_is_never_retried_or_marked_sent(email_ticket, agent):
    reply(email_ticket, agent)
    row = OutboundMail.objects.get()
    mark_bounced(original_message_id=row.message_id, reason="550 no such user")
    OutboundMail.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))

    assert sweep_due() == 0
    send_outbound(outbound_id=row.pk)

    assert mail.outbox == []
    assert OutboundMail.objects.get().state == "bounced"


@pytest.mark.parametrize(
    ("status", "detail", "shown"),
    [
        ("queued", "", '<p class="delivery-queued">Sending…</p>'),
        (
            "queued",
            "attempt 1 of 8 failed: timed out",
            '<p class="delivery-queued">Sending… (attempt 1 of 8 failed: timed out)</p>',
        ),
        ("sent", "", '<p class="delivery-sent">Sent</p>'),
        ("failed", "refused", "Not delivered (failed): refused"),
        ("bounced", "550 gone", "Not delivered (bounced): 550 gone"),
    ],
)
def test_timeline_shows_the_delivery_status(email_ticket, agent, status, detail, shown):
    message = reply(email_ticket, agent)
    message.delivery_status, message.delivery_detail = status, detail

    assert shown in render_to_string("tickets/_message.html", {"message": message})


def test_timeline_shows_no_delivery_line_for_customer_messages(email_ticket):
    first = email_ticket.messages.get()

    html = render_to_string("tickets/_message.html", {"message": first})
    assert "delivery-" not in html


def test_non_ascii_names_and_subjects_are_encoded_and_read_back(
    db, mailbox, django_capture_on_commit_callbacks
):
    zoe = factories.make_agent(name="Zoë Ångström", email="zoe@desk.test")
    Mailbox.objects.filter(pk=mailbox.pk).update(display_name="Support, Käse & Co")
    contact = factories.make_contact(email="jose@cliente.test", name="José")
    ticket = factories.make_ticket(contact=contact, subject="Überweisung fehlt", channel="email")

    with django_capture_on_commit_callbacks(execute=True):
        reply(ticket, zoe, body="Grüße")

    raw = mail.outbox[0].message().as_bytes(linesep="\r\n")
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    [sent] = sent_messages()
    assert sent["Subject"] == f"Re: [#{ticket.number}] Überweisung fehlt"
    assert sent["From"].addresses[0].display_name == "Zoë Ångström via Support, Käse & Co"
    assert sent["From"].addresses[0].addr_spec == "support@demo.test"
