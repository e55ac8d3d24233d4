"""A document's kind as an index token, so SQLite's FTS5 filters by kind inside the match.

Filtering FTS5 matches by a column read from each matching row walks every match the
filter rejects: the help center's article suggestions read tens of thousands of ticket
rows to find a few articles. As a token in a column of its own, the kind is a doclist
FTS5 intersects with the words before any row is read.

Pure functions, no Django. The token is digits only (three per byte of the kind), so
neither the porter stemmer nor the unicode61 tokenizer changes it and two kinds never
share one. Someone typing a kind's token as a number finds documents of that kind: no
more than every filter already lets them see.
"""

from __future__ import annotations


def kind_token(kind: str) -> str:
    return "".join(str(100 + byte) for byte in kind.encode())
