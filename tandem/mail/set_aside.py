"""Base64 bodies set aside while the standard library's parser reads a message, then put back.

The stdlib's feed parser reads every body line by line, looking for the next MIME boundary.
Attachments are most of a mail's bytes and, base64-encoded, most of its lines: on the
benchmark's corpus four fifths of `message_from_bytes` went on reading them. A run of
base64 lines cannot carry MIME structure: none of its lines is blank, starts with white
space or "-", or holds a colon, so none can end a header block, continue a header or be a
boundary. Swapping each long run for a one-line marker of that same kind therefore leaves
the parse tree as it was; `put_back` then restores the runs' bytes in every payload,
preamble and epilogue of the tree, so what the rest of the parser reads is exactly what a
plain parse would have read (tests/test_set_aside.py checks this on every corpus message).
"""

from __future__ import annotations

import re
from email.message import Message

_MARKER = b"~tandem-set-aside-"
_MARKER_TEXT = _MARKER.decode()
_MARKED = re.compile(re.escape(_MARKER_TEXT) + r"(\d+)~")
# Lines of base64 characters only, the last one not taking its line break: the break before
# a boundary belongs to the boundary, so the parser's handling of it must stay its own.
# (A lone CR ends the run too: the parser counts it as a line break, this pattern does not.)
_RUN = re.compile(rb"(?:[A-Za-z0-9+/=]+\r?\n)+[A-Za-z0-9+/=]+(?=\r?\n|\Z)")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_RUN_STOP = re.compile(rb"\n(?:-|\r?\n)")  # a boundary line or a blank line next
_LONE_CR = re.compile(rb"\r(?!\n)")
_BASE64_AND_LINE_BREAKS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"
# Shorter runs are not worth a marker.
_SMALLEST = 2048


def set_aside(raw: bytes) -> tuple[bytes, list[str]]:
    """The message with each long base64 body swapped for a marker line, and the bodies.

    Bodies are looked for only after a "base64" (a Content-Transfer-Encoding header, in
    practice), and the next "base64" only after the body just set aside, so the bytes are
    scanned about once, at C speed; what is swapped is decided by the run itself, so a stray
    "base64" in a text costs nothing but a look.
    """
    if _MARKER in raw:  # a mail quoting our marker is parsed as it is
        return raw, []
    pieces: list[bytes] = []
    stash: list[str] = []
    copied = cursor = 0
    while (position := _next_base64(raw, cursor)) != -1:
        cursor = position + 5
        blank = _BLANK_LINE.search(raw, position)
        if blank is None:
            break
        start = blank.end()
        end = _run_end(raw, start)
        if end - start < _SMALLEST:
            continue
        pieces.append(raw[copied:start])
        pieces.append(b"%s%d~" % (_MARKER, len(stash)))
        stash.append(raw[start:end].decode("ascii"))
        copied = cursor = end
    if not stash:
        return raw, []
    pieces.append(raw[copied:])
    return b"".join(pieces), stash


def _next_base64(raw: bytes, cursor: int) -> int:
    """Where the next "base64" or "BASE64" (either first letter) is, from `cursor`.

    The upper-case one is looked for only up to the next lower-case one: a set-aside body
    usually follows the latter, and that body is what must not be scanned for nothing.
    """
    lower = raw.find(b"ase64", cursor)
    upper = raw.find(b"ASE64", cursor, len(raw) if lower == -1 else lower)
    return lower if upper == -1 else upper


def _run_end(raw: bytes, start: int) -> int:
    """Where the run of base64 lines from `start` ends, before its last line break.

    Most runs end at a boundary ("\n-") or a blank line: found with one search and checked
    with one `translate`, both at C speed. Anything else in between (a line of text, a lone
    CR) is left to the line-by-line pattern.
    """
    stop = _RUN_STOP.search(raw, start)
    end = stop.start() if stop else len(raw)
    if end == len(raw) and raw.endswith(b"\n"):
        end -= 1
    if start < end < len(raw) and raw[end - 1] == 13:  # the CR of the last line's CRLF
        end -= 1
    candidate = raw[start:end]
    if (
        candidate[:1] not in (b"", b"\r", b"\n")
        and not candidate.translate(None, _BASE64_AND_LINE_BREAKS)
        and not _LONE_CR.search(candidate)
    ):
        return end
    run = _RUN.match(raw, start)
    return run.end() if run else start


def put_back(message: Message, stash: list[str]) -> None:
    """Restore the set-aside bodies everywhere in the parsed tree, in place."""
    if not stash:
        return

    def restored(found: re.Match) -> str:
        return stash[int(found.group(1))]

    for part in message.walk():
        for attribute in ("_payload", "preamble", "epilogue"):
            value = getattr(part, attribute, None)
            if isinstance(value, str) and _MARKER_TEXT in value:
                setattr(part, attribute, _MARKED.sub(restored, value))
