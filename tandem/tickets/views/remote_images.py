"""A message as sent, remote images included, for an agent who asks for them.

The workspace's Content Security Policy allows images from the desk only, so a tracking
pixel or a remote image in customer mail never loads on its own. This page shows the
already-sanitised HTML of one message with remote images allowed, and nothing else: no
scripts, no frames, no forms, and no Referer sent to the image hosts. A plain-text message
shows as its text (it has no images to allow).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from tandem.core.permissions import agent_required
from tandem.tickets.queries import ticket_for

POLICY = "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; sandbox"


@agent_required
@require_GET
def with_remote_images(request, number: int, message_id: int):
    ticket = ticket_for(request.agent, number)
    message = ticket.messages.filter(pk=message_id).first()
    if message is None:
        raise Http404("No such message")
    page = render_to_string(
        "tickets/remote_images.html", {"ticket": ticket, "message": message}, request=request
    )
    response = HttpResponse(page)
    response["Content-Security-Policy"] = POLICY
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response
