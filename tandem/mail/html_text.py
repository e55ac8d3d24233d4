"""HTML mail turned into readable plain text with the standard library's HTML parser.

Blocks become line breaks, lists get "- " (or "1. "), links read "text (url)", blockquotes are
prefixed with "> " so that quote detection works on HTML-only mail. `outline_html` also returns
where each text line and element starts in the source, for cutting quoted HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_SKIPPED = {"script", "style", "title", "template", "xml", "svg", "object", "noscript"}
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "pre", "dl", "figure", "form"}
_BLOCKS = _PARAGRAPHS | {
    "div",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "address",
    "center",
    "tr",
    "dt",
    "dd",
    "fieldset",
    "figcaption",
    "details",
    "summary",
    "caption",
    "body",
    "html",
    "tbody",
    "thead",
    "tfoot",
    "li",
    "ul",
    "ol",
    "blockquote",
    "hr",
}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
    "basefont",
    "frame",
    "keygen",
}
_WHITESPACE = re.compile(r"[ \t\n\r\f\v\xa0\u200b\u2007\u202f\ufeff]+")
_LINK_SCHEMES = ("http://", "https://", "mailto:", "ftp://")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    start: int
    end: int = -1
    parent: int = -1


@dataclass
class HtmlOutline:
    """Rendered lines with the source offset each begins at, and every element's span."""

    lines: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)


