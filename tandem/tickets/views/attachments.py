"""Attachment downloads: only to agents who may open the ticket, never rendered by the browser."""

from __future__ import annotations

from django.views.decorators.http import require_GET

from tandem.core.permissions import agent_required
from tandem.tickets.downloads import attachment_response
from tandem.tickets.queries import attachment_for


@agent_required
@require_GET
def download(request, pk: int):
    return attachment_response(attachment_for(request.agent, pk))
