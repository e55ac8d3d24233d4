"""@mentions in internal notes: finding them in text and marking them in the note's HTML.

Pure functions over plain values (no Django models), so the rules are tested on their own.
A mention is "@" at the start of the text or after a character that cannot be part of a
word or an address, followed by an agent's full name, their email's local part, or their
first name when no other agent shares it; the longest match wins ("@Alex Agent" over
"@Alex"), and it must end where a word ends.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape, unescape

from django.utils.html import format_html


@dataclass(frozen=True)
class Mentionable:
    """An agent as the parser sees them."""

    id: int
    name: str
    email: str


@dataclass(frozen=True)
class Mention:
    agent_id: int
    start: int  # of the "@"
    end: int

    def token(self, text: str) -> str:
        return text[self.start : self.end]


_WORD = re.compile(r"[\w.@+-]")


def handles(agents: Iterable[Mentionable]) -> dict[str, int]:
    """Lower-cased text after "@" -> agent id, for every way an agent can be mentioned."""
    agents = list(agents)
    found: dict[str, int] = {}
    first_names: dict[str, set[int]] = {}
    for agent in agents:
        name = " ".join(agent.name.split()).lower()
        if name:
            found.setdefault(name, agent.id)
            first_names.setdefault(name.split()[0], set()).add(agent.id)
        local = agent.email.partition("@")[0].lower()
        if local:
            found.setdefault(local, agent.id)
    for first, ids in first_names.items():
        if len(ids) == 1:
            found.setdefault(first, next(iter(ids)))
    return found


def find_mentions(text: str, agents: Iterable[Mentionable]) -> list[Mention]:
    """Every mention of a known agent in `text`, in order (an agent may appear more than once)."""
    known = handles(agents)
    if not known or "@" not in text:
        return []
    # Longest first, so "alex agent" is tried before "alex".
    candidates = sorted(known, key=len, reverse=True)
    lowered = text.lower()
    mentions = []
    position = 0
    while (at := lowered.find("@", position)) != -1:
        position = at + 1
        if at > 0 and _WORD.match(text[at - 1]):
            continue  # part of an address (carol@example.com) or a word
        for candidate in candidates:
            end = at + 1 + len(candidate)
            if lowered.startswith(candidate, at + 1) and not _continues_word(text, end):
                mentions.append(Mention(agent_id=known[candidate], start=at, end=end))
                position = end
                break
    return mentions


def _continues_word(text: str, end: int) -> bool:
    # A trailing "." or "-" ends a sentence ("thanks @alex."), it does not extend the handle.
    if end >= len(text):
        return False
    following = text[end]
    if following in ".-" and (end + 1 >= len(text) or not _WORD.match(text[end + 1])):
        return False
    return bool(_WORD.match(following))


_TAG = re.compile(r"(<[^>]*>)")


def highlight_mentions(
    html: str, agents: Iterable[Mentionable], link_for: Callable[[int], str]
) -> str:
    """The note's (already sanitised) HTML with each mention wrapped in a highlighted link.

    Only text between tags is touched, never inside a tag or an existing link, and the
    inserted markup is built escaped, so the result is as safe as its input.
    """
    agents = list(agents)
    parts = _TAG.split(html)
    in_link = 0
    out = []
    for part in parts:
        if part.startswith("<"):
            lowered = part[:3].lower()
            if lowered.startswith("<a") and (len(part) < 3 or not part[2].isalnum()):
                in_link += 1
            elif lowered == "</a":
                in_link = max(0, in_link - 1)
            out.append(part)
            continue
        if in_link or "@" not in part:
            out.append(part)
            continue
        out.append(_highlight_text(part, agents, link_for))
    return "".join(out)


def _highlight_text(escaped: str, agents: list[Mentionable], link_for) -> str:
    # The text node is HTML-escaped; match on its unescaped form and escape again around it.
    text = unescape(escaped)
    mentions = find_mentions(text, agents)
    if not mentions:
        return escaped
    pieces = []
    cursor = 0
    for mention in mentions:
        pieces.append(escape(text[cursor : mention.start], quote=False))
        pieces.append(
            format_html(
                '<a class="mention" href="{}" data-agent="{}">{}</a>',
                link_for(mention.agent_id),
                mention.agent_id,
                mention.token(text),
            )
        )
        cursor = mention.end
    pieces.append(escape(text[cursor:], quote=False))
    return "".join(pieces)
