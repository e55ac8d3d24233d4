"""The first step of every inbound path (SMTP, IMAP, import): keep the bytes, then process.

`receive_raw` commits the raw message before anything can fail on it, so an SMTP 250 or an
IMAP "seen" flag is only given for mail that is safely stored; processing runs as a job.
"""

from __future__ import annotations

import hashlib
import re

from django.db import transaction

from tandem.core.rows import insert_rows
from tandem.mail.models import InboundMail, InboundRaw, Mailbox

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*<?([^>\r\n]*)>?", re.IGNORECASE | re.MULTILINE)


def header_block(raw: bytes) -> bytes:
    """The raw header lines, up to the first blank line (at most 64 KB of a headless file)."""
    match = _HEADER_END.search(raw)
    return raw[: match.start()] if match else raw[:65536]


def _peek_message_id(raw: bytes) -> str:
    """Cheap look at the header block; the full parse happens in the job."""
    found = _MESSAGE_ID.search(header_block(raw))
    return found.group(1).decode("ascii", "replace").strip()[:998] if found else ""


def store_raw_many(
    raws: list[bytes],
    *,
    source: str,
    mailbox: Mailbox | None = None,
    sha256s: list[str] | None = None,
) -> list[InboundMail]:
    """Store many messages as received, in one INSERT per batch, without scheduling their
    processing (the importer processes them itself, in thread order). `sha256s`: the hex
    digests when the caller has them already (the importer hashed to skip known mail)."""
    if sha256s is None:
        sha256s = [hashlib.sha256(raw).hexdigest() for raw in raws]
    rows = [
        InboundMail(
            mailbox=mailbox,
            source=source,
            sha256=sha256,
            size=len(raw),
            envelope_to=[],
            message_id=_peek_message_id(raw),
        )
        for raw, sha256 in zip(raws, sha256s, strict=True)
    ]
    insert_rows(rows)
    insert_rows([InboundRaw(inbound=row, raw=raw) for row, raw in zip(rows, raws, strict=True)])
    return rows


@transaction.atomic
def receive_raw(
    *,
    raw: bytes,
    source: str,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
    envelope_to: list[str] | tuple[str, ...] = (),
    process: bool = True,
) -> InboundMail:
    """Store the message as received and schedule its processing after commit."""
    inbound = InboundMail.objects.create(
        mailbox=mailbox,
        source=source,
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        envelope_from=envelope_from[:998],
        envelope_to=list(envelope_to),
        message_id=_peek_message_id(raw),
    )
    inbound.raw_copy = InboundRaw.objects.create(inbound=inbound, raw=raw)
    if process:
        from tandem.mail.tasks import process_inbound_mail

        inbound_id = inbound.pk
        transaction.on_commit(lambda: process_inbound_mail(inbound_id))
    return inbound
