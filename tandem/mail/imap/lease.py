"""One poller per mailbox at a time, across threads, processes and machines: a lease in the row.

While a poll runs, the mailbox's `last_polled_at` holds the moment its lease ends (a time in the
future); when it finishes, the moment it finished. Taking, renewing and giving back the lease are
compare-and-set UPDATEs on that column, which SQLite and PostgreSQL both make atomic, so of two
pollers only one wins. A poller killed mid-way holds nothing forever: its lease just runs out.

Why not the alternatives: SELECT ... FOR UPDATE is a no-op on SQLite, and a transaction held
open over a network poll would block every other writer there (and could not commit message by
message); a Huey lock has no expiry, so a worker killed at the wrong moment would leave the
mailbox unpolled until someone flushed it by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tandem.mail.models import Mailbox

# Renewed before every message is stored: a poll step (fetch one message, store it) must finish
# within it, or another poller may take over (and the slow one then stops, storing nothing more).
LEASE = dt.timedelta(minutes=5)


class LeaseLost(Exception):
    """Another poller took the mailbox over after this one stalled past its lease."""


def is_leased(mailbox: Mailbox, now: dt.datetime | None = None) -> bool:
    """A poll is running (or died less than a lease ago)."""
    now = now or timezone.now()
    return mailbox.last_polled_at is not None and mailbox.last_polled_at > now


def is_due(mailbox: Mailbox, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if mailbox.last_polled_at is None:
        return True
    interval = dt.timedelta(seconds=mailbox.poll_interval_seconds)
    return mailbox.last_polled_at + interval <= now


def _swap(pk: int, expected: list[dt.datetime] | None, **values) -> bool:
    """Compare-and-set: write only if the row still holds one of the expected stamps (None:
    never polled)."""
    rows = Mailbox.objects.filter(pk=pk)
    if expected is None:
        rows = rows.filter(last_polled_at__isnull=True)
    else:
        rows = rows.filter(last_polled_at__in=expected)
    return rows.update(**values) == 1


@dataclass
class Lease:
    mailbox_pk: int
    until: dt.datetime
    # The stamp before the last renewal: that renewal ran inside the transaction storing a
    # message, and if the store failed it was rolled back with it, so the row may hold either.
    previous: dt.datetime | None = None

    def _stamps(self) -> list[dt.datetime]:
        return [self.until] if self.previous is None else [self.until, self.previous]

    def renew(self) -> None:
        """Push the end out again; LeaseLost when someone else holds it now."""
        until = max(timezone.now() + LEASE, self.until + dt.timedelta(microseconds=1))
        if not _swap(self.mailbox_pk, self._stamps(), last_polled_at=until):
            raise LeaseLost()
        self.previous, self.until = self.until, until

    def release(self, *, error: str) -> bool:
        """Record the poll's outcome and free the mailbox until its next interval."""
        return _swap(
            self.mailbox_pk, self._stamps(), last_polled_at=timezone.now(), last_poll_error=error
        )


def claim(mailbox: Mailbox, *, only_if_due: bool) -> Lease | None:
    """The lease on an active IMAP mailbox, or None when it is taken (or not due, if asked)."""
    fresh = Mailbox.objects.filter(
        pk=mailbox.pk, active=True, receive_via=Mailbox.Inbound.IMAP
    ).first()
    now = timezone.now()
    if fresh is None or is_leased(fresh, now) or (only_if_due and not is_due(fresh, now)):
        return None
    until = now + LEASE
    expected = None if fresh.last_polled_at is None else [fresh.last_polled_at]
    if not _swap(fresh.pk, expected, last_polled_at=until):
        return None  # another poller claimed it between our read and our write
    return Lease(fresh.pk, until)
