"""How every attachment leaves Tandem: the one rule for its served type, and the response.

Agents' pages, the API and the customer portal all answer with `attachment_response`, so a
file that is opaque bytes in one place cannot be a runnable page in another.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.http import FileResponse, Http404

from tandem.tickets.models import Attachment

OPAQUE = "application/octet-stream"

# An allow-list, not a block-list: a type keeps its name only if no browser renders it as a
# page that could run script in our origin. HTML, XHTML, SVG, XML, JavaScript, multipart and
# everything unknown or malformed fall through to OPAQUE.
HARMLESS_TYPES = frozenset(
    {
        # images a browser can only paint (SVG is a document with scripts, so it is not here)
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/bmp",
        # documents
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/json",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        # archives (x-zip-compressed is what Windows browsers call a .zip upload)
        "application/zip",
        "application/x-zip-compressed",
        "application/gzip",
        "application/x-7z-compressed",
        # audio and video
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "audio/webm",
        "audio/mp4",
        "video/mp4",
        "video/webm",
        "video/ogg",
        "video/quicktime",
    }
)

# RFC 6266 quoted-string without the two characters that would need escaping (" and \).
_QUOTABLE = re.compile(r"[ !#-\[\]-~]+")
# RFC 8187 attr-char beyond what urllib.parse.quote always leaves alone (letters, digits, _.-~).
_ATTR_CHAR_EXTRAS = "!#$&+^`|"


def served_content_type(stored: str) -> str:
    """The stored type's essence if it is on the harmless list, else application/octet-stream.

    Parameters (`; charset=...`) are dropped; case and surrounding spaces do not matter.
    """
    essence = (stored or "").split(";", 1)[0].strip()
    if not essence.isascii():
        return OPAQUE
    essence = essence.lower()
    return essence if essence in HARMLESS_TYPES else OPAQUE


def content_disposition(filename: str) -> str:
    """`attachment` with the filename, readable by old and new clients whatever it contains.

    A plain ASCII name is sent quoted; any other gets an ASCII stand-in in `filename` (for
    clients that only know that) and the exact name, UTF-8 percent-encoded, in `filename*`.
    """
    name = filename or "attachment"
    if _QUOTABLE.fullmatch(name):
        return f'attachment; filename="{name}"'
    encoded = quote(name, safe=_ATTR_CHAR_EXTRAS, errors="replace")
    return f"attachment; filename=\"{_ascii_stand_in(name)}\"; filename*=UTF-8''{encoded}"


def _ascii_stand_in(name: str) -> str:
    characters = []
    for character in unicodedata.normalize("NFKD", name):
        if unicodedata.combining(character):
            continue  # the accent of a decomposed letter: "é" becomes "e"
        characters.append(character if _QUOTABLE.fullmatch(character) else "_")
    return "".join(characters)


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file streamed from storage as a download that no browser renders or caches.

    Callers check access first; a file missing from storage is a 404.
    """
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing from storage") from error
    response = FileResponse(handle, content_type=served_content_type(attachment.content_type))
    response["Content-Disposition"] = content_disposition(attachment.filename)
    if "Content-Length" not in response:  # storages whose files cannot seek
        response["Content-Length"] = attachment.file.size
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway, it runs in an opaque origin that may load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
