"""Handing attachments to customers so a browser saves them and never runs them."""

from __future__ import annotations

import re

from django.http import FileResponse, Http404

from tandem.tickets.models import Attachment

# Types a browser may render as a document with scripts, whatever the disposition says.
_ACTIVE_MARKERS = ("html", "xml", "svg", "javascript", "ecmascript", "multipart", "x-shockwave")
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
FALLBACK = "application/octet-stream"


def served_content_type(stored: str) -> str:
    """The stored type when it is well-formed and passive, else application/octet-stream."""
    essence = (stored or "").split(";", 1)[0].strip().lower()
    if not _MIME.match(essence) or any(marker in essence for marker in _ACTIVE_MARKERS):
        return FALLBACK
    return essence


def attachment_response(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing from storage") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=served_content_type(attachment.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway, it runs in an opaque origin with nothing allowed.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
