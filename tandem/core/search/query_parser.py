"""Turning what a person typed into search terms, whatever they typed.

Pure functions, no Django: a `"quoted phrase"` is a phrase, `word*` is a prefix, and
everything else (dashes, stars inside words, parentheses, colons, stray quotes, FTS or
tsquery operators) is just words. Nothing a user types can become query syntax, so the
backends never see an unparseable query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Letters and digits of any script; the tokenizers of both backends split on the rest.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]*)"')
# A chunk: anything between spaces outside quotes; a trailing star marks a prefix.
_CHUNK = re.compile(r"\S+")

# PostgreSQL's 'english' stop words. SQLite's porter tokenizer keeps them, so a question
# like "how do I reset my password" would require "how" and "do" in the document there;
# dropping them from bare words makes both backends answer the same questions alike.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing don down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own s same she should so some such t than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with you your yours yourself
    yourselves
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

# Shorter prefixes match most of the index and are never what someone meant.
MIN_PREFIX_LENGTH = 2
MAX_TERMS = 16


@dataclass(frozen=True)
class Term:
    """One thing every hit must contain: a word, a phrase (words in order) or a prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


def parse_query(text: str) -> list[Term]:
    """The terms of `text`, in the order typed, without duplicates; [] when nothing is left."""
    terms: list[Term] = []
    seen: set[Term] = set()

    def add(term: Term) -> None:
        if term not in seen and len(terms) < MAX_TERMS:
            seen.add(term)
            terms.append(term)

    position = 0
    text = text or ""
    for match in _PHRASE.finditer(text):
        for term in _bare_terms(text[position : match.start()]):
            add(term)
        words = tuple(word.lower() for word in _WORD.findall(match.group(1)))
        if words:
            add(Term(words))
        position = match.end()
    # An unmatched quote is just a character.
    for term in _bare_terms(text[position:]):
        add(term)
    return terms


def _bare_terms(text: str) -> list[Term]:
    terms = []
    for chunk in _CHUNK.findall(text):
        words = tuple(word.lower() for word in _WORD.findall(chunk))
        if not words:
            continue
        prefix = chunk.rstrip(")]}.,;:!?'\"").endswith("*")
        if len(words) > 1:
            # "e-mail", "alice@example.com", "v2.3": the parts, in order, as a phrase.
            prefix = prefix and len(words[-1]) >= MIN_PREFIX_LENGTH
            terms.append(Term(words, prefix=prefix))
        elif prefix and len(words[0]) >= MIN_PREFIX_LENGTH:
            terms.append(Term(words, prefix=True))
        elif words[0] not in STOP_WORDS:
            terms.append(Term(words))
    return terms
