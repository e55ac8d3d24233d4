"""Sending outbox rows: claim under a lease, send once, record the outcome, back off on failure.

Delivery is at-least-once. A row moves to "sending" (committed) before the transport is
called, and while it is sending its `next_attempt_at` is the end of that attempt's lease.
If the process dies after the mail server said 250 but before "sent" was written, nobody
can know whether the mail left; once the lease has expired the sweep sends it again with
the same Message-ID, which mail clients and many servers use to fold duplicates. The
other choice (never retry an unknown outcome) would silently lose replies, which is worse
for a helpdesk than a rare duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from functools import partial

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tandem.core import live
from tandem.mail.models import OutboundMail
from tandem.mail.outbox.composing import compose
from tandem.tickets.models import Message

log = logging.getLogger(__name__)

State = OutboundMail.State
Delivery = Message.Delivery

# The wait after the n-th failed attempt: 1, 5, 15 and 60 minutes, then every 6 hours. The
# eighth failure is final, about 19 h 21 min after the first try: no retry is ever planned
# more than 24 h after it.
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(minutes=60),
    dt.timedelta(hours=6),
    dt.timedelta(hours=6),
    dt.timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
SENDING_LEASE = dt.timedelta(minutes=10)
# A new row's own job normally runs within seconds of the commit; the sweep leaves it that long.
QUEUED_GRACE = dt.timedelta(minutes=1)
SWEEP_BATCH = 200
TRANSPORT_TIMEOUT_SECONDS = 60  # far below the lease: a hung server cannot outlive it
INTERRUPTED = "an earlier attempt was interrupted; the mail server may or may not have accepted it"


class NothingSent(Exception):
    """The mail backend returned without sending (and without saying why)."""


def retry_delay(attempts: int) -> dt.timedelta | None:
    """How long to wait after the `attempts`-th failed attempt; None when it was the last."""
    if 1 <= attempts <= len(RETRY_DELAYS):
        return RETRY_DELAYS[attempts - 1]
    return None


def send_outbound(*, outbound_id: int) -> None:
    """Send one row if it is due (queued, or sending with an expired lease); else do nothing."""
    now = timezone.now()
    lease = _claim(outbound_id, now)
    if lease is None:
        return
    row = OutboundMail.objects.select_related(
        "ticket", "mailbox", "ticket_message__author_agent"
    ).get(pk=outbound_id)
    try:
        mail = compose(row, at=now)
        connection = get_connection(
            fail_silently=False,
            timeout=getattr(settings, "EMAIL_TIMEOUT", None) or TRANSPORT_TIMEOUT_SECONDS,
        )
        if connection.send_messages([mail]) != 1:
            raise NothingSent("the mail backend did not send the message")
    except Exception as error:  # the transport's errors are many; each one is recorded
        reason, permanent = describe_failure(error)
        if isinstance(error, smtplib.SMTPException | OSError | NothingSent):
            log.warning("outbound mail %s attempt %s failed: %s", row.pk, row.attempts, reason)
        else:
            log.exception("outbound mail %s attempt %s failed", row.pk, row.attempts)
        _record_failure(row, lease=lease, reason=reason, permanent=permanent)
        return
    _record_sent(row)


def _claim(outbound_id: int, now: dt.datetime) -> dt.datetime | None:
    """Move the row to "sending" in one conditional UPDATE; returns the lease's end if we won."""
    lease = now + SENDING_LEASE
    due = Q(state=State.QUEUED) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    rows = OutboundMail.objects.filter(pk=outbound_id)
    with transaction.atomic():
        claimed = rows.filter(due).update(
            state=State.SENDING, attempts=F("attempts") + 1, next_attempt_at=lease
        )
        if not claimed:
            claimed = rows.filter(
                state=State.SENDING, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS
            ).update(
                state=State.SENDING,
                attempts=F("attempts") + 1,
                next_attempt_at=lease,
                last_error=INTERRUPTED,
            )
    return lease if claimed else None


def _record_sent(row: OutboundMail) -> None:
    """The server accepted the mail: a fact, recorded whatever a concurrent attempt thinks."""
    now = timezone.now()
    with transaction.atomic():
        done = OutboundMail.objects.filter(
            pk=row.pk, state__in=(State.SENDING, State.QUEUED, State.FAILED)
        ).update(state=State.SENT, sent_at=now, next_attempt_at=None, last_error="")
        if not done:
            return
        if row.ticket_message_id:
            Message.objects.filter(pk=row.ticket_message_id).exclude(
                delivery_status=Delivery.BOUNCED
            ).update(delivery_status=Delivery.SENT, delivery_detail="")
        _announce(row)


