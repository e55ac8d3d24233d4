from hypothesis import given
from hypothesis import strategies as st

from tandem.core.sanitize import sanitize_html, text_to_html


def test_scripts_handlers_and_javascript_urls_are_removed():
    dirty = (
        '<p onclick="steal()">Hi<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">x</a><img src="x" onerror="alert(1)">'
        '<style>body{display:none}</style><iframe src="https://evil.test"></iframe>'
    )
    clean = sanitize_html(dirty)
    for needle in ("script", "onclick", "onerror", "javascript:", "<style", "<iframe"):
        assert needle not in clean
    assert "<p>Hi</p>" in clean


def test_links_get_safe_rel_and_formatting_survives():
    clean = sanitize_html('<b>bold</b> <a href="https://example.test/">site</a>')
    assert clean.startswith("<b>bold</b>")
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_text_to_html_escapes_and_links():
    html = text_to_html("Hello <b>you</b>\nsee https://example.test/a?b=1&c=2\n\nBye")
    assert html == (
        '<p>Hello &lt;b&gt;you&lt;/b&gt;<br>see <a href="https://example.test/a?b=1&amp;c=2" '
        'rel="noopener noreferrer nofollow">https://example.test/a?b=1&amp;c=2</a></p>\n<p>Bye</p>'
    )


@given(st.text())
def test_text_to_html_never_emits_markup_from_input(text):
    html = text_to_html(text)
    stripped = html.replace("<p>", "").replace("</p>", "").replace("<br>", "")
    assert "<script" not in stripped.lower()
    assert sanitize_html(html).count("<a ") == html.count("<a ")
