"""Email parsing for the desk, free of Django: the value types every mail module shares.

`tandem.mail.parsing.parse_message` turns raw bytes into a ParsedMail; `quotes` splits replies,
`html_text` renders HTML as text, `automatic` recognises auto-replies and bounces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from tandem.core.sanitize import sanitize_html
from tandem.mail.quotes import split_html_reply


class MailParseError(ValueError):
    """Input that holds no mail at all; `reason` says why (shown in quarantine)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedAttachment:
    """A file carried by a message: real attachments, inline images, forwarded mail (.eml)."""

    filename: str  # decoded, safe base name, never empty ("attachment-1.pdf" when none given)
    content_type: str
    payload: bytes = field(repr=False)
    content_id: str = ""  # without angle brackets; what `cid:` URLs in the HTML point at
    is_inline: bool = False

    @property
    def size(self) -> int:
        return len(self.payload)


@dataclass(frozen=True)
class ParsedMail:
    """Everything the desk needs from one message; addresses are (name, lower-cased address)."""

    message_id: str  # angle brackets stripped; "" when missing (none is invented)
    has_message_id: bool
    in_reply_to: str  # the first Message-ID of In-Reply-To, or ""
    references: list[str]  # oldest first, newest last, as in the header
    subject: str
    from_address: str
    from_name: str
    reply_to: list[tuple[str, str]]
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    date: datetime | None  # always aware (UTC when the header gave no zone)
    text: str  # the best plain text of the whole body
    html: str  # sanitised HTML of the body, "" for plain-text mail
    new_text: str  # what the sender just wrote (quotes.parse_reply)
    quoted_text: str  # the rest: signature, then quoted history
    signature: str
    attachments: list[ParsedAttachment]
    headers: dict[str, str]  # the few automatic.py reads (parsing.KEPT_HEADERS), decoded
    content_type: str  # of the top-level entity, e.g. "multipart/report"
    defects: list[str]  # short notes on what was malformed or guessed
    size: int  # bytes of the raw message
    # The unsanitised HTML, kept only to split quotes on demand; never render it.
    source_html: str = field(default="", repr=False, compare=False)

    @cached_property
    def _html_parts(self) -> tuple[str, str]:
        new, quoted = split_html_reply(self.source_html)
        return sanitize_html(new), sanitize_html(quoted)

    @property
    def new_html(self) -> str:
        """The sanitised HTML without the quoted history (computed on first use)."""
        return self._html_parts[0] if self.source_html else ""

    @property
    def quoted_html(self) -> str:
        return self._html_parts[1] if self.source_html else ""
