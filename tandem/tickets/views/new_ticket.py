"""Opening a ticket on a customer's behalf (a phone call, a walk-in, a forwarded note)."""

from __future__ import annotations

from django.shortcuts import redirect, render

from tandem.core.errors import InvalidInput
from tandem.core.permissions import full_agent_required
from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.tickets.forms import NewTicketForm
from tandem.tickets.views.responses import UNPROCESSABLE, refuse_not_allowed


@full_agent_required
@refuse_not_allowed
def new_ticket(request):
    form = NewTicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        files = [actions.IncomingFile.from_upload(f) for f in request.FILES.getlist("attachments")]
        try:
            ticket = actions.open_ticket_for_requester(
                actor=Actor.for_agent(request.agent),
                email=data["email"],
                name=data["name"],
                subject=data["subject"],
                body=data["body"],
                channel=data["channel"],
                priority=data["priority"],
                team=data["team"],
                attachments=files,
            )
        except InvalidInput as error:
            for item in error.errors:
                field = item.field.removeprefix("requester.")
                form.add_error(field if field in form.fields else None, item.message)
        else:
            return redirect("tickets:detail", number=ticket.number)
    status = UNPROCESSABLE if request.method == "POST" else 200
    return render(request, "tickets/new_ticket.html", {"form": form}, status=status)
