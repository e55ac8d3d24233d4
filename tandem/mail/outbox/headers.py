"""Pure rules for the desk's outbound headers: subjects with one ticket token, References.

No Django here: plain values in, plain values out, tested without a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# RFC 5322 puts no limit on References, but long chains are truncated in practice (mail
# clients and threading libraries keep about 20). The first ID names the thread's root and
# the last ones its recent parents, so those are what a cut keeps.
MAX_REFERENCES = 20

_TOKEN = re.compile(r"\[#\d+\]")
# Reply prefixes clients add in several languages ("Re:", "AW:", "SV:", "Antw:", "RE[2]:").
# Forward prefixes are kept: "Fwd: Invoice" is the customer's subject, not a reply marker.
_REPLY_PREFIX = re.compile(r"^(?:re|aw|sv|vs|antw|odp|res)\s*(?:\[\d+\])?\s*:\s*", re.IGNORECASE)


def one_line(value: str) -> str:
    """Header text on one line: CR/LF and runs of whitespace folded to single spaces."""
    return " ".join((value or "").split())


def clean_subject(subject: str) -> str:
    """The subject without ticket tokens or reply prefixes, wherever clients stacked them."""
    text = one_line(_TOKEN.sub(" ", subject or ""))
    while True:
        stripped = _REPLY_PREFIX.sub("", text, count=1).strip()
        if stripped == text:
            return text
        text = stripped


def token(ticket_number: int) -> str:
    return f"[#{ticket_number}]"


def reply_subject(ticket_number: int, subject: str) -> str:
    """'Re: [#42] Cannot log in': one "Re:", one token, whatever the stored subject held."""
    return f"Re: {token(ticket_number)} {clean_subject(subject)}".rstrip()


def notification_subject(ticket_number: int, subject: str) -> str:
    return f"{token(ticket_number)} {clean_subject(subject)}".rstrip()


def with_token(ticket_number: int, subject: str) -> str:
    """An admin-written subject, kept as written, carrying exactly this ticket's token once."""
    own = token(ticket_number)
    text = one_line(subject)
    first = text.find(own)
    if first == -1:
        return one_line(f"{own} {_TOKEN.sub(' ', text)}")
    before, after = text[:first], text[first + len(own) :]
    return one_line(_TOKEN.sub(" ", before) + own + _TOKEN.sub(" ", after))


def references_chain(ids: Iterable[str], *, parent: str = "") -> list[str]:
    """Message-IDs oldest first, duplicates dropped, ending with `parent` when it is missing,
    cut to the first one plus the most recent ones."""
    chain: dict[str, None] = {}
    for message_id in ids:
        message_id = (message_id or "").strip().strip("<>").strip()
        if message_id and not any(c.isspace() for c in message_id):
            chain.setdefault(message_id, None)
    parent = parent.strip().strip("<>")
    if parent and parent not in chain:
        chain[parent] = None
    ordered = list(chain)
    if len(ordered) > MAX_REFERENCES:
        ordered = [ordered[0], *ordered[-(MAX_REFERENCES - 1) :]]
    return ordered


def angle(message_ids: Iterable[str]) -> str:
    """IDs as a header value: '<a@x> <b@y>'."""
    return " ".join(f"<{message_id}>" for message_id in message_ids if message_id)
