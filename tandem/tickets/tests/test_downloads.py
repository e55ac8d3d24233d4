"""The one download rule: which type a file is served as, its disposition, and the response."""

from __future__ import annotations

import pytest
from django.http import Http404

from tandem.testing import factories
from tandem.tickets.actions import IncomingFile
from tandem.tickets.downloads import attachment_response, content_disposition, served_content_type

OPAQUE = "application/octet-stream"


@pytest.mark.parametrize(
    ("stored", "served"),
    [
        ("image/png", "image/png"),
        ("image/jpeg", "image/jpeg"),
        ("image/gif", "image/gif"),
        ("image/webp", "image/webp"),
        ("application/pdf", "application/pdf"),
        ("text/plain", "text/plain"),
        ("text/csv", "text/csv"),
        ("application/zip", "application/zip"),
        ("audio/mpeg", "audio/mpeg"),
        ("video/mp4", "video/mp4"),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("Text/Plain; charset=utf-8", "text/plain"),
        ("  IMAGE/PNG  ", "image/png"),
        ("text/csv;header=present", "text/csv"),
    ],
)
def test_harmless_types_keep_their_type_without_parameters(stored, served):
    assert served_content_type(stored) == served


@pytest.mark.parametrize(
    "stored",
    [
        "text/html",
        "text/html; charset=utf-8",
        "TEXT/HTML",
        "image/svg+xml",
        "application/xhtml+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/ecmascript",
        "multipart/related",
        "application/x-shockwave-flash",
        "text/css",
        "application/x-msdownload",
        "application/octet-stream",
    ],
)
def test_types_a_browser_could_run_or_does_not_know_are_opaque(stored):
    assert served_content_type(stored) == OPAQUE


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "garbage",
        "text/plain\r\nX-Injected: 1",
        "text/plain\nX-Injected: 1",
        "text/plain, text/html",
        "text /plain",
        "text/plain/extra",
        "/",
        "text/",
        "image/pn\u0261",  # a look-alike of image/png
        "\u0131mage/png",  # dotless i
    ],
)
def test_malformed_types_are_opaque(stored):
    assert served_content_type(stored) == OPAQUE


def test_none_is_opaque():
    assert served_content_type(None) == OPAQUE


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("invoice.html", 'attachment; filename="invoice.html"'),
        ("report file (1).pdf", 'attachment; filename="report file (1).pdf"'),
        ("", 'attachment; filename="attachment"'),
        (
            "Résumé.pdf",
            "attachment; filename=\"Resume.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf",
        ),
        (
            "отчёт.csv",
            'attachment; filename="_____.csv"; '
            "filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.csv",
        ),
        ("报告.pdf", "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf"),
        (
            "smile 😀.png",
            "attachment; filename=\"smile _.png\"; filename*=UTF-8''smile%20%F0%9F%98%80.png",
        ),
        (
            'say "hi"\\.txt',
            "attachment; filename=\"say _hi__.txt\"; filename*=UTF-8''say%20%22hi%22%5C.txt",
        ),
        (
            "a.txt\r\nX-Injected: 1",
            'attachment; filename="a.txt__X-Injected: 1"; '
            "filename*=UTF-8''a.txt%0D%0AX-Injected%3A%201",
        ),
        ("x;y=z/..%.txt", 'attachment; filename="x;y=z/..%.txt"'),
        (
            "a/b;c%.tx\u00e9",
            "attachment; filename=\"a/b;c%.txe\"; filename*=UTF-8''a%2Fb%3Bc%25.tx%C3%A9",
        ),
    ],
)
def test_content_disposition_is_an_attachment_for_any_filename(filename, header):
    assert content_disposition(filename) == header
    assert "\r" not in header and "\n" not in header
    assert header.isascii()


# --- the response -----------------------------------------------------------------------


@pytest.fixture
def stored(db):
    def store(filename, content, content_type):
        ticket = factories.make_ticket(
            attachments=[
                IncomingFile(filename=filename, content=content, content_type=content_type)
            ]
        )
        return ticket.attachments.get()

    return store


def test_response_streams_the_file_as_an_uncached_sandboxed_download(stored):
    attachment = stored("notes.txt", b"line one\nline two\n", "text/plain; charset=utf-8")

    response = attachment_response(attachment)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"line one\nline two\n"
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response["Content-Length"] == "18"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"


def test_response_serves_html_as_opaque_bytes(stored):
    attachment = stored("page.html", b"<script>alert(1)</script>", "text/html; charset=utf-8")

    response = attachment_response(attachment)

    assert response["Content-Type"] == OPAQUE
    assert response["Content-Disposition"] == 'attachment; filename="page.html"'
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_response_names_a_unicode_file_in_filename_star(stored):
    attachment = stored("Résumé 2024.pdf", b"%PDF-1.4", "application/pdf")

    response = attachment_response(attachment)

    assert attachment.filename == "Résumé_2024.pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Resume_2024.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9_2024.pdf"
    )
    assert response["Content-Type"] == "application/pdf"


def test_file_missing_from_storage_is_404(stored):
    attachment = stored("gone.txt", b"x", "text/plain")
    attachment.file.storage.delete(attachment.file.name)

    with pytest.raises(Http404):
        attachment_response(attachment)
