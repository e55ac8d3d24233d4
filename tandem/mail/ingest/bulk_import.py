"""The bulk path of `tandem mail import`: history in batches, one transaction each.

The customers' own mail (most of any history) is parsed, deduplicated and threaded against
the desk with a few set-based queries per batch and an in-memory map of what the batch
itself adds, then written by `tandem.tickets.actions.importing.import_history`. Everything
that needs a decision of its own (agents' and the desk's mail, bounces, automatic replies,
follow-ups of closed or merged tickets, subject tokens, our own signed IDs, anything a
ticket action would refuse) goes through the per-message `process_one` at its place in the
order, after the batch before it is written, so the result is the per-message path's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from tandem.core.errors import InvalidInput
from tandem.core.rows import save_fields
from tandem.mail.ingest.desk import Desk
from tandem.mail.ingest.handling import MessageHandling, Outcome
from tandem.mail.ingest.indexing import index_tickets
from tandem.mail.ingest.parse_pool import Parsed, ParsePool
from tandem.mail.ingest.processing import process_one
from tandem.mail.ingest.threading import (
    candidate_ids,
    known_ticket_numbers,
    subject_ticket_number,
)
from tandem.mail.message_ids import ticket_number_of
from tandem.mail.models import InboundMail, Mailbox
from tandem.people.actions import normalize_email
from tandem.tickets.actions.importing import (
    HistoryMessage,
    import_history,
    refusal,
)
from tandem.tickets.models import Status, Ticket

log = logging.getLogger(__name__)
State = InboundMail.State
BATCH = 200
_RECORDED = [
    "state",
    "reason",
    "ticket",
    "ticket_message",
    "processed_at",
    "message_id",
    "from_address",
    "subject",
    "mailbox",
    "attempts",
]


@dataclass
class _Planned:
    """A message the batch decided without a per-message action."""

    handling: MessageHandling
    outcome: Outcome | None = None  # decided already (unparseable mail, a duplicate)
    entry: HistoryMessage | None = None  # written by import_history
    duplicate_of: int | None = None  # key of an entry of this batch it repeats


def import_in_batches(
    inbound_ids: Iterable[int],
    *,
    desk: Desk,
    count: Callable[[Outcome | None], None],
    pool: ParsePool | None = None,
) -> int:
    """Process these RECEIVED rows in this order; `count` hears each outcome. Returns how many
    a database error left RECEIVED (run the import again).

    With a `pool`, the next batch is parsed in its workers while this one is written.
    """
    left = 0
    ids = iter(inbound_ids)
    chunk = list(islice(ids, BATCH))
    pending = pool.parse(chunk) if pool and chunk else None
    while chunk:
        following = list(islice(ids, BATCH))
        upcoming = pool.parse(following) if pool and following else None
        parsed = pending.result() if pending else None
        left += _Batch(desk, count, parsed).run(chunk)
        chunk, pending = following, upcoming
    return left


class _Batch:
    def __init__(
        self,
        desk: Desk,
        count: Callable[[Outcome | None], None],
        parsed: dict[int, Parsed] | None = None,
    ):
        self.desk = desk
        self.count = count
        self.parsed = parsed or {}
        self.left = 0

    def run(self, inbound_ids: list[int]) -> int:
        rows_query = InboundMail.objects.filter(pk__in=inbound_ids, state=State.RECEIVED)
        if not self.parsed:
            # Parsed here: read the bytes with the rows. (After parse workers, a message one
            # of them lost reads its own bytes.)
            rows_query = rows_query.select_related("raw_copy")
        rows = {row.pk: row for row in rows_query}
        # A history comes through one or a few mailboxes: one instance each, not one per row.
        mailboxes = Mailbox.objects.select_related("default_team").in_bulk(
            {row.mailbox_id for row in rows.values() if row.mailbox_id}
        )
        for row in rows.values():
            if row.mailbox_id:
                row.mailbox = mailboxes[row.mailbox_id]
        prepared: list[MessageHandling | int] = []
        for inbound_id in inbound_ids:
            inbound = rows.get(inbound_id)
            if inbound is None:
                self.count(None)  # processed meanwhile by someone else
                continue
            handling = MessageHandling(inbound, self.desk, skip_rate_limit=True)
            try:
                handling.prepare(self.parsed.get(inbound_id))
            except Exception:
                prepared.append(inbound_id)  # process_one quarantines it with its reason
                continue
            if handling.failed is None:
                self.parsed[inbound_id] = handling.parsed  # for process_one, if it comes to that
            prepared.append(handling)
        while prepared:
            prepared = self._plan_and_write(prepared)
        return self.left

    def _plan_and_write(self, prepared: list[MessageHandling | int]) -> list:
        """Plan messages until one needs the per-message path; write the plan, process that
        one, and return the rest (planned again against the desk as it now is).

        The desk is looked up for a window only: up to the first message that plainly needs
        the per-message path (an agent's mail, a bounce). Looking up the whole rest each
        time made every such message cost another lookup of half a batch.
        """
        window = _window(prepared)
        lookups = _Lookups.load([h for h, _ in window if isinstance(h, MessageHandling)])
        plan: list[_Planned] = []
        in_batch: dict[str, int] = {}  # Message-ID -> key of the entry that brought it
        entries: dict[int, _Planned] = {}
        for index, (handling, requester) in enumerate(window):
            planned = None
            if not isinstance(handling, int):
                try:
                    planned = self._plan(handling, requester, lookups, in_batch, entries)
                except Exception:  # a surprise in this mail: the per-message path records it
                    log.warning("history batch could not plan inbound mail", exc_info=True)
            if planned is None:
                self._write(plan)
                self._one(handling if isinstance(handling, int) else handling.inbound.pk)
                return prepared[index + 1 :]
            plan.append(planned)
        self._write(plan)
        return prepared[len(window) :]

    def _plan(
        self,
        handling: MessageHandling,
        requester: tuple[str, str] | None,
        lookups: _Lookups,
        in_batch: dict[str, int],
        entries: dict[int, _Planned],
    ) -> _Planned | None:
        if handling.failed is not None:
            return _Planned(handling, outcome=handling.failed)
        parsed, inbound = handling.parsed, handling.inbound
        body = handling.content.body
        duplicate = lookups.duplicate(parsed.message_id, inbound.sha256, body)
        if duplicate is not None:
            return _Planned(handling, outcome=duplicate)
        for key in lookups.same_message.get(parsed.message_id, ()) if parsed.message_id else ():
            earlier = entries[key]
            if (
                earlier.handling.inbound.sha256 == inbound.sha256
                or earlier.entry.body.strip() == body
            ):
                return _Planned(handling, duplicate_of=key)
        if requester is None:
            return None  # not plain customer mail: the per-message path decides
        name, address = requester
        try:
            address = normalize_email(address)
        except InvalidInput:
            return None  # the per-message path quarantines it with its reason
        thread: int | tuple[str, int] | None = None
        for message_id in candidate_ids(parsed.in_reply_to, parsed.references):
            if message_id in lookups.known:
                number = lookups.known[message_id]
                ticket = lookups.tickets.get(number)
                if ticket is None or ticket.status == Status.CLOSED or ticket.merged_into_id:
                    return None  # a follow-up or a merge: the per-message path decides
                thread = number
                break
            if message_id in in_batch:
                thread = ("entry", in_batch[message_id])
                break
            if ticket_number_of(message_id) is not None:
                return None  # one of our own IDs: the per-message path checks the ticket
        if thread is None and subject_ticket_number(parsed.subject) is not None:
            return None  # "[#123]" counts only for participants: the per-message path checks
        mailbox = handling.mailbox
        team = mailbox.default_team if mailbox else None
        entry = HistoryMessage(
            key=inbound.pk,
            sender=(name, address),
            thread=thread,
            subject=parsed.subject,
            body=body,
            html=handling.content.html,
            quoted=handling.content.quoted,
            files=handling.content.files,
            message_id=parsed.message_id,
            in_reply_to=parsed.in_reply_to,
            meta=handling._meta(),
            at=handling.at,
            team=team,
            track=None if team else (mailbox.default_track if mailbox else None),
            followers=_valid(handling.followers.addresses),
            sender_follows=not handling.automatic,
        )
        if refusal(entry) is not None:
            return None  # the ticket action refuses it: quarantined with its reason there
        planned = _Planned(handling, entry=entry)
        entries[inbound.pk] = planned
        if parsed.message_id:
            in_batch.setdefault(parsed.message_id, inbound.pk)
            lookups.same_message.setdefault(parsed.message_id, []).append(inbound.pk)
        return planned

    def _write(self, plan: list[_Planned]) -> None:
        if not plan:
            return
        try:
            with transaction.atomic():
                if not _still_received(plan):
                    raise _Changed
                results = import_history(entries=[p.entry for p in plan if p.entry])
                outcomes = [_outcome(p, results) for p in plan]
                now = timezone.now()
                rows = []
                for planned, outcome in zip(plan, outcomes, strict=True):
                    inbound = planned.handling.inbound
                    inbound.state, inbound.reason = outcome.state, outcome.reason
                    inbound.ticket_id, inbound.ticket_message_id = (
                        outcome.ticket_id,
                        outcome.message_id,
                    )
                    inbound.processed_at = now
                    inbound.attempts += 1
                    rows.append(inbound)
                save_fields(rows, _RECORDED)
                index_tickets(result.ticket_number for result in results.values())
        except Exception as error:
            if not isinstance(error, _Changed):
                log.warning("history batch failed, importing it message by message", exc_info=True)
            for planned in plan:
                self._one(planned.handling.inbound.pk)
            return
        for outcome in outcomes:
            self.count(outcome)

    def _one(self, inbound_id: int) -> None:
        try:
            outcome = process_one(
                inbound_id,
                skip_rate_limit=True,
                desk=self.desk,
                index=True,
                parsed=self.parsed.get(inbound_id),
            )
        except OperationalError:
            self.left += 1
            return
        self.count(outcome)


def _window(
    prepared: list[MessageHandling | int],
) -> list[tuple[MessageHandling | int, tuple[str, str] | None]]:
    """The messages up to and including the first that is not plain customer mail, each with
    its requester (None when it is not plain customer mail, or unparsed)."""
    window: list[tuple[MessageHandling | int, tuple[str, str] | None]] = []
    for handling in prepared:
        if isinstance(handling, int):
            window.append((handling, None))
            break
        if handling.failed is not None:
            window.append((handling, None))  # decided already: planned with its outcome
            continue
        try:
            requester = handling.plain_customer_mail()
        except Exception:  # a surprise in this mail: the per-message path records it
            log.warning("history batch could not read inbound mail's sender", exc_info=True)
            requester = None
        window.append((handling, requester))
        if requester is None:
            break
    return window


class _Changed(Exception):
    """A row of the batch was processed elsewhere meanwhile."""


def _still_received(plan: Sequence[_Planned]) -> bool:
    ids = [p.handling.inbound.pk for p in plan]
    rows = InboundMail.objects.filter(pk__in=ids, state=State.RECEIVED)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    return len(list(rows.values_list("pk", flat=True))) == len(ids)


def _outcome(planned: _Planned, results: dict) -> Outcome:
    if planned.outcome is not None:
        return planned.outcome
    if planned.duplicate_of is not None:
        original = results[planned.duplicate_of]
        number = original.ticket_number
        return Outcome(
            State.IGNORED,
            f"duplicate of inbound mail #{planned.duplicate_of} on ticket #{number}",
            original.ticket_number,
            original.message_pk,
        )
    result = results[planned.entry.key]
    return Outcome(State.PROCESSED, "", result.ticket_number, result.message_pk, result.new_ticket)


def _valid(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The Cc'd people the mail path's contacts_for keeps: valid addresses, normalised."""
    kept = []
    for name, address in pairs:
        try:
            kept.append((name, normalize_email(address)))
        except InvalidInput:
            continue
    return kept


@dataclass
class _Lookups:
    """What the desk already holds for a batch, in a few queries."""

    known: dict[str, int]  # Message-ID -> ticket number
    tickets: dict[int, Ticket]
    processed: dict[str, list[tuple]]  # Message-ID or "sha256:<hex>" -> processed rows
    same_message: dict[str, list[int]]  # Message-ID -> keys of this batch's entries

    @classmethod
    def load(cls, handlings: list[MessageHandling]) -> _Lookups:
        parsed = [h for h in handlings if h.failed is None]
        candidates = {
            message_id
            for h in parsed
            for message_id in candidate_ids(h.parsed.in_reply_to, h.parsed.references)
        }
        known = known_ticket_numbers(sorted(candidates))
        tickets = {
            ticket.pk: ticket
            for ticket in Ticket.objects.filter(pk__in=set(known.values())).only(
                "number", "status", "merged_into"
            )
        }
        message_ids = {h.parsed.message_id for h in parsed if h.parsed.message_id}
        digests = {h.inbound.sha256 for h in parsed if not h.parsed.message_id}
        processed: dict[str, list[tuple]] = {}
        fields = ("pk", "message_id", "sha256", "ticket_id", "ticket_message_id")
        for query, key in (
            (InboundMail.objects.filter(message_id__in=message_ids), "message_id"),
            (InboundMail.objects.filter(sha256__in=digests), "sha256"),
        ):
            if not (message_ids if key == "message_id" else digests):
                continue
            for row in (
                query.filter(state=State.PROCESSED)
                .order_by("pk")
                .values_list(*fields, "ticket_message__body")
            ):
                index = row[1] if key == "message_id" else f"sha256:{row[2]}"
                processed.setdefault(index, []).append(row)
        return cls(known=known, tickets=tickets, processed=processed, same_message={})

    def duplicate(self, message_id: str, sha256: str, body: str) -> Outcome | None:
        """As MessageHandling._duplicate, against what the desk held before this batch."""
        rows = self.processed.get(message_id if message_id else f"sha256:{sha256}", ())
        for pk, _, row_sha256, ticket_id, ticket_message_id, stored_body in rows:
            if row_sha256 == sha256 or (message_id and stored_body == body):
                on = f" on ticket #{ticket_id}" if ticket_id else ""
                return Outcome(
                    State.IGNORED,
                    f"duplicate of inbound mail #{pk}{on}",
                    ticket_id,
                    ticket_message_id,
                )
        return None