class _Renderer(HTMLParser):
    def __init__(self, source: str, track: bool):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.track = track
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)] if track else []
        self.lines: list[str] = []
        self.offsets: list[int] = []
        self.elements: list[Element] = []
        self.open: list[int] = []
        self.current: list[str] = []
        self.current_offset = 0
        self.pending = 0
        self.skip = 0
        self.in_head = False
        self.pre = 0
        self.quote = 0
        self.line_quote = self.current_quote = 0
        self.paragraph_gap = 2
        self.lists: list[list] = []  # [ordered, counter]
        self.bullet = ""
        self.links: list[tuple[str, list[str]]] = []
        self.gap_offset: int | None = None

    def _offset(self) -> int:
        if not self.track:
            return 0
        line, column = self.getpos()
        return self.line_starts[line - 1] + column if line - 1 < len(self.line_starts) else 0

    # --- output ---
    def _break(self, newlines: int) -> None:
        if self.current or self.lines:
            self.pending = max(self.pending, newlines)

    def _prefix(self) -> str:
        return "> " * self.quote

    def _finish_line(self) -> None:
        self.lines.append("".join(self.current).rstrip())
        self.offsets.append(self.current_offset)
        self.current = []
        self.line_quote = self.current_quote

    def _emit(self, text: str, offset: int) -> None:
        if self.skip:
            return
        if not self.pre:
            at_line_start = self.pending or not self.current
            if text == "\xa0" and at_line_start and (self.lines or self.current):
                self.pending = max(self.pending, 2)  # Outlook's empty paragraph: a blank line
                return
            text = _WHITESPACE.sub(" ", text)
            if not self.current or self.pending or self.current[-1].endswith(" "):
                text = text.lstrip()
            if not text:
                return
        if self.pending:
            if self.current:
                self._finish_line()
            for _ in range(self.pending - 1):
                # A blank line between a quote and what follows belongs to the shallower side.
                self.lines.append(("> " * min(self.quote, self.line_quote)).rstrip())
                self.offsets.append(offset)
            self.pending = 0
        if not self.current:
            indent = "  " * max(len(self.lists) - 1, 0)
            self.current = [self._prefix() + indent + (self.bullet or ("  " if self.lists else ""))]
            self.current_quote = self.quote
            self.bullet = ""
            self.current_offset = self.gap_offset if self.gap_offset is not None else offset
        self.gap_offset = None
        for link in self.links:
            link[1].append(text)
        self.current.append(text)

    # --- parser callbacks ---
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        offset = self._offset() if self.track else 0
        if self.track:
            attributes = {name: value or "" for name, value in attrs}
            if self.gap_offset is None:
                self.gap_offset = offset
            if tag not in _VOID:
                parent = self.open[-1] if self.open else -1
                self.elements.append(Element(tag, attributes, offset, parent=parent))
                self.open.append(len(self.elements) - 1)
            else:
                self.elements.append(
                    Element(tag, attributes, offset, offset, self.open[-1] if self.open else -1)
                )
        if tag in _SKIPPED:
            self.skip += 1
            return
        if tag == "head" or (tag == "body" and self.in_head):
            # An unclosed <head> must not hide the body.
            self.skip += 1 if tag == "head" and not self.in_head else -1 if tag == "body" else 0
            self.in_head = tag == "head"
            return
        if tag == "br":
            if self.current or self.lines:
                self.pending += 1
        elif tag == "hr":
            self._break(1)
            self._emit("---", offset)
            self._break(1)
        elif tag in ("ul", "ol"):
            self._break(1 if self.lists else 2)
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self._break(1)
            if self.lists:
                self.lists[-1][1] += 1
                ordered, number = self.lists[-1]
                self.bullet = f"{number}. " if ordered else "- "
            else:
                self.bullet = "- "
        elif tag == "blockquote":
            self._break(1)
            self.quote += 1
        elif tag == "pre":
            self._break(2)
            self.pre += 1
        elif tag in ("td", "th"):
            if self.current and not self.current[-1].endswith(" "):
                self.current.append(" ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", []))
        elif tag == "p":
            # Word's MsoNormal paragraphs are single lines with no margin.
            self.paragraph_gap = 1 if "MsoNormal" in (dict(attrs).get("class") or "") else 2
            self._break(self.paragraph_gap)
        elif tag in _PARAGRAPHS:
            self._break(2)
        elif tag in _BLOCKS:
            self._break(1)

    def handle_endtag(self, tag: str) -> None:
        if self.track and tag not in _VOID:
            self._close_element(tag)
        if tag in _SKIPPED or (tag == "head" and self.in_head):
            self.skip = max(self.skip - 1, 0)
            self.in_head = self.in_head and tag != "head"
            return
        if tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._break(1 if self.lists else 2)
        elif tag == "blockquote":
            self._break(1)
            self.quote = max(self.quote - 1, 0)
        elif tag == "pre":
            self.pre = max(self.pre - 1, 0)
            self._break(2)
        elif tag == "a" and self.links:
            href, parts = self.links.pop()
            label = "".join(parts).strip()
            if label and _link_differs(href.strip(), label):
                self._emit(f" ({href.strip()})", 0)
        elif tag == "p":
            self._break(self.paragraph_gap)
        elif tag in _BLOCKS:
            self._break(2 if tag in _PARAGRAPHS else 1)

    def _close_element(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, -1, -1):
            if self.elements[self.open[depth]].tag == tag:
                start = self._offset()
                closing = self.source.find(">", start)
                end = closing + 1 if closing != -1 else len(self.source)
                for index in self.open[depth + 1 :]:
                    self.elements[index].end = start
                self.elements[self.open[depth]].end = end
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if not self.pre:
            self._emit(data, self._offset() if self.track else 0)
            return
        offset = self._offset() if self.track else 0
        for number, piece in enumerate(data.split("\n")):
            if number and (self.current or self.lines):
                self.pending += 1
            if piece:
                self._emit(piece, offset)

    def finish(self) -> HtmlOutline:
        self.close()
        if self.current:
            self._finish_line()
        for index in self.open:
            self.elements[index].end = len(self.source)
        lines, offsets = [], []
        for line, offset in zip(self.lines, self.offsets, strict=True):
            if not line.strip(" >") and lines and not lines[-1].strip(" >"):
                continue  # one blank line is enough
            lines.append(line)
            offsets.append(offset)
        while lines and not lines[-1].strip(" >"):
            lines.pop()
            offsets.pop()
        return HtmlOutline(lines, offsets, self.elements)


def _link_differs(href: str, label: str) -> bool:
    if not href.lower().startswith(_LINK_SCHEMES):
        return False
    if href.lower().startswith("mailto:"):
        return href[7:].split("?", 1)[0].lower() != label.lower()
    bare = re.sub(r"^[a-z]+://", "", href, flags=re.I).rstrip("/")
    return label.rstrip("/") not in (href.rstrip("/"), bare)


def _render(html: str, track: bool) -> HtmlOutline:
    renderer = _Renderer(html, track)
    try:
        renderer.feed(html)
        return renderer.finish()
    except (AssertionError, ValueError, IndexError, RecursionError):
        # html.parser gives up on some broken markup; keep what was rendered so far.
        if renderer.current:
            renderer._finish_line()
        return HtmlOutline(renderer.lines, renderer.offsets, renderer.elements)


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML document (never raises)."""
    if not html or "<" not in html and "&" not in html:
        return (html or "").strip()
    return "\n".join(_render(html, track=False).lines).strip("\n")


def outline_html(html: str) -> HtmlOutline:
    """Rendered lines plus source offsets of lines and elements (for splitting quoted HTML)."""
    return _render(html or "", track=True)
