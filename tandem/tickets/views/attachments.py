"""Attachment downloads: only to agents who may open the ticket, never rendered by the browser."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from tandem.core.permissions import agent_required
from tandem.tickets.models import Attachment
from tandem.tickets.queries import ticket_for

# Types a browser may be told as they are: none of them can run script in our origin.
# Everything else (HTML, SVG, XML, JavaScript, unknown) is sent as opaque bytes.
PASSTHROUGH_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp",
    "application/pdf", "text/plain", "text/csv", "application/zip", "application/gzip",
    "application/json", "audio/mpeg", "audio/ogg", "audio/wav", "video/mp4", "video/webm",
    "application/msword", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def served_content_type(stored: str) -> str:
    base = (stored or "").split(";", 1)[0].strip().lower()
    return base if base in PASSTHROUGH_TYPES else "application/octet-stream"


@agent_required
@require_GET
def download(request, pk: int):
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404("No such attachment")
    ticket_for(request.agent, attachment.ticket_id)  # 404 unless the agent may see the ticket
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing from storage") from error
    response = FileResponse(handle, as_attachment=True, filename=attachment.filename,
                            content_type=served_content_type(attachment.content_type))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
