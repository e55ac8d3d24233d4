"""The SMTP listener, spoken to by real clients (smtplib and swaks): 250 only once stored."""

from __future__ import annotations

import shutil
import smtplib
import socket
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tandem.core.management.commands.serve import Command as ServeCommand
from tandem.mail import actions
from tandem.mail.models import InboundMail
from tandem.mail.smtp.listener import parse_listen, start_listener
from tandem.testing.services import skip_or_fail

# The listener stores from its own threads: rows must be committed for them (and for us) to see.
pytestmark = pytest.mark.django_db(transaction=True)

RAW = (
    b"From: Carol Customer <carol@customer.test>\r\n"
    b"To: support@desk.test\r\n"
    b"Subject: =?utf-8?q?Caf=C3=A9_order?=\r\n"
    b"Message-ID: <smtp-1@customer.test>\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Hello,\r\n"
    b".a line that starts with a dot\r\n"
    b"..and one with two\r\n"
    b"Gr\xfc\xdfe   \r\n"
)
LIMIT = 4096


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def support(db):
    return actions.create_mailbox(address="support@desk.test", receive_via="smtp")


@pytest.fixture
def listener(support):
    running = start_listener("127.0.0.1", free_port(), max_bytes=LIMIT)
    yield running
    running.stop()


def client(listener) -> smtplib.SMTP:
    return smtplib.SMTP(listener.hostname, listener.port, timeout=30)


def test_a_message_is_stored_as_received_before_the_250(listener, support):
    with client(listener) as smtp:
        refused = smtp.sendmail("carol@customer.test", ["support@desk.test"], RAW)
        # sendmail has just read the 250: the row is committed and visible to this thread.
        stored = list(InboundMail.objects.all())

    assert refused == {}
    assert len(stored) == 1
    inbound = stored[0]
    assert bytes(inbound.raw) == RAW
    assert (inbound.source, inbound.mailbox_id, inbound.size) == ("smtp", support.pk, len(RAW))
    assert inbound.envelope_from == "carol@customer.test"
    assert inbound.envelope_to == ["support@desk.test"]
    assert inbound.message_id == "smtp-1@customer.test"


def test_the_250_says_accepted_for_delivery(listener):
    with client(listener) as smtp:
        smtp.ehlo()
        assert smtp.mail("carol@customer.test")[0] == 250
        assert smtp.rcpt("support@desk.test")[0] == 250
        assert smtp.data(RAW) == (250, b"Message accepted for delivery")


def test_an_unknown_recipient_gets_550_and_nothing_is_stored(listener):
    with client(listener) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp.sendmail("carol@customer.test", ["sales@desk.test"], RAW)

    assert refused.value.recipients == {
        "sales@desk.test": (550, b"5.1.1 <sales@desk.test>: no such mailbox here")
    }
    assert InboundMail.objects.count() == 0


def test_mailboxes_that_do_not_take_smtp_are_refused(listener):
    actions.create_mailbox(address="old@desk.test", receive_via="smtp", active=False)
    actions.create_mailbox(address="noreply@desk.test", receive_via="none")
    actions.create_mailbox(
        address="imap@desk.test",
        receive_via="imap",
        imap_host="imap.desk.test",
        imap_user="imap",
        imap_password="secret",
    )
    addresses = ["old@desk.test", "noreply@desk.test", "imap@desk.test"]
    with client(listener) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp.sendmail("carol@customer.test", addresses, RAW)

    assert {address: code for address, (code, _) in refused.value.recipients.items()} == {
        address: 550 for address in addresses
    }
    assert InboundMail.objects.count() == 0


def test_recipients_match_without_case_and_with_plus_tags(listener, support):
    with client(listener) as smtp:
        assert smtp.sendmail("carol@customer.test", ["Support+Billing@Desk.TEST"], RAW) == {}

    inbound = InboundMail.objects.get()
    assert inbound.mailbox_id == support.pk
    assert inbound.envelope_to == ["Support+Billing@Desk.TEST"]


def test_several_of_our_mailboxes_make_one_row(listener, support):
    billing = actions.create_mailbox(address="billing@desk.test", receive_via="smtp")
    recipients = ["support@desk.test", "nobody@desk.test", "billing@desk.test"]
    with client(listener) as smtp:
        refused = smtp.sendmail("carol@customer.test", recipients, RAW)

    assert set(refused) == {"nobody@desk.test"}
    inbound = InboundMail.objects.get()
    assert inbound.mailbox_id == support.pk
    assert inbound.envelope_to == ["support@desk.test", "billing@desk.test"]
    assert billing.inbound.count() == 0


def test_a_bounce_with_the_null_sender_is_taken(listener):
    with client(listener) as smtp:
        assert smtp.sendmail("<>", ["support@desk.test"], RAW) == {}
    assert InboundMail.objects.get().envelope_from == ""


