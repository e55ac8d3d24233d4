"""`tandem mail import`: mail history from an mbox, a Maildir or .eml files, into tickets.

Importing is not live traffic (DESIGN.md): messages keep their own dates, are threaded in date
order whatever order the files come in (a parent is always processed before its replies),
send nothing, skip the sender rate limit, and a second run stores nothing twice. Messages are
streamed from disk; only a small sort key per message is kept in memory.
"""

from __future__ import annotations

import hashlib
import mailbox
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.db import OperationalError, transaction

from tandem.core import event_bus, live
from tandem.core.db.checkpoints import checkpoints_beside
from tandem.mail import addresses
from tandem.mail.ingest.bulk_import import import_in_batches
from tandem.mail.ingest.desk import Desk
from tandem.mail.ingest.parse_pool import ParsePool
from tandem.mail.ingest.processing import Outcome, process_one
from tandem.mail.intake import header_block, store_raw_many
from tandem.mail.models import InboundMail, Mailbox

State = InboundMail.State
CHUNK = 200  # messages stored per transaction
# A header line and its continuation lines (RFC 5322 folding).
_ORDERING_HEADER = re.compile(
    rb"^(date|message-id|in-reply-to|references)[ \t]*:(.*(?:\r?\n[ \t].*)*)",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass
class ImportStats:
    read: int = 0
    to_process: int = 0
    done: int = 0
    tickets: int = 0
    messages: int = 0
    duplicates: int = 0
    quarantined: int = 0
    ignored: int = 0
    held: int = 0
    left_for_retry: int = 0  # a database error left them RECEIVED: run the import again
    seconds: float = 0.0
    read_seconds: float = 0.0  # of `seconds`: reading, hashing and storing the raw messages
    parse_workers: int = 0  # processes that parsed beside the importing one
    reading: bool = True

    def count(self, outcome: Outcome | None) -> None:
        self.done += 1
        if outcome is None:
            return  # processed meanwhile by someone else
        if outcome.state == State.PROCESSED:
            if outcome.new_ticket:
                self.tickets += 1
            else:
                self.messages += 1
        elif outcome.state == State.IGNORED and outcome.reason.startswith("duplicate"):
            self.duplicates += 1
        elif outcome.state == State.IGNORED:
            self.ignored += 1
        elif outcome.state == State.QUARANTINED:
            self.quarantined += 1
        elif outcome.state == State.HELD:
            self.held += 1

    def progress_line(self) -> str:
        if self.reading:
            return f"{self.read} read, {self.duplicates} duplicates"
        return (
            f"{self.done}/{self.to_process} imported, {self.quarantined} quarantined, "
            f"{self.duplicates} duplicates"
        )

    def summary(self) -> str:
        rate = self.read / self.seconds if self.seconds else 0.0
        parts = [
            f"{self.read} messages read",
            f"{self.tickets} new tickets",
            f"{self.messages} messages added to tickets",
            f"{self.duplicates} duplicates skipped",
            f"{self.ignored} ignored",
            f"{self.quarantined} quarantined",
        ]
        if self.held:
            parts.append(f"{self.held} held")
        if self.left_for_retry:
            parts.append(f"{self.left_for_retry} left by a database error (run again)")
        return ", ".join(parts) + f" in {self.seconds:.1f} s ({rate:.0f} messages/s)"


@dataclass(frozen=True)
class Queued:
    """What ordering needs of one stored message, without its bytes."""

    inbound_id: int
    key: tuple[float, int, int]  # (date, References depth, position in the source)
    message_id: str
    parents: tuple[str, ...] = field(default=())  # In-Reply-To and the newest Reference


def read_messages(path: Path) -> Iterator[bytes]:
    """Raw messages, one at a time, from an mbox, a Maildir, a folder of .eml files or one."""
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            box = mailbox.Maildir(path, factory=None, create=False)
            for key in box.iterkeys():
                # The file's bytes as they are: get_bytes would copy each message once more
                # to turn os.linesep into "\n", which on POSIX changes nothing.
                with box.get_file(key) as handle:
                    yield handle.read()
            return
        if (path / "cur").is_dir() or (path / "new").is_dir():
            for folder in ("new", "cur"):
                if (path / folder).is_dir():
                    yield from _files(sorted((path / folder).iterdir()))
            return
        yield from _files(sorted(path.rglob("*.eml")))
        return
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not a file or directory")
    with path.open("rb") as handle:
        is_mbox = handle.read(5) == b"From "
    if not is_mbox:
        yield path.read_bytes()
        return
    box = mailbox.mbox(path, factory=None, create=False)
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()


def _files(paths: Iterable[Path]) -> Iterator[bytes]:
    for path in paths:
        if path.is_file():
            yield path.read_bytes()


def queued(inbound_id: int, raw: bytes, position: int) -> Queued:
    """The ordering key of a message, from its header block only (the full parse comes later)."""
    headers = _ordering_headers(header_block(raw))
    date = addresses.parse_date(headers["date"]) if "date" in headers else None
    message_ids = addresses.message_ids(headers.get("message-id", ""))
    in_reply_to = addresses.message_ids(headers.get("in-reply-to", ""))
    references = addresses.message_ids(headers.get("references", ""))
    parents = tuple(dict.fromkeys(in_reply_to[:1] + references[-1:]))
    return Queued(
        inbound_id=inbound_id,
        key=(date.timestamp() if date else math.inf, len(references), position),
        message_id=message_ids[0] if message_ids else "",
        parents=parents,
    )


def _ordering_headers(head: bytes) -> dict[str, str]:
    """The first Date, Message-ID, In-Reply-To and References of a header block, unfolded:
    all the order needs, without parsing every header of the block."""
    found: dict[str, str] = {}
    for match in _ORDERING_HEADER.finditer(head):
        name = match.group(1).decode("ascii").lower()
        if name not in found:
            value = match.group(2).decode("ascii", "replace")
            found[name] = " ".join(value.split())
    return found


def processing_order(items: list[Queued]) -> Iterator[Queued]:
    """By date, then References depth; and any parent in the batch before its replies, so a
    reply whose clock ran early still threads onto its parent."""
    items = sorted(items, key=lambda item: item.key)
    first_with_id: dict[str, Queued] = {}
    for item in items:
        if item.message_id:
            first_with_id.setdefault(item.message_id, item)
    done: set[int] = set()
    for item in items:
        stack, on_stack = [item], {item.inbound_id}
        while stack:
            top = stack[-1]
            if top.inbound_id in done:
                stack.pop()
                on_stack.discard(top.inbound_id)
                continue
            parent = next(
                (
                    found
                    for found in (first_with_id.get(pid) for pid in top.parents)
                    if found is not None
                    and found.inbound_id not in done
                    and found.inbound_id not in on_stack  # a loop of references
                ),
                None,
            )
            if parent is not None:
                stack.append(parent)
                on_stack.add(parent.inbound_id)
                continue
            done.add(top.inbound_id)
            stack.pop()
            on_stack.discard(top.inbound_id)
            yield top


def import_mail(
    path: Path,
    *,
    mailbox: Mailbox | None = None,
    progress: Callable[[ImportStats], None] | None = None,
    bulk: bool = True,
    parse_workers: int = 0,
) -> ImportStats:
    """Store every message not imported before, then process them all in thread order.

    By default in batches (`bulk_import`); `bulk=False` processes each message in its own
    transaction, as live mail is: the reference the batches are tested against.
    `parse_workers` processes parse the next batch while this one writes it (bulk only).
    """
    stats = ImportStats(parse_workers=parse_workers if bulk else 0)
    pool = ParsePool(stats.parse_workers) if stats.parse_workers else None
    try:
        with checkpoints_beside():  # the writer never waits for the disk's fsync
            _import(path, mailbox=mailbox, progress=progress, bulk=bulk, pool=pool, stats=stats)
    finally:
        if pool is not None:
            pool.close()
    return stats


def _import(
    path: Path,
    *,
    mailbox: Mailbox | None,
    progress: Callable[[ImportStats], None] | None,
    bulk: bool,
    pool: ParsePool | None,
    stats: ImportStats,
) -> None:
    started = time.perf_counter()
    pending: list[Queued] = []
    seen: set[bytes] = set()
    messages = read_messages(path)
    while chunk := list(islice(messages, CHUNK)):
        _store(chunk, mailbox=mailbox, pending=pending, seen=seen, stats=stats)
        if progress:
            progress(stats)
    stats.reading = False
    stats.read_seconds = time.perf_counter() - started
    stats.to_process = len(pending)
    desk = Desk.load(preload_agents=True)

    def count(outcome: Outcome | None) -> None:
        stats.count(outcome)
        if progress:
            progress(stats)

    # History: no page is waiting for these pushes, no workflow reacts to them (DESIGN.md).
    with live.quiet(), event_bus.quiet():
        ordered = (item.inbound_id for item in processing_order(pending))
        if bulk:
            stats.left_for_retry += import_in_batches(ordered, desk=desk, count=count, pool=pool)
        else:
            for inbound_id in ordered:
                try:
                    outcome = process_one(inbound_id, skip_rate_limit=True, desk=desk, index=True)
                except OperationalError:
                    stats.left_for_retry += 1
                    continue
                count(outcome)
    stats.seconds = time.perf_counter() - started


def _store(
    chunk: list[bytes],
    *,
    mailbox: Mailbox | None,
    pending: list[Queued],
    seen: set[bytes],
    stats: ImportStats,
) -> None:
    """Store the new messages of a chunk; skip what is stored already (before storing again).

    A message this importer stored earlier but never finished (an interrupted run) is
    queued again instead of being skipped, so running the import again completes it.
    """
    hashed = [(hashlib.sha256(raw).digest(), raw) for raw in chunk]
    stored: dict[str, list[tuple[int, str, str]]] = {}
    for pk, sha256, state, source in InboundMail.objects.filter(
        sha256__in={digest.hex() for digest, _ in hashed}
    ).values_list("pk", "sha256", "state", "source"):
        stored.setdefault(sha256, []).append((pk, state, source))
    new: list[tuple[bytes, int, str]] = []
    for digest, raw in hashed:
        position = stats.read
        stats.read += 1
        if digest in seen:
            stats.duplicates += 1
            continue
        seen.add(digest)
        earlier = stored.get(digest.hex())
        if earlier:
            unfinished = [
                pk
                for pk, state, source in earlier
                if state == State.RECEIVED and source == InboundMail.Source.IMPORT
            ]
            if unfinished:
                pending.append(queued(unfinished[0], raw, position))
            else:
                stats.duplicates += 1
            continue
        new.append((raw, position, digest.hex()))
    with transaction.atomic():
        rows = store_raw_many(
            [raw for raw, _, _ in new],
            source=InboundMail.Source.IMPORT,
            mailbox=mailbox,
            sha256s=[sha256 for _, _, sha256 in new],
        )
    for inbound, (raw, position, _) in zip(rows, new, strict=True):
        pending.append(queued(inbound.pk, raw, position))
