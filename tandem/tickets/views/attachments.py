"""Attachment downloads: only to agents who may open the ticket, never rendered by the browser."""

from __future__ import annotations

from django.http import Http404
from django.views.decorators.http import require_GET

from tandem.core.permissions import agent_required
from tandem.tickets.downloads import attachment_response
from tandem.tickets.models import Attachment
from tandem.tickets.queries import ticket_for


@agent_required
@require_GET
def download(request, pk: int):
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404("No such attachment")
    ticket_for(request.agent, attachment.ticket_id)  # 404 unless the agent may see the ticket
    return attachment_response(attachment)
