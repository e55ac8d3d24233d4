"""Article bodies: Markdown (CommonMark plus tables and strikethrough) to sanitised HTML.

markdown-it-py follows the CommonMark spec and is kept up to date; raw HTML in the source
is not passed through, and whatever it renders still goes through the desk's nh3 policy.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from tandem.core.sanitize import sanitize_html

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)


def render_markdown(source: str) -> str:
    return sanitize_html(_renderer.render(source or ""))


_EMPHASIS = re.compile(r"[*_`~]+")
_MARKUP = re.compile(r"[#>\[\]()!|]+|^\s*[-+]\s", re.MULTILINE)


def markdown_to_text(source: str) -> str:
    """The words of a Markdown body, for the search index and suggestion excerpts."""
    return re.sub(r"\s+", " ", _MARKUP.sub(" ", _EMPHASIS.sub("", source or ""))).strip()
