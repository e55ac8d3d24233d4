"""What one parsed message stores: its new text (with a note for each refused attachment),
its sanitised HTML (none for plain text), the quoted rest and the files it may keep."""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass

from django.conf import settings

from tandem.mail import ParsedMail
from tandem.mail.ingest.attachments import Refusal, screen_attachments
from tandem.tickets.actions import IncomingFile

EMPTY_BODY = "(empty message)"


@dataclass(frozen=True)
class Content:
    """New text (with notes on refused files), whole HTML, the quoted rest, files."""

    body: str
    html: str
    quoted: str
    files: list[IncomingFile]
    refused: list[Refusal]


def build_content(parsed: ParsedMail) -> Content:
    accepted, refused = screen_attachments(
        parsed.attachments,
        max_bytes=settings.ATTACHMENT_MAX_BYTES,
        max_count=settings.ATTACHMENT_MAX_COUNT,
    )
    notes = [refusal.note() for refusal in refused]
    text = (parsed.new_text or parsed.text).strip()
    body = "\n\n".join(part for part in (text, "\n".join(notes)) if part)
    if not body and not accepted:
        body = EMPTY_BODY
    html = parsed.html  # empty for plain text: Message.display_html renders the body
    if html and notes:
        html += "".join(f"<p>{html_lib.escape(note)}</p>" for note in notes)
    files = [
        IncomingFile(
            filename=a.filename,
            content=a.payload,
            content_type=a.content_type,
            content_id=a.content_id,
        )
        for a in accepted
    ]
    return Content(body, html, parsed.quoted_text, files, refused)
