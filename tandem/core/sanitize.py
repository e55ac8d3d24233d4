"""Sanitising HTML from outside (nh3) and turning plain text into safe HTML."""

from __future__ import annotations

import html as html_lib
import re

import nh3

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "*": {"dir", "lang"},
}
_URL_SCHEMES = {"http", "https", "mailto", "cid", "tel"}


def sanitize_html(raw: str) -> str:
    """Keep formatting, drop scripts, styles, event handlers and unsafe URLs."""
    if not raw:
        return ""
    return nh3.clean(
        raw,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_URL = re.compile(r"(https?://[^\s<>\"']+)")


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs with clickable links; every character escaped."""
    paragraphs = re.split(r"\n\s*\n", (text or "").strip())
    rendered = []
    for paragraph in paragraphs:
        if not paragraph:
            continue
        escaped = html_lib.escape(paragraph)
        linked = _URL.sub(r'<a href="\1" rel="noopener noreferrer nofollow">\1</a>', escaped)
        rendered.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return "\n".join(rendered)
