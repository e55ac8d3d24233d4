"""The IMAP poller against a real Dovecot: exact bytes, seen only after commit, no doubles."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from tandem.mail import actions
from tandem.mail.imap.connection import ImapProblem, check_connection
from tandem.mail.imap.poller import poll_due_mailboxes, poll_mailbox
from tandem.mail.intake import receive_raw
from tandem.mail.models import InboundMail, Mailbox
from tandem.mail.tests.dovecot import *  # noqa: F403 - the `dovecot` fixture
from tandem.mail.tests.dovecot import Dovecot

SEEN = {"\\Seen"}


def message(n: int, body: bytes = b"Hello, my order has not arrived.") -> bytes:
    return (
        b"Return-Path: <carol@customer.test>\r\n"
        b"From: Carol Customer <carol@customer.test>\r\n"
        b"To: support@desk.test\r\n"
        b"Subject: =?iso-8859-1?q?Bestellung_f=FCr?= " + str(n).encode() + b"\r\n"
        b"X-Long: " + b"folded header " * 6 + b"\r\n\t continues here\r\n"
        b"Message-ID: <order-" + str(n).encode() + b"@customer.test>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n"
        b"\r\n" + body + b"\r\nGr\xfc\xdfe, Carol\r\n"
    )


def imap_mailbox(server: Dovecot, **fields) -> Mailbox:
    return actions.create_mailbox(
        address=fields.pop("address", "support@desk.test"), **server.mailbox_settings(**fields)
    )


def stored_raw(mailbox: Mailbox) -> list[bytes]:
    return [bytes(m.raw) for m in InboundMail.objects.filter(mailbox=mailbox).order_by("pk")]


@pytest.mark.django_db
def test_poll_stores_the_exact_bytes_and_marks_them_seen(dovecot):
    first, second = message(1), message(2, body=b"A line with trailing spaces   ")
    dovecot.deliver(first)
    dovecot.deliver(second)
    mailbox = imap_mailbox(dovecot)

    result = poll_mailbox(mailbox)

    assert (result.stored, result.duplicates, result.error, result.skipped) == (2, 0, "", "")
    assert stored_raw(mailbox) == [first, second]
    rows = InboundMail.objects.filter(mailbox=mailbox).order_by("pk")
    assert [(r.source, r.message_id, r.size) for r in rows] == [
        ("imap", "order-1@customer.test", len(first)),
        ("imap", "order-2@customer.test", len(second)),
    ]
    assert dovecot.messages() == [(SEEN, first), (SEEN, second)]
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error == ""
    assert timezone.now() - dt.timedelta(seconds=30) < mailbox.last_polled_at <= timezone.now()


@pytest.mark.django_db
def test_bytes_are_kept_as_the_server_sent_them(dovecot):
    """A Maildir file with bare LF is served with CRLF (IMAP's line ending): that is stored."""
    dovecot.deliver(b"From: a@customer.test\nSubject: lf\n\nbody\n")
    mailbox = imap_mailbox(dovecot)
    poll_mailbox(mailbox)
    assert stored_raw(mailbox) == [b"From: a@customer.test\r\nSubject: lf\r\n\r\nbody\r\n"]


@pytest.mark.django_db
def test_a_second_poll_stores_nothing_new(dovecot):
    dovecot.deliver(message(1))
    mailbox = imap_mailbox(dovecot)
    assert poll_mailbox(mailbox).stored == 1

    again = poll_mailbox(mailbox)

    assert (again.stored, again.duplicates, again.error) == (0, 0, "")
    assert InboundMail.objects.filter(mailbox=mailbox).count() == 1


@pytest.mark.django_db
def test_mail_stored_by_a_poller_that_died_before_flagging_is_only_flagged(dovecot):
    raw = message(1)
    dovecot.deliver(raw)
    mailbox = imap_mailbox(dovecot)
    # The earlier poll committed the row, then died before it could set \Seen.
    receive_raw(raw=raw, source="imap", mailbox=mailbox, process=False)

    result = poll_mailbox(mailbox)

    assert (result.stored, result.duplicates) == (0, 1)
    assert stored_raw(mailbox) == [raw]
    assert dovecot.messages() == [(SEEN, raw)]


@pytest.mark.django_db
def test_mail_already_read_on_the_server_is_left_alone(dovecot):
    dovecot.append(message(1), flags="\\Seen")
    unread = message(2)
    dovecot.append(unread)
    mailbox = imap_mailbox(dovecot)

    assert poll_mailbox(mailbox).stored == 1
    assert stored_raw(mailbox) == [unread]


@pytest.mark.django_db
def test_a_wrong_password_is_recorded_not_raised(dovecot):
    raw = message(1)
    dovecot.deliver(raw)
    mailbox = imap_mailbox(dovecot, imap_password="not-the-password")

    result = poll_mailbox(mailbox)

    assert result.stored == 0
    assert result.error.startswith("The server refused the login for desk: ")
    assert "not-the-password" not in result.error
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error == result.error
    assert mailbox.last_polled_at is not None and mailbox.last_polled_at <= timezone.now()
    assert InboundMail.objects.count() == 0
    assert dovecot.messages() == [(set(), raw)]


@pytest.mark.django_db
def test_an_unreachable_server_is_recorded(dovecot):
    mailbox = imap_mailbox(dovecot)
    dovecot.stop()

    result = poll_mailbox(mailbox)

    assert (
        result.error == f"127.0.0.1:{dovecot.port} refused the connection; check the host and port."
    )
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error == result.error


@pytest.mark.django_db
def test_fetched_mail_is_moved_to_the_folder_after_storing(dovecot):
    dovecot.create_folder("Done")
    raw = message(1)
    dovecot.deliver(raw)
    mailbox = imap_mailbox(dovecot, imap_move_to="Done")

    result = poll_mailbox(mailbox)

    assert (result.stored, result.error) == (1, "")
    assert stored_raw(mailbox) == [raw]
    assert dovecot.messages("INBOX") == []
    assert dovecot.messages("Done") == [(SEEN, raw)]


@pytest.mark.django_db
def test_a_missing_move_folder_fetches_nothing(dovecot):
    raw = message(1)
    dovecot.deliver(raw)
    mailbox = imap_mailbox(dovecot, imap_move_to="Processed")

    result = poll_mailbox(mailbox)

    assert result.stored == 0
    assert "The folder 'Processed' to move fetched mail to does not exist" in result.error
    assert InboundMail.objects.count() == 0
    assert dovecot.messages() == [(set(), raw)]


@pytest.mark.django_db
def test_mail_is_not_flagged_when_storing_it_fails(dovecot):
    raw = message(1)
    dovecot.deliver(raw)
    mailbox = imap_mailbox(dovecot)
    table = InboundMail._meta.db_table
    with connection.cursor() as cursor:  # the database loses the table: every insert fails
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        result = poll_mailbox(mailbox)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")

    assert result.stored == 0
    # SQLite and PostgreSQL name a missing table differently.
    failures = ("The poll failed (OperationalError", "The poll failed (ProgrammingError")
    assert result.error.startswith(failures)
    assert dovecot.messages() == [(set(), raw)]  # still unread: the next poll takes it
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error == result.error

    assert poll_mailbox(mailbox).stored == 1
    assert stored_raw(mailbox) == [raw]
    assert dovecot.messages() == [(SEEN, raw)]


@pytest.mark.django_db
def test_mail_over_the_size_limit_stays_unread_on_the_server(dovecot, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000  # the transports take twice that
    big, small = message(1, body=b"x" * 3000), message(2)
    dovecot.deliver(big)
    dovecot.deliver(small)
    mailbox = imap_mailbox(dovecot)

    result = poll_mailbox(mailbox)

    assert (result.stored, result.left_on_server) == (1, 1)
    assert stored_raw(mailbox) == [small]
    assert dovecot.messages() == [(set(), big), (SEEN, small)]
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error.startswith(
        "1 message over the 0.0 MB limit left unread on the server: UID 1 ("
    )


# --- one poller at a time -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_mailbox_another_poller_holds_is_skipped(dovecot):
    raw = message(1)
    dovecot.deliver(raw)
    mailbox = imap_mailbox(dovecot)
    lease_end = timezone.now() + dt.timedelta(minutes=3)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=lease_end)

    result = poll_mailbox(mailbox)

    assert result.stored == 0 and result.skipped
    assert InboundMail.objects.count() == 0
    assert dovecot.messages() == [(set(), raw)]
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at == lease_end


@pytest.mark.django_db
def test_the_lease_of_a_poller_that_died_runs_out(dovecot):
    dovecot.deliver(message(1))
    mailbox = imap_mailbox(dovecot)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert poll_mailbox(mailbox).stored == 1


@pytest.mark.django_db(transaction=True)
def test_two_pollers_at_once_store_each_message_once(dovecot):
    raws = [message(n) for n in range(1, 6)]
    for raw in raws:
        dovecot.deliver(raw)
    mailbox = imap_mailbox(dovecot)
    results, start = [], threading.Barrier(2)

    def poller():
        try:
            start.wait()
            results.append(poll_mailbox(mailbox))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(r.stored for r in results) == [0, 5]
    assert sorted(stored_raw(mailbox)) == sorted(raws)
    assert all(flags == SEEN for flags, _ in dovecot.messages())


@pytest.mark.django_db
def test_the_periodic_poll_takes_due_mailboxes_and_survives_a_bad_one(dovecot):
    raw = message(1)
    dovecot.deliver(raw)
    bad = imap_mailbox(dovecot, address="broken@desk.test", imap_password="wrong")
    good = imap_mailbox(dovecot)
    recent = timezone.now() - dt.timedelta(seconds=10)
    not_due = imap_mailbox(dovecot, address="later@desk.test", poll_interval_seconds=600)
    Mailbox.objects.filter(pk=not_due.pk).update(last_polled_at=recent)
    inactive = imap_mailbox(dovecot, address="off@desk.test", active=False)

    assert poll_due_mailboxes() == 1

    assert stored_raw(good) == [raw]
    bad.refresh_from_db()
    assert bad.last_poll_error.startswith("The server refused the login")
    not_due.refresh_from_db()
    assert not_due.last_polled_at == recent
    inactive.refresh_from_db()
    assert inactive.last_polled_at is None
    # Just polled: not due again within its interval.
    assert poll_due_mailboxes() == 0


@pytest.mark.django_db
def test_the_huey_job_runs_the_poller(dovecot):
    from tandem.mail.tasks import poll_imap_mailboxes

    dovecot.deliver(message(1))
    mailbox = imap_mailbox(dovecot)

    poll_imap_mailboxes()  # immediate mode in tests: runs here, under its lock

    assert len(stored_raw(mailbox)) == 1


# --- test connection -----------------------------------------------------------------------


@pytest.mark.django_db
def test_check_connection_reports_the_folder_and_fetches_nothing(dovecot):
    raw = message(1)
    dovecot.deliver(raw)
    mailbox = imap_mailbox(dovecot)

    answer = check_connection(mailbox)

    assert answer == (
        f"Connected to 127.0.0.1:{dovecot.port} as desk; the folder INBOX has 1 unread "
        "message. The poller fetches unread mail and marks it seen."
    )
    assert dovecot.messages() == [(set(), raw)]
    assert InboundMail.objects.count() == 0


@pytest.mark.django_db
def test_check_connection_names_a_missing_folder(dovecot):
    mailbox = imap_mailbox(dovecot, imap_folder="Support")
    with pytest.raises(ImapProblem, match="The folder 'Support' cannot be opened"):
        check_connection(mailbox)
