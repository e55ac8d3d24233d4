"""Escalating and de-escalating from the ticket page: a required note, an optional team."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tandem.core.errors import InvalidInput
from tandem.core.permissions import full_agent_required
from tandem.people import directory
from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.tickets.queries import ticket_for
from tandem.tickets.views.responses import UNPROCESSABLE, errors_by_field, refuse_not_allowed
from tandem.tickets.views.ticket import detail_url, page_context

MOVES = {
    "up": (actions.escalate_ticket, "Escalated to {team}."),
    "down": (actions.de_escalate_ticket, "De-escalated to {team}."),
}


def _chosen_team(raw: str):
    if not raw:
        return None, {}
    team = next((t for t in directory.teams() if str(t.pk) == raw), None)
    return team, ({} if team else {"team": ["Choose a team from the list."]})


@full_agent_required
@require_POST
@refuse_not_allowed
def move_tier(request, number: int, direction: str):
    agent = request.agent
    ticket = ticket_for(agent, number)
    action, done = MOVES[direction]
    team, errors = _chosen_team(request.POST.get("team", ""))
    if not errors:
        try:
            ticket = action(
                actor=Actor.for_agent(agent),
                ticket=ticket,
                note=request.POST.get("note", ""),
                team=team,
            )
        except InvalidInput as error:
            errors = errors_by_field(error)
    if errors:
        context = page_context(request, ticket)
        context["tier_move"] = {
            "errors": errors,
            "note": request.POST.get("note", ""),
            "team": request.POST.get("team", ""),
            "direction": direction,
        }
        return render(request, "tickets/ticket.html", context, status=UNPROCESSABLE)
    messages.success(request, done.format(team=ticket.team.name))
    try:
        ticket_for(agent, ticket.number)
    except Http404:
        # Handed to a team whose tickets this agent does not see: back to their list.
        return HttpResponseRedirect(reverse("tickets:inbox"))
    return HttpResponseRedirect(detail_url(ticket, request.POST))
