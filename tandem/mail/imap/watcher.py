"""IMAP IDLE: a long-running watcher per mailbox that stores new mail seconds after it arrives.

Where the server advertises IDLE (RFC 2177), a watcher thread holds the mailbox's poll lease
(tandem.mail.imap.lease) for as long as it runs, so the minute poller skips that mailbox and
one watcher per mailbox runs across all processes: the others find the lease taken and wait.
It catches up on unread mail, then waits in IDLE; on EXISTS it leaves IDLE and runs the
poller's fetch-and-store step (stored first, flagged only after commit). It re-issues IDLE
well inside the lease (and far below RFC 2177's 29 minutes), renewing the lease each time,
reconnects with back-off after errors, and hands the mailbox back to the poller when the
server has no IDLE. `tandem serve` and `tandem worker` start the watchers (`start_watchers`).
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import threading

from django.db import close_old_connections, connections
from imap_tools.errors import ImapToolsError

from tandem.mail.imap.connection import ImapProblem, Session, describe, open_session
from tandem.mail.imap.lease import LEASE, Lease, LeaseLost, claim
from tandem.mail.imap.poller import PollResult, fetch_and_store
from tandem.mail.models import Mailbox

log = logging.getLogger("tandem.mail.imap")

# Leave IDLE and renew the lease this often: well inside the lease and RFC 2177's 29 minutes.
IDLE_SECONDS = min(240, int(LEASE.total_seconds()) // 2)
# How often the manager looks for new, changed or orphaned mailboxes (a watcher that died
# in another process frees its mailbox when its lease runs out).
SCAN_SECONDS = 30
BACKOFF_SECONDS = (1, 2, 5, 10, 30, 60, 120, 300)
STOP_CHECK_SECONDS = 1.0  # the longest a watcher waits before noticing it should stop


def fetch_mode(mailbox: Mailbox, *, leased: bool) -> str:
    """How an IMAP mailbox gets its mail, in words for the settings pages."""
    every = f"polled every {mailbox.poll_interval_seconds} s"
    if mailbox.imap_uses_idle is True:
        if leased:
            return "IDLE: new mail is fetched as it arrives"
        return f"IDLE, but no watcher is running now: {every}"
    if mailbox.imap_uses_idle is False:
        return f"Polling: the server has no IDLE, {every}"
    return f"Polling ({every}) until a watcher has asked the server for IDLE"


def server_has_idle(session: Session) -> bool:
    return "IDLE" in session.client.client.capabilities


def _record_mode(mailbox_pk: int, uses_idle: bool) -> None:
    Mailbox.objects.filter(pk=mailbox_pk).exclude(imap_uses_idle=uses_idle).update(
        imap_uses_idle=uses_idle
    )


class MailboxWatcher(threading.Thread):
    """Watch one mailbox in IDLE until stopped, the mailbox changes, or the server lacks IDLE."""

    def __init__(self, mailbox_pk: int, *, retry_seconds: float = SCAN_SECONDS):
        super().__init__(name=f"imap-idle-{mailbox_pk}", daemon=True)
        self.mailbox_pk = mailbox_pk
        self.retry_seconds = retry_seconds  # after finding the lease taken
        self.stopping = threading.Event()
        self.idling = threading.Event()  # set while waiting in IDLE (tests wait for it)
        self.lease: Lease | None = None
        self.no_idle = False  # the server does not advertise IDLE: polling it is

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        failures = 0
        try:
            while not self.stopping.is_set():
                try:
                    if self._watch_once():
                        return  # done for good: stopped, no IDLE, or the mailbox changed
                    failures = 0
                except LeaseLost:
                    log.warning("IMAP IDLE on mailbox %s lost its lease", self.mailbox_pk)
                    self.lease = None
                except Exception as error:
                    failures += 1
                    self._note_error(error)
                delay = BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)]
                self.stopping.wait(delay if failures else self.retry_seconds)
        finally:
            self._release("")
            connections.close_all()

    def _watch_once(self) -> bool:
        """One connection's life; True when the watcher should end, False to try again."""
        close_old_connections()
        mailbox = Mailbox.objects.filter(
            pk=self.mailbox_pk, active=True, receive_via=Mailbox.Inbound.IMAP
        ).first()
        if mailbox is None:
            return True
        if self.lease is None:
            self.lease = claim(mailbox, only_if_due=False)
            if self.lease is None:
                return False  # another watcher or a poll has it: look again later
        session = open_session(mailbox)
        try:
            if not server_has_idle(session):
                self.no_idle = True
                _record_mode(mailbox.pk, False)
                log.info("IMAP server of %s has no IDLE: it is polled instead", mailbox)
                return True
            _record_mode(mailbox.pk, True)
            self._store_new(session, mailbox)
            while not self.stopping.is_set():
                if self._changed(mailbox):
                    return True  # the manager starts a watcher with the new settings
                # After new mail, and after each quiet IDLE too: a message that arrived just
                # before IDLE began is then stored within one IDLE period at worst.
                self._wait_in_idle(session)
                self._store_new(session, mailbox)
            return True
        finally:
            self.idling.clear()
            session.close()

    def _wait_in_idle(self, session: Session) -> bool:
        """Wait in IDLE up to IDLE_SECONDS; True when the server announced new mail."""
        idle = session.client.idle
        idle.start()
        self.idling.set()
        arrived = False
        try:
            waited = 0.0
            while waited < IDLE_SECONDS and not self.stopping.is_set():
                responses = idle.poll(timeout=STOP_CHECK_SECONDS)
                if any(line.endswith(b"EXISTS") for line in responses):
                    arrived = True
                    break
                waited += STOP_CHECK_SECONDS
        finally:
            self.idling.clear()
            idle.stop()
        return arrived

    def _store_new(self, session: Session, mailbox: Mailbox) -> None:
        result = PollResult()
        notes = fetch_and_store(session, self.lease, mailbox, result)
        self.lease.renew()
        if notes:
            Mailbox.objects.filter(pk=mailbox.pk).update(last_poll_error=" ".join(notes))
        elif mailbox.last_poll_error:
            Mailbox.objects.filter(pk=mailbox.pk).update(last_poll_error="")
            mailbox.last_poll_error = ""
        if result.stored:
            log.info("IMAP IDLE on %s: %d stored", mailbox, result.stored)

    def _changed(self, mailbox: Mailbox) -> bool:
        now = (
            Mailbox.objects.filter(pk=mailbox.pk)
            .values_list(
                "active",
                "receive_via",
                "imap_host",
                "imap_port",
                "imap_security",
                "imap_user",
                "imap_folder",
                "imap_move_to",
                "imap_password_encrypted",
            )
            .first()
        )
        return now != (
            mailbox.active, mailbox.receive_via, mailbox.imap_host, mailbox.imap_port,
            mailbox.imap_security, mailbox.imap_user, mailbox.imap_folder, mailbox.imap_move_to,
            mailbox.imap_password_encrypted,
        )  # fmt: skip

    def _note_error(self, error: Exception) -> None:
        if isinstance(error, ImapProblem | OSError | ImapToolsError | imaplib.IMAP4.error):
            text = describe(error)
            log.warning("IMAP IDLE on mailbox %s: %s", self.mailbox_pk, text)
        else:
            log.exception("IMAP IDLE on mailbox %s failed", self.mailbox_pk)
            text = (
                f"Waiting for mail failed ({type(error).__name__}, details in the server log); "
                "it reconnects and retries."
            )
        # Keep the lease while backing off: the poller would meet the same error.
        with contextlib.suppress(Exception):
            Mailbox.objects.filter(pk=self.mailbox_pk).update(last_poll_error=text)
            if self.lease is not None:
                self.lease.renew()

    def _release(self, error: str) -> None:
        if self.lease is not None:
            with contextlib.suppress(Exception):
                self.lease.release(error=error)
            self.lease = None


