"""classify(): auto-replies, out-of-office, bulk mail, daemons and bounces."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.mail.automatic import Automation, BouncedRecipient, classify
from tandem.mail.parsing import parse_message


def classified(
    headers: str = "",
    body: str = "Hello",
    subject: str = "Question",
    sender: str = "Ann <ann@example.com>",
) -> Automation:
    raw = (
        f"From: {sender}\r\nTo: help@desk.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <m1@example.com>\r\n{headers.strip()}\r\n\r\n{body}"
    ).encode()
    return classify(parse_message(raw.replace(b"\r\n\r\n\r\n", b"\r\n\r\n")))


def test_a_person_writing_is_not_automatic():
    automation = classified()
    assert automation == Automation()
    assert automation.must_not_autoreply is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("auto-replied", True),
        ("auto-generated", True),
        ("auto-notified; owner-email=x@y", True),
        ("no", False),
        ("No", False),
    ],
)
def test_auto_submitted(value, expected):
    automation = classified(f"Auto-Submitted: {value}")
    assert automation.is_auto_submitted is expected
    assert automation.must_not_autoreply is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("All", True),
        ("OOF, AutoReply", True),
        ("DR", True),
        ("RN, NRN", True),
        ("None", False),
    ],
)
def test_auto_response_suppress(value, expected):
    automation = classified(f"X-Auto-Response-Suppress: {value}")
    assert automation.suppress_autoreply is expected
    assert automation.must_not_autoreply is expected


@pytest.mark.parametrize(
    "header",
    [
        "Precedence: bulk",
        "Precedence: list",
        "Precedence: junk",
        "Precedence: auto_reply",
        "List-Id: Users <users.lists.example.com>",
        "List-Unsubscribe: <mailto:leave@example.com>",
    ],
)
def test_bulk_and_list_mail(header):
    automation = classified(header)
    assert automation.is_bulk and automation.must_not_autoreply
    assert not automation.is_out_of_office


@pytest.mark.parametrize(
    "header",
    [
        "X-Autoreply: yes",
        "X-Autorespond: on",
        "X-Auto-Response: yes",
        "X-Autorepond: yes",
    ],
)
def test_autoreply_headers_mean_out_of_office(header):
    automation = classified(header)
    assert automation.is_autoreply_header and automation.is_out_of_office
    assert automation.must_not_autoreply


@pytest.mark.parametrize(
    ("sender", "daemon", "noreply"),
    [
        ("MAILER-DAEMON@mx.example.com", True, False),
        ("Mail Delivery System <postmaster@example.com>", True, False),
        ("Shop <no-reply@shop.example>", False, True),
        ("noreply@github.com", False, True),
        ("do_not_reply+tracking@example.com", False, True),
        ("norman@example.com", False, False),
    ],
)
def test_daemon_and_noreply_senders(sender, daemon, noreply):
    automation = classified(sender=sender)
    assert (automation.from_daemon, automation.from_noreply) == (daemon, noreply)
    assert automation.must_not_autoreply is daemon  # no-reply alone is not automatic


def test_empty_return_path():
    assert classified("Return-Path: <>").empty_return_path is True
    assert classified("Return-Path: <ann@example.com>").empty_return_path is False
    assert classified().empty_return_path is False


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Question",
        "Automatic reply: Question",
        "Autoreply: Question",
        "Abwesenheitsnotiz: Frage",
        "Automatische Antwort: Frage",
        "Réponse automatique : Question",
        "Respuesta automática: Pregunta",
        "Fuori ufficio: Domanda",
        "Risposta automatica: Domanda",
        "Automatisch antwoord: Vraag",
        "Automatiskt svar: Fråga",
        "Odpowiedź automatyczna: Pytanie",
        "Автоматический ответ: Вопрос",
        "自动回复: 问题",
        "RE: Out of the office until Monday",
        "Absence",
        "Absent: Jean Dupont",
    ],
)
def test_out_of_office_subjects(subject):
    automation = classified(subject=subject)
    assert automation.is_out_of_office and automation.must_not_autoreply


def test_weak_absence_words_need_another_signal():
    assert classified(subject="Absence request for next week").is_out_of_office is False
    assert (
        classified(
            "Auto-Submitted: auto-replied", subject="Absence request for next week"
        ).is_out_of_office
        is True
    )
    assert classified("Precedence: bulk", subject="Vacation plans").is_out_of_office is True


def test_exchange_out_of_office_headers():
    automation = classified(
        "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All", subject="I am away"
    )
    assert automation.is_out_of_office and automation.is_auto_submitted
    assert automation.suppress_autoreply and not automation.is_bounce


DSN = """Content-Type: multipart/report; report-type=delivery-status; boundary="r"
Return-Path: <>
Auto-Submitted: auto-replied

