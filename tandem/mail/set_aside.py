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
# Shorter runs are not worth a marker.
_SMALLEST = 2048


def set_aside(raw: bytes) -> tuple[bytes, list[str]]:
    """The message with each long base64 body swapped for a marker line, and the bodies.

    Bodies are looked for only after a "base64" (a Content-Transfer-Encoding header, in
    practice), which keeps the search to a few `bytes.find` calls; what is swapped is
    decided by the run itself, so a stray "base64" in a text costs nothing but a look.
    """
    if _MARKER in raw:  # a mail quoting our marker is parsed as it is
        return raw, []
    starts = sorted(_positions(raw, b"ase64") + _positions(raw, b"ASE64"))
    pieces: list[bytes] = []
    stash: list[str] = []
    copied = 0
    for position in starts:
        if position < copied:
            continue  # inside a run set aside already
        blank = _BLANK_LINE.search(raw, position)
        if blank is None:
            break
        run = _RUN.match(raw, blank.end())
        if run is None or run.end() - run.start() < _SMALLEST:
            continue
        pieces.append(raw[copied : run.start()])
        pieces.append(b"%s%d~" % (_MARKER, len(stash)))
        stash.append(run.group().decode("ascii"))
        copied = run.end()
    if not stash:
        return raw, []
    pieces.append(raw[copied:])
    return b"".join(pieces), stash


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


def _positions(raw: bytes, needle: bytes) -> list[int]:
    found = []
    position = raw.find(needle)
    while position != -1:
        found.append(position)
        position = raw.find(needle, position + len(needle))
    return found
