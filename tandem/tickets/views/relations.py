"""Merging a duplicate into another ticket (with a confirmation step) and linking related ones."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tandem.core.errors import InvalidInput
from tandem.core.permissions import full_agent_required
from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.tickets.forms import NumberForm
from tandem.tickets.queries import ticket_for
from tandem.tickets.views.responses import UNPROCESSABLE, refuse_not_allowed
from tandem.tickets.views.ticket import carry_of, detail_url, links_context, page_context


def _other_ticket(agent, form: NumberForm, own_number: int):
    """The ticket the agent typed, or (None, error) when it is not one they may open."""
    if not form.is_valid():
        return None, form.errors["number"][0]
    number = form.cleaned_data["number"]
    if number == own_number:
        return None, "That is this ticket; enter another number."
    try:
        return ticket_for(agent, number), ""
    except Http404:
        return None, f"There is no ticket #{number} you can open."


@full_agent_required
@refuse_not_allowed
def merge(request, number: int):
    """GET: confirm "merge #A into #B?" showing both subjects. POST: do it."""
    agent = request.agent
    source = ticket_for(agent, number)
    data = request.POST if request.method == "POST" else request.GET
    form = NumberForm(data)
    target, error = _other_ticket(agent, form, source.number)
    if target is None:
        context = page_context(request, source, merge_errors=[error])
        return render(request, "tickets/ticket.html", context, status=UNPROCESSABLE)
    context = {"source": source, "target": target, "note": data.get("note", ""), "errors": []}
    if request.method != "POST":
        context["warnings"] = _merge_warnings(source, target)
        return render(request, "tickets/merge_confirm.html", context)
    try:
        actions.merge_tickets(
            actor=Actor.for_agent(agent),
            source=source,
            target=target,
            note=data.get("note", "").strip(),
        )
    except InvalidInput as failure:
        context["errors"] = [e.message for e in failure.errors]
        return render(request, "tickets/merge_confirm.html", context, status=UNPROCESSABLE)
    messages.success(request, f"Merged #{source.number} into #{target.number}.")
    return HttpResponseRedirect(reverse("tickets:detail", args=[target.number]))


@full_agent_required
@require_POST
@refuse_not_allowed
def link(request, number: int):
    agent = request.agent
    ticket = ticket_for(agent, number)
    form = NumberForm(request.POST)
    other, error = _other_ticket(agent, form, ticket.number)
    errors = {"number": [error]} if other is None else {}
    if other is not None:
        try:
            actions.link_tickets(actor=Actor.for_agent(agent), ticket=ticket, other=other)
        except InvalidInput as failure:
            errors = {"number": [e.message for e in failure.errors]}
    return _links_response(
        request, ticket, errors=errors, done="" if errors else f"Linked #{other.number}."
    )


@full_agent_required
@require_POST
@refuse_not_allowed
def unlink(request, number: int, other: int):
    agent = request.agent
    ticket = ticket_for(agent, number)
    other_ticket = ticket_for(agent, other)
    actions.unlink_tickets(actor=Actor.for_agent(agent), ticket=ticket, other=other_ticket)
    return _links_response(request, ticket, errors={}, done=f"Unlinked #{other_ticket.number}.")


def _links_response(request, ticket, *, errors: dict, done: str):
    status = UNPROCESSABLE if errors else 200
    if not request.htmx:
        if errors:
            links = links_context(
                ticket, request.agent, errors=errors, number=request.POST.get("number", "")
            )
            return render(
                request,
                "tickets/ticket.html",
                page_context(request, ticket, links=links),
                status=status,
            )
        messages.success(request, done)
        return HttpResponseRedirect(detail_url(ticket, request.POST))
    links = links_context(
        ticket,
        request.agent,
        errors=errors,
        carry=carry_of(request.POST),
        number=request.POST.get("number", "") if errors else "",
    )
    return render(
        request,
        "tickets/_links.html",
        {"links_ctx": links, "announce": done, "oob_announce": True},
        status=status,
    )


def _merge_warnings(source, target) -> list[str]:
    """What the confirmation page can already see will stop the merge (the action checks again)."""
    warnings = []
    for ticket, role in ((source, "This ticket"), (target, f"#{target.number}")):
        if ticket.merged_into_id:
            warnings.append(f"{role} is already merged into #{ticket.merged_into_id}.")
        elif ticket.status == "closed":
            warnings.append(f"{role} is closed; closed tickets cannot be merged.")
    return warnings