--r
Content-Type: text/plain

Delivery to the following recipient failed permanently: bob@example.org
--r
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.desk.test
Arrival-Date: Mon, 2 Apr 2012 18:22:10 +0000

Final-Recipient: rfc822; Bob@Example.org
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: Recipient address rejected:
 User unknown

Final-Recipient: rfc822; carol@example.org
Action: delayed
Status: 4.4.1
--r
Content-Type: {returned}

Message-ID: <outbound-42@desk.test>
From: help@desk.test
Subject: Your ticket

{body}
--r--
"""


@pytest.mark.parametrize(
    ("returned", "body"),
    [
        ("message/rfc822", "Original body"),
        ("text/rfc822-headers", ""),
        ("message/rfc822-headers", ""),
    ],
)
def test_delivery_status_report_is_a_bounce_with_details(returned, body):
    report = DSN.format(
        action="failed", status="5.1.1 (user unknown)", returned=returned, body=body
    )
    head, payload = report.split("\n\n", 1)
    automation = classified(
        head.replace("\n", "\r\n"),
        payload.replace("\n", "\r\n"),
        subject="Delivery Status Notification (Failure)",
        sender="Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
    )
    assert automation.is_bounce and automation.must_not_autoreply
    assert automation.report_type == "delivery-status"
    assert not automation.is_out_of_office
    bounce = automation.bounce
    assert bounce.original_message_id == "outbound-42@desk.test"
    assert bounce.reporting_mta == "mx.desk.test"
    assert bounce.recipients == [
        BouncedRecipient(
            "bob@example.org",
            "failed",
            "5.1.1",
            "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown",
        )
    ]
    assert bounce.recipients[0].is_permanent


def test_delay_notice_is_automatic_but_not_a_bounce():
    report = DSN.format(action="delayed", status="4.4.7", returned="text/rfc822-headers", body="")
    head, payload = report.split("\n\n", 1)
    automation = classified(head.replace("\n", "\r\n"), payload.replace("\n", "\r\n"))
    assert automation.is_bounce is False and automation.bounce is None
    assert automation.must_not_autoreply


def test_failed_recipients_header_and_message_id_in_the_text():
    body = (
        "This message was created automatically by mail delivery software.\r\n\r\n"
        "------ This is a copy of the message, including all the headers. ------\r\n"
        "Message-Id: <outbound-7@desk.test>\r\nSubject: Hi\r\n"
    )
    automation = classified(
        "X-Failed-Recipients: gone@example.org",
        body,
        subject="Mail delivery failed: returning message to sender",
        sender="Mail Delivery System <Mailer-Daemon@mx.example.org>",
    )
    assert automation.is_bounce
    assert automation.bounce.original_message_id == "outbound-7@desk.test"
    assert [r.address for r in automation.bounce.recipients] == ["gone@example.org"]


def test_bounce_subject_alone_needs_a_machine_sender():
    assert classified(subject="Undeliverable: Question").is_bounce is False
    automation = classified("Return-Path: <>", subject="Undeliverable: Question")
    assert automation.is_bounce and automation.bounce.recipients == []


def test_read_receipt_report_is_automatic():
    automation = classified(
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="r"',
        "--r\r\nContent-Type: text/plain\r\n\r\nRead.\r\n--r--\r\n",
    )
    assert automation.report_type == "disposition-notification"
    assert automation.must_not_autoreply and not automation.is_bounce


def test_real_delivery_failure_from_the_corpus():
    path = Path("/work/shared/data/mail/mail-parser/mail_malformed_2")
    if not path.exists():
        pytest.skip("shared corpus missing")
    automation = classify(parse_message(path.read_bytes()))
    assert (automation.is_bounce, automation.from_daemon, automation.empty_return_path) == (
        True,
        True,
        True,
    )
    assert automation.bounce.recipients == [
        BouncedRecipient("abh@netpar.com.br", "failed", "4.2.2", "")
    ]
    assert automation.bounce.original_message_id == (
        "004801d1fc84$01c934ac$b247f0b7$@infospacemail.com"
    )
