"""The IMAP poller: fetch unread mail of each due mailbox, store it, and only then flag it.

The order is the whole point. A message is marked \\Seen (or moved) only after its raw row is
committed; a poller that dies in between leaves it unread, and the next poll, finding the same
bytes already stored for the mailbox, flags it without storing a second copy. Mail too big to
take is left unread on the server and named in the mailbox's last error, never dropped.
"""

from __future__ import annotations

import imaplib
import logging
from dataclasses import dataclass

from imap_tools.errors import ImapToolsError

from tandem.mail.actions import max_message_bytes, receive_mail
from tandem.mail.imap.connection import ImapProblem, describe, open_session
from tandem.mail.imap.lease import LeaseLost, claim
from tandem.mail.models import InboundMail, Mailbox

log = logging.getLogger("tandem.mail.imap")

BATCH = 200  # messages per mailbox per poll, so one backlog does not starve the other mailboxes


@dataclass
class PollResult:
    stored: int = 0
    duplicates: int = 0  # stored by an earlier poll that died before flagging them
    left_on_server: int = 0  # too big to take, or past this poll's batch
    error: str = ""
    skipped: str = ""  # why nothing was tried: taken by another poller, not due, not IMAP


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"


def fetch_and_store(session, lease, mailbox: Mailbox, result: PollResult) -> list[str]:
    """Store and flag every unread message that fits; notes about what was left behind.

    The one step the minute poll and the IDLE watcher (tandem.mail.imap.watcher) share.
    """
    notes = []
    limit = max_message_bytes()
    uids = session.unseen_uids()
    if len(uids) > BATCH:
        result.left_on_server += len(uids) - BATCH
        uids = uids[:BATCH]
    sizes = session.sizes(uids)
    too_big = [uid for uid in uids if sizes.get(uid, 0) > limit]
    if too_big:
        result.left_on_server += len(too_big)
        listed = ", ".join(f"UID {uid} ({_megabytes(sizes[uid])})" for uid in too_big[:5])
        notes.append(
            f"{len(too_big)} message{'s' if len(too_big) != 1 else ''} over the "
            f"{_megabytes(limit)} limit left unread on the server: {listed}."
        )
    wanted = [uid for uid in uids if uid not in too_big]
    for message in session.fetch(wanted):
        receipt = receive_mail(
            raw=message.raw,
            source=InboundMail.Source.IMAP,
            mailbox=mailbox,
            once=True,
            before=lease.renew,
        )
        if receipt.duplicate:
            result.duplicates += 1
        else:
            result.stored += 1
        session.mark_done(message.uid)
    return notes


def poll_mailbox(mailbox: Mailbox, *, only_if_due: bool = False) -> PollResult:
    """One poll of one mailbox; never raises for what the server or the network does."""
    lease = claim(mailbox, only_if_due=only_if_due)
    if lease is None:
        return PollResult(skipped="not due, inactive, not IMAP, or another poller is on it")
    mailbox = Mailbox.objects.get(pk=mailbox.pk)
    result = PollResult()
    notes: list[str] = []
    try:
        session = open_session(mailbox)
        try:
            notes = fetch_and_store(session, lease, mailbox, result)
        finally:
            session.close()
    except LeaseLost:
        # We stalled past the lease and another poller has the mailbox: it records the outcome.
        log.warning("IMAP poll of %s lost its lease after %d messages", mailbox, result.stored)
        result.error = "Another poller took over this mailbox."
        return result
    except (ImapProblem, OSError, ImapToolsError, imaplib.IMAP4.error) as error:
        result.error = describe(error)
    except Exception as error:  # the database, or a bug: recorded, and the next poll tries again
        log.exception("IMAP poll of %s failed", mailbox)
        result.error = (
            f"The poll failed ({type(error).__name__}, details in the server log); "
            "unstored mail stays unread and the next poll retries."
        )
    message = " ".join(filter(None, [result.error, *notes]))
    if not lease.release(error=message):
        log.warning("IMAP poll of %s finished after its lease ran out", mailbox)
    if result.stored or result.error:
        log.info(
            "IMAP poll of %s: %d stored, %d already stored, %d left on the server%s",
            mailbox,
            result.stored,
            result.duplicates,
            result.left_on_server,
            f"; error: {result.error}" if result.error else "",
        )
    return result


def poll_due_mailboxes() -> int:
    """Poll every active IMAP mailbox whose interval has passed; the number of messages stored.

    Run every minute by tandem.mail.tasks.poll_imap_mailboxes. One bad mailbox (a wrong password,
    a server down) is recorded on that mailbox and never stops the others.
    """
    stored = 0
    mailboxes = Mailbox.objects.filter(active=True, receive_via=Mailbox.Inbound.IMAP).order_by("pk")
    for mailbox in mailboxes:
        try:
            stored += poll_mailbox(mailbox, only_if_due=True).stored
        except Exception:  # the database itself failing while claiming: next minute, again
            log.exception("IMAP poll of %s could not start", mailbox)
    return stored