def test_mail_over_the_size_limit_gets_552(listener):
    big = RAW + b"x" * 70 + b"\r\n"
    big += b"y" * 76 * 60  # well over the 4 KiB limit, in short lines
    with client(listener) as smtp:
        # smtplib declares SIZE= in MAIL FROM, so the listener refuses before any data.
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            smtp.sendmail("carol@customer.test", ["support@desk.test"], big)
        assert refused.value.smtp_code == 552
    with client(listener) as smtp:  # a client that does not declare the size
        smtp.ehlo()
        smtp.mail("carol@customer.test")
        smtp.rcpt("support@desk.test")
        code, text = smtp.data(big)
    assert (code, text) == (552, b"Error: Too much mail data")
    assert InboundMail.objects.count() == 0


def test_a_storage_failure_answers_451_so_the_sender_retries(listener):
    table = InboundMail._meta.db_table
    with connection.cursor() as cursor:  # every insert fails until the table is back
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        with client(listener) as smtp, pytest.raises(smtplib.SMTPDataError) as failed:
            smtp.sendmail("carol@customer.test", ["support@desk.test"], RAW)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")

    assert (failed.value.smtp_code, failed.value.smtp_error) == (
        451,
        b"4.3.0 Temporary failure, try again later",
    )
    assert InboundMail.objects.count() == 0
    with client(listener) as smtp:  # the sender's retry
        assert smtp.sendmail("carol@customer.test", ["support@desk.test"], RAW) == {}
    assert [bytes(m.raw) for m in InboundMail.objects.all()] == [RAW]


def test_long_lines_are_taken_not_bounced(listener):
    raw = RAW + b"<p>" + b"a" * 3000 + b"</p>\r\n"
    with client(listener) as smtp:
        assert smtp.sendmail("carol@customer.test", ["support@desk.test"], raw) == {}
    assert bytes(InboundMail.objects.get().raw) == raw


# --- swaks, a real SMTP client from Debian ---------------------------------------------------


def swaks(listener, *args: str) -> tuple[int, str]:
    """swaks' exit status and its transcript (which echoes the message's 8-bit bytes)."""
    binary = shutil.which("swaks")
    if binary is None:
        skip_or_fail("swaks not installed (apt-get install swaks)")
    done = subprocess.run(
        [binary, "--server", f"{listener.hostname}:{listener.port}", "--timeout", "20", *args],
        capture_output=True,
        timeout=60,
    )
    return done.returncode, (done.stdout + done.stderr).decode("utf-8", "replace")


def test_swaks_delivers_and_the_row_exists_when_it_gets_250(listener, support, tmp_path):
    message = tmp_path / "message.eml"
    # swaks ends the data with its own CRLF before the closing dot: that is the message's last.
    message.write_bytes(RAW.removesuffix(b"\r\n"))

    status, transcript = swaks(
        listener,
        "--from", "carol@customer.test",
        "--to", "support@desk.test",
        "--data", str(message),
    )  # fmt: skip

    assert status == 0, transcript
    assert "<-  250 Message accepted for delivery" in transcript
    inbound = InboundMail.objects.get()
    assert bytes(inbound.raw) == RAW
    assert (inbound.mailbox_id, inbound.envelope_to) == (support.pk, ["support@desk.test"])


def test_swaks_to_an_unknown_address_is_refused(listener):
    status, transcript = swaks(listener, "--from", "carol@customer.test", "--to", "ghost@desk.test")

    assert status == 24, transcript  # swaks: "no recipients accepted"
    assert "<** 550 5.1.1 <ghost@desk.test>: no such mailbox here" in transcript
    assert InboundMail.objects.count() == 0


# --- starting it -----------------------------------------------------------------------------


def test_listen_addresses_are_parsed():
    assert parse_listen("127.0.0.1:2525") == ("127.0.0.1", 2525)
    assert parse_listen(" [::1]:25 ") == ("::1", 25)
    for bad in ("2525", "localhost", ":2525", "host:0", "host:99999", "host:smtp"):
        with pytest.raises(ValueError, match="expected HOST:PORT"):
            parse_listen(bad)


def test_a_taken_port_fails_at_once_with_the_reason(db):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="Address already in use"):
            start_listener("127.0.0.1", port)


def test_smtpd_refuses_a_bad_listen_address(db):
    with pytest.raises(CommandError, match="--listen: expected HOST:PORT"):
        call_command("smtpd", listen="nowhere")
    with pytest.raises(CommandError, match="Nothing to listen on"):
        call_command("smtpd", listen="")


def test_serve_starts_the_listener_and_says_how_to_fix_a_taken_port(support):
    port = free_port()
    listener = ServeCommand()._start_smtp(f"127.0.0.1:{port}")
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            assert smtp.sendmail("carol@customer.test", ["support@desk.test"], RAW) == {}
        with pytest.raises(CommandError, match="or pass --no-smtp"):
            ServeCommand()._start_smtp(f"127.0.0.1:{port}")
    finally:
        listener.stop()
    assert InboundMail.objects.count() == 1