def _record_failure(row: OutboundMail, *, lease: dt.datetime, reason: str, permanent: bool) -> None:
    now = timezone.now()
    with transaction.atomic():
        # Only the attempt that still holds the lease may decide; a newer one has taken over.
        current = (
            OutboundMail.objects.select_for_update()
            .filter(pk=row.pk, state=State.SENDING, next_attempt_at=lease)
            .first()
        )
        if current is None:
            return
        delay = None if permanent else retry_delay(current.attempts)
        if delay is None:
            current.state = State.FAILED
            current.next_attempt_at = None
            status, detail = Delivery.FAILED, reason
        else:
            current.state = State.QUEUED
            current.next_attempt_at = now + delay
            status = Delivery.QUEUED
            detail = f"attempt {current.attempts} of {MAX_ATTEMPTS} failed: {reason}"
        current.last_error = reason
        current.save(update_fields=["state", "next_attempt_at", "last_error"])
        if current.ticket_message_id:
            Message.objects.filter(pk=current.ticket_message_id).update(
                delivery_status=status, delivery_detail=detail
            )
        _announce(current)


def describe_failure(error: BaseException) -> tuple[str, bool]:
    """A reason an agent can read, and whether retrying is pointless (the server said no for good).

    Only answers about this message are final: every recipient refused with 5xx, or the
    content refused with 5xx (too big, rejected as spam). A refused sender or failed login
    is the desk's configuration, which an admin fixes while the retries run.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = error.recipients or {}
        parts = [f"{address} ({code} {_text(text)})" for address, (code, text) in refused.items()]
        permanent = bool(refused) and all(code >= 500 for code, _ in refused.values())
        return "the mail server refused " + ", ".join(parts), permanent
    if isinstance(error, smtplib.SMTPResponseException):
        detail = f"{error.smtp_code} {_text(error.smtp_error)}"
        if isinstance(error, smtplib.SMTPDataError):
            return f"the mail server refused the message: {detail}", error.smtp_code >= 500
        if isinstance(error, smtplib.SMTPSenderRefused):
            return f"the mail server refused the sender {error.sender}: {detail}", False
        return f"the mail server answered {detail}", False
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"the mail server disconnected: {error}", False
    if isinstance(error, smtplib.SMTPException):  # before OSError, its base class
        return f"mail server error: {error}", False
    if isinstance(error, ConnectionError | TimeoutError | OSError):
        return f"could not reach the mail server: {error}", False
    return f"{type(error).__name__}: {error}", False


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())


def _announce(row: OutboundMail) -> None:
    transaction.on_commit(partial(live.ticket_changed, row.ticket_id, "delivery"))


def sweep_due() -> int:
    """Queue a job for every row a crash or a back-off left waiting; returns how many."""
    from tandem.mail.tasks import send_outbound_mail

    now = timezone.now()
    _give_up_interrupted(now)
    due = (
        Q(state=State.QUEUED, next_attempt_at__lte=now)
        | Q(state=State.QUEUED, next_attempt_at__isnull=True, created_at__lte=now - QUEUED_GRACE)
        | Q(state=State.SENDING, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS)
    )
    ids = list(
        OutboundMail.objects.filter(due).order_by("id").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for outbound_id in ids:
        send_outbound_mail(outbound_id)
    return len(ids)


def _give_up_interrupted(now: dt.datetime) -> None:
    """A last attempt that never reported back: failed, saying that it may have gone out."""
    stale = OutboundMail.objects.filter(
        state=State.SENDING, next_attempt_at__lte=now, attempts__gte=MAX_ATTEMPTS
    )
    with transaction.atomic():
        rows = list(stale.select_for_update())
        for row in rows:
            row.state = State.FAILED
            row.next_attempt_at = None
            row.last_error = INTERRUPTED
            row.save(update_fields=["state", "next_attempt_at", "last_error"])
            if row.ticket_message_id:
                Message.objects.filter(pk=row.ticket_message_id).update(
                    delivery_status=Delivery.FAILED, delivery_detail=INTERRUPTED
                )
            _announce(row)
