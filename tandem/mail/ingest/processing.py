"""Processing one stored inbound message, safely: the entry points the jobs and the importer call.

Safe to run twice, or at once, for the same row: the row is locked and only a RECEIVED row is
processed, in one transaction. Mail that cannot be processed ends QUARANTINED with its reason
(never lost, never a crash of the batch); a transient database error leaves the row RECEIVED
for the job's retry or the sweep. What each message becomes is decided in `handling`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from tandem.mail import MailParseError, ParsedMail
from tandem.mail.ingest.desk import Desk
from tandem.mail.ingest.handling import MessageHandling, Outcome
from tandem.mail.ingest.indexing import index_tickets
from tandem.mail.models import InboundMail

__all__ = ["Outcome", "process_inbound", "process_one", "sweep_received"]

log = logging.getLogger(__name__)
State = InboundMail.State
SWEEP_AFTER = dt.timedelta(minutes=2)
SWEEP_BATCH = 200
# A row that many attempts left RECEIVED killed its worker (or the database kept failing):
# the sweep quarantines it instead of trying forever.
GIVE_UP_AFTER_ATTEMPTS = 5


def process_inbound(*, inbound_id: int, skip_rate_limit: bool = False) -> None:
    """The job's entry point: process one stored message; nothing happens unless RECEIVED."""
    process_one(inbound_id, skip_rate_limit=skip_rate_limit)


def process_one(
    inbound_id: int,
    *,
    skip_rate_limit: bool = False,
    desk: Desk | None = None,
    index: bool = False,
    parsed: ParsedMail | MailParseError | None = None,
) -> Outcome | None:
    """Process one row and say what became of it (None: it was not RECEIVED).

    `index` writes the ticket's search document in the same transaction: for imports, which
    publish nothing on the event bus (live mail is indexed by the bus's search subscriber).
    `parsed`: the row's bytes parsed already (an import batch did), so they are not again.
    """
    # The attempt is counted in a commit of its own, so a message that kills its worker
    # shows up in the sweep as failing instead of being retried forever.
    started = InboundMail.objects.filter(pk=inbound_id, state=State.RECEIVED).update(
        attempts=F("attempts") + 1
    )
    if not started:
        return None
    ingest = None
    try:
        with transaction.atomic():
            inbound = (
                InboundMail.objects.select_for_update(of=("self",))
                .select_related("mailbox__default_team", *(() if parsed else ("raw_copy",)))
                .filter(pk=inbound_id)
                .first()
            )
            if inbound is None or inbound.state != State.RECEIVED:
                return None
            ingest = MessageHandling(inbound, desk or Desk.load(), skip_rate_limit=skip_rate_limit)
            outcome = ingest.run(parsed)
            _record(inbound, outcome)
            if index:
                index_tickets([outcome.ticket_id])
        return outcome
    except OperationalError:
        log.warning("inbound mail %s: database error, left for retry", inbound_id, exc_info=True)
        raise
    except Exception as error:
        log.exception("inbound mail %s could not be processed", inbound_id)
        return _quarantine_failure(inbound_id, error, ingest.inbound if ingest else None)


def sweep_received(*, older_than: dt.timedelta = SWEEP_AFTER, limit: int = SWEEP_BATCH) -> int:
    """Process live mail that a crash left RECEIVED (stored, its job never ran); oldest first.

    Imports are left out: an interrupted import is finished by running it again, which
    processes its rows in date order (the sweep would thread them in arrival order).
    Returns how many rows it handled.
    """
    stuck = list(
        InboundMail.objects.filter(
            state=State.RECEIVED, received_at__lt=timezone.now() - older_than
        )
        .exclude(source=InboundMail.Source.IMPORT)
        .order_by("received_at", "id")
        .values_list("pk", "attempts")[:limit]
    )
    if not stuck:
        return 0
    desk = Desk.load(preload_agents=True)
    for inbound_id, attempts in stuck:
        if attempts >= GIVE_UP_AFTER_ATTEMPTS:
            InboundMail.objects.filter(pk=inbound_id, state=State.RECEIVED).update(
                state=State.QUARANTINED,
                reason=f"processing did not finish after {attempts} attempts "
                "(the worker may have crashed on this message)",
                processed_at=timezone.now(),
            )
            continue
        try:
            process_one(inbound_id, desk=desk)
        except OperationalError:
            continue  # logged; still RECEIVED, the next sweep tries again
    return len(stuck)


def _record(inbound: InboundMail, outcome: Outcome) -> None:
    inbound.state = outcome.state
    inbound.reason = outcome.reason
    inbound.ticket_id = outcome.ticket_id
    inbound.ticket_message_id = outcome.message_id
    inbound.processed_at = timezone.now()
    inbound.save(
        update_fields=[
            "state",
            "reason",
            "ticket",
            "ticket_message",
            "processed_at",
            "message_id",
            "from_address",
            "subject",
            "mailbox",
        ]
    )


def _quarantine_failure(
    inbound_id: int, error: Exception, noted: InboundMail | None
) -> Outcome | None:
    reason = f"{type(error).__name__}: {error}".strip()[:2000]
    learned = {}
    if noted is not None:  # what parsing had learned before the failure
        learned = {
            "message_id": noted.message_id,
            "from_address": noted.from_address,
            "subject": noted.subject,
        }
    updated = InboundMail.objects.filter(pk=inbound_id, state=State.RECEIVED).update(
        state=State.QUARANTINED, reason=reason, processed_at=timezone.now(), **learned
    )
    return Outcome(State.QUARANTINED, reason) if updated else None
