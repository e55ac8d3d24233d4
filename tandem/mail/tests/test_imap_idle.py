"""IMAP IDLE watchers against a real Dovecot: mail is stored seconds after it arrives, no poll
needed; one watcher per mailbox (the lease); a restart imports nothing twice."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError
from django.utils import timezone

from tandem.mail.imap import watcher as watching
from tandem.mail.imap.poller import poll_due_mailboxes, poll_mailbox
from tandem.mail.imap.watcher import MailboxWatcher, fetch_mode
from tandem.mail.models import InboundMail, Mailbox
from tandem.mail.tests.dovecot import *  # noqa: F403 - the `dovecot` fixture
from tandem.mail.tests.test_imap import SEEN, imap_mailbox, message, stored_raw
from tandem.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)
WITHIN_SECONDS = 10


def wait_for(condition, seconds: float = WITHIN_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = condition()
        except OperationalError:  # SQLite's shared test database: the watcher is writing
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


@pytest.fixture
def watchers():
    started: list[MailboxWatcher] = []

    def start(mailbox: Mailbox, **options) -> MailboxWatcher:
        watcher = MailboxWatcher(mailbox.pk, **options)
        started.append(watcher)
        watcher.start()
        return watcher

    yield start
    for watcher in started:
        watcher.stop()
    for watcher in started:
        watcher.join(15)
        assert not watcher.is_alive()


def test_mail_delivered_while_the_watcher_idles_becomes_a_ticket_within_seconds(dovecot, watchers):
    mailbox = imap_mailbox(dovecot, poll_interval_seconds=3600)
    watcher = watchers(mailbox)
    wait_for(watcher.idling.is_set)

    raw = message(1)
    delivered = time.monotonic()
    dovecot.deliver(raw)
    wait_for(lambda: Ticket.objects.filter(subject__startswith="Bestellung").exists())
    assert time.monotonic() - delivered < WITHIN_SECONDS
    assert stored_raw(mailbox) == [raw]
    wait_for(lambda: dovecot.messages() == [(SEEN, raw)])

    # The watcher holds the lease: the minute poll leaves the mailbox alone.
    mailbox.refresh_from_db()
    assert mailbox.imap_uses_idle is True
    assert mailbox.last_polled_at > timezone.now()
    assert poll_due_mailboxes() == 0
    assert poll_mailbox(mailbox).skipped
    assert fetch_mode(mailbox, leased=True) == "IDLE: new mail is fetched as it arrives"

    watcher.stop()
    watcher.join(15)
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at <= timezone.now()  # lease given back on a clean stop
    assert mailbox.last_poll_error == ""


def test_a_restarted_watcher_catches_up_and_imports_nothing_twice(dovecot, watchers):
    first, second, third = message(1), message(2), message(3)
    dovecot.deliver(first)  # waiting before any watcher ran
    mailbox = imap_mailbox(dovecot)
    watcher = watchers(mailbox)
    wait_for(watcher.idling.is_set)
    assert stored_raw(mailbox) == [first]
    dovecot.deliver(second)
    wait_for(lambda: len(stored_raw(mailbox)) == 2)
    watcher.stop()
    watcher.join(15)

    dovecot.deliver(third)  # while no watcher runs
    again = watchers(mailbox)
    wait_for(again.idling.is_set)
    wait_for(lambda: len(stored_raw(mailbox)) == 3)
    time.sleep(1)
    assert stored_raw(mailbox) == [first, second, third]
    assert InboundMail.objects.filter(mailbox=mailbox).count() == 3
    assert all(flags == SEEN for flags, _ in dovecot.messages())


def test_the_lease_lets_one_watcher_per_mailbox_run(dovecot, watchers):
    mailbox = imap_mailbox(dovecot)
    one = watchers(mailbox, retry_seconds=0.5)
    wait_for(one.idling.is_set)
    other = watchers(mailbox, retry_seconds=0.5)  # as if in another process
    time.sleep(2)
    assert not other.idling.is_set() and other.lease is None
    raw = message(1)
    dovecot.deliver(raw)
    wait_for(lambda: stored_raw(mailbox) == [raw])

    one.stop()
    one.join(15)
    # Handed over when the first one stopped; on SQLite's shared test database a busy
    # machine can make the other's claims fail with "table locked" and back off, hence 30 s.
    wait_for(other.idling.is_set, seconds=30)
    second = message(2)
    dovecot.deliver(second)
    wait_for(lambda: stored_raw(mailbox) == [raw, second])


def test_without_idle_the_watcher_hands_the_mailbox_back_to_the_poller(
    dovecot, watchers, monkeypatch
):
    monkeypatch.setattr(watching, "server_has_idle", lambda session: False)
    raw = message(1)
    dovecot.deliver(raw)
    mailbox = imap_mailbox(dovecot)
    watcher = watchers(mailbox)
    watcher.join(15)
    assert not watcher.is_alive() and watcher.no_idle
    mailbox.refresh_from_db()
    assert mailbox.imap_uses_idle is False
    assert mailbox.last_polled_at <= timezone.now()
    assert fetch_mode(mailbox, leased=False).startswith("Polling: the server has no IDLE")
    assert poll_mailbox(mailbox).stored == 1  # the poller has it again


def test_a_watcher_backs_off_and_reconnects_after_a_refused_login(dovecot, watchers):
    mailbox = imap_mailbox(dovecot, imap_password="wrong")
    watcher = watchers(mailbox)
    wait_for(lambda: Mailbox.objects.get(pk=mailbox.pk).last_poll_error)
    assert Mailbox.objects.get(pk=mailbox.pk).last_poll_error.startswith(
        "The server refused the login"
    )
    from tandem.mail.actions import update_mailbox

    update_mailbox(mailbox=mailbox, imap_password=dovecot.password)
    wait_for(watcher.idling.is_set)  # the next attempt after the back-off works
    assert Mailbox.objects.get(pk=mailbox.pk).last_poll_error == ""
