"""Safe highlighted snippets: the database marks matches with control characters, we escape.

Neither FTS5's snippet() nor PostgreSQL's ts_headline() escapes HTML, so they mark
matches with two control characters that indexed text can never contain (index_document
strips them); the text is escaped first and only then are the marks turned into <mark>.
"""

from __future__ import annotations

from django.utils.html import escape

START = "\x02"
STOP = "\x03"
_MARKERS = str.maketrans("", "", START + STOP)


def without_markers(text: str) -> str:
    return (text or "").translate(_MARKERS)


def marked_html(raw: str | None) -> str:
    """`raw` as HTML: escaped, with matched terms inside <mark>, stray marks dropped."""
    html = str(escape(raw or ""))
    out = []
    inside = False
    for char in html:
        if char == START and not inside:
            out.append("<mark>")
            inside = True
        elif char == STOP and inside:
            out.append("</mark>")
            inside = False
        elif char not in (START, STOP):
            out.append(char)
    if inside:
        out.append("</mark>")
    return "".join(out)