class Watchers(threading.Thread):
    """Keeps one watcher per active IMAP mailbox in this process (each one holding the lease
    only where no other process does), until stopped."""

    def __init__(self):
        super().__init__(name="imap-idle-watchers", daemon=True)
        self.stopping = threading.Event()
        self.watchers: dict[int, MailboxWatcher] = {}
        self.without_idle: set[int] = set()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    self.scan()
                except Exception:
                    log.exception("IMAP IDLE: could not look up the mailboxes")
                self.stopping.wait(SCAN_SECONDS)
        finally:
            connections.close_all()

    def scan(self) -> None:
        close_old_connections()
        wanted = set(
            Mailbox.objects.filter(active=True, receive_via=Mailbox.Inbound.IMAP)
            .exclude(imap_uses_idle=False)
            .values_list("pk", flat=True)
        )
        for pk, watcher in list(self.watchers.items()):
            if not watcher.is_alive():
                del self.watchers[pk]
        for pk in wanted - set(self.watchers):
            watcher = MailboxWatcher(pk)
            self.watchers[pk] = watcher
            watcher.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        for watcher in self.watchers.values():
            watcher.stop()
        for watcher in self.watchers.values():
            watcher.join(timeout)
        self.join(timeout)


def start_watchers() -> Watchers:
    watchers = Watchers()
    watchers.start()
    return watchers
