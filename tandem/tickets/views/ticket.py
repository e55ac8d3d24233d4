"""One ticket: the page, its live partials (timeline, properties), replies, notes and changes.

Every form here works as a plain POST with a redirect, and as an htmx request that gets
back only the partials it changed (the main target plus out-of-band swaps).
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tandem.core.errors import InvalidInput
from tandem.core.permissions import agent_required
from tandem.kb.macro_views import macro_reply
from tandem.people import directory
from tandem.people.actors import Actor
from tandem.people.models import Agent, Track
from tandem.tickets import actions, stale_drafts
from tandem.tickets import status as machine
from tandem.tickets.actions.changes import ticket_custom_field_definitions
from tandem.tickets.forms import (
    SUBMIT_AS,
    PropertyChanges,
    ReplyForm,
    custom_field_rows,
)
from tandem.tickets.models import Message, Priority, Status, Ticket
from tandem.tickets.queries import (
    contact_summary,
    linked_tickets,
    ticket_for,
    timeline,
)
from tandem.tickets.views.list_state import ListState
from tandem.tickets.views.responses import (
    UNPROCESSABLE,
    errors_by_field,
    errors_except,
    form_errors,
    refuse_not_allowed,
)

HELD = 200  # htmx swaps the composer back in, warning and draft included
CONFLICT = 409  # the same for a plain form post: the conversation changed under the draft
COMPOSER_FIELDS = {"body", "visibility", "status", "attachments", "macro"}
PANEL_FIELDS = {
    "status",
    "priority",
    "track",
    "team",
    "assignee",
    "category",
    "add_tags",
    "remove_tags",
    "tags",
}


# --- where the agent came from ---------------------------------------------------


def list_context(data, ticket: Ticket) -> dict:
    """The inbox list this ticket was opened from (or "All open"), for [ and ] and "Back"."""
    state = ListState.from_encoded(data.get("in", ""))
    pos = data.get("pos", "")
    if not state.valid_position(pos):
        pos = state.position_of(ticket)
    carried = f"in={quote(state.query(), safe='')}&pos={quote(pos, safe='')}"
    return {
        "list_state": state,
        "list_carry": carried,
        "list_in": state.query(),
        "list_pos": pos,
        "back_url": reverse("tickets:inbox") + (f"?{state.query()}" if state.query() else ""),
        "previous_url": f"{reverse('tickets:previous', args=[ticket.number])}?{carried}",
        "next_url": f"{reverse('tickets:next', args=[ticket.number])}?{carried}",
        "list_end": data.get("end", ""),
    }


def detail_url(ticket: Ticket, data) -> str:
    ctx = list_context(data, ticket)
    return f"{reverse('tickets:detail', args=[ticket.number])}?{ctx['list_carry']}"


# --- what each partial needs -------------------------------------------------------


def header_context(ticket: Ticket) -> dict:
    return {"ticket": ticket}


def timeline_context(ticket: Ticket) -> dict:
    return {"ticket": ticket, "entries": timeline(ticket, include_internal=True)}


def carry_of(data) -> dict:
    """The list context as hidden form fields, so a no-JS post lands back in the same list."""
    return {"in": data.get("in", ""), "pos": data.get("pos", "")}


def composer_context(
    ticket: Ticket,
    agent: Agent,
    *,
    data=None,
    errors=None,
    carry=None,
    arrived=None,
    entries=None,
) -> dict:
    errors = errors or {}
    data = data or {}
    can_public = agent.can_reply_publicly
    visibility = data.get("visibility") or (
        Message.Visibility.PUBLIC if can_public else Message.Visibility.INTERNAL
    )
    allowed = machine.allowed_next(ticket.status)
    return {
        "ticket": ticket,
        "can_public": can_public,
        "visibility": visibility if can_public else Message.Visibility.INTERNAL,
        "body": data.get("body", ""),
        "macro": data.get("macro", ""),
        "macro_errors": errors.get("macro", []),
        "submit_status": data.get("status", ""),
        "submit_as": [(s, label) for s, label in SUBMIT_AS if s in allowed],
        "errors": errors,
        "other_errors": errors_except(errors, COMPOSER_FIELDS),
        "accepts_messages": ticket.status != Status.CLOSED,
        "carry": carry or {},
        # The newest public message this composer was drawn under (see stale_drafts).
        "seen_message": stale_drafts.newest_public_message_id(ticket, entries),
        "arrived": arrived or [],
    }


def properties_context(
    ticket: Ticket, agent: Agent, *, errors=None, posted=None, carry=None
) -> dict:
    errors = errors or {}
    definitions = ticket_custom_field_definitions()
    rows = custom_field_rows(definitions, ticket.custom_fields, errors, posted)
    statuses = [
        ticket.status,
        *sorted(machine.allowed_next(ticket.status), key=list(Status.values).index),
    ]
    return {
        "ticket": ticket,
        "can_edit": agent.can_reply_publicly and ticket.status != Status.CLOSED,
        "statuses": [(s, Status(s).label) for s in statuses],
        "priorities": Priority.choices,
        "tracks": Track.choices,
        "teams": directory.teams(),
        "agents": directory.assignable_agents(),
        "tags": list(ticket.tags.order_by("name")),
        "custom_rows": rows,
        "custom_values": [(r["definition"].label, r["value"], r["definition"].kind) for r in rows],
        "errors": errors,
        "other_errors": errors_except(errors, PANEL_FIELDS | {r["name"] for r in rows}),
        "carry": carry or {},
    }


def links_context(ticket: Ticket, agent: Agent, *, errors=None, number="", carry=None) -> dict:
    return {
        "ticket": ticket,
        "links": linked_tickets(agent, ticket),
        "can_edit": agent.can_reply_publicly,
        "link_errors": (errors or {}).get("number", []) + (errors or {}).get("other", []),
        "link_number": number,
        "carry": carry or {},
    }


def customer_context(ticket: Ticket, agent: Agent) -> dict:
    contact = ticket.contact
    identities = [
        i for i in contact.identities.all() if not (i.kind == "email" and i.value == contact.email)
    ]
    return {
        "contact": contact,
        "contact_ticket": ticket,
        "organization": ticket.organization or contact.organization,
        "identities": identities,
        "summary": contact_summary(agent, contact, exclude=ticket, limit=6),
    }


def page_context(request, ticket: Ticket, **parts) -> dict:
    agent = request.agent
    data = request.POST if request.method == "POST" else request.GET
    context = {"ticket": ticket, "merged_into": ticket.merged_into}
    context.update(list_context(data, ticket))
    carry = {"in": context["list_in"], "pos": context["list_pos"]}
    context.update(timeline_context(ticket))
    context["composer"] = parts.get("composer") or composer_context(
        ticket, agent, carry=carry, entries=context["entries"]
    )
    context["panel"] = parts.get("panel") or properties_context(ticket, agent, carry=carry)
    context["links_ctx"] = parts.get("links") or links_context(ticket, agent, carry=carry)
    context["merge_errors"] = parts.get("merge_errors", [])
    return context


# --- pages and partials ------------------------------------------------------------


@agent_required
@require_GET
def detail(request, number: int):
    ticket = ticket_for(request.agent, number)
    return render(request, "tickets/ticket.html", page_context(request, ticket))


@agent_required
@require_GET
def customer_partial(request, number: int):
    """The customer sidebar, fetched right after the page: the conversation renders first,
    and neither request exceeds the per-page query budget."""
    ticket = ticket_for(request.agent, number)
    return render(request, "tickets/_customer.html", customer_context(ticket, request.agent))


@agent_required
@require_GET
def timeline_partial(request, number: int):
    """What the live refresh fetches when the WebSocket says the ticket changed."""
    ticket = ticket_for(request.agent, number)
    context = {**timeline_context(ticket), "header_oob": True}
    return render(request, "tickets/_timeline_refresh.html", context)


@agent_required
def properties(request, number: int):
    if request.method == "POST":
        return update_properties(request, number)
    ticket = ticket_for(request.agent, number)
    return render(
        request,
        "tickets/_properties.html",
        {"panel": properties_context(ticket, request.agent, carry=carry_of(request.GET))},
    )


# --- writes ---------------------------------------------------------------------------


@agent_required
@require_POST
@refuse_not_allowed
def reply(request, number: int):
    agent = request.agent
    ticket = ticket_for(agent, number)
    form = ReplyForm(request.POST)
    files = [actions.IncomingFile.from_upload(f) for f in request.FILES.getlist("attachments")]
    errors: dict[str, list[str]] = {}
    arrived = _arrived_while_drafting(request, ticket, agent)
    if arrived:
        if files:
            errors["attachments"] = ["Attach the files again."]
    elif form.is_valid():
        message = {
            "actor": Actor.for_agent(agent),
            "ticket": ticket,
            "body": form.cleaned_data["body"],
            "visibility": form.cleaned_data["visibility"],
            "attachments": files,
            "status": form.status_or_none(),
        }
        try:
            if request.POST.get("macro"):
                # The macro picked in the composer (kb) is applied with the reply, all or nothing.
                macro_reply(agent, request.POST["macro"], **message)
            else:
                actions.add_message(**message)
        except InvalidInput as error:
            errors = errors_by_field(error)
    else:
        errors = form_errors(form)
    is_note = request.POST.get("visibility") == Message.Visibility.INTERNAL

    if errors or arrived:
        if files and not arrived:
            errors.setdefault("attachments", []).append("Attach the files again.")
        composer = composer_context(
            ticket,
            agent,
            data=request.POST,
            errors=errors,
            carry=carry_of(request.POST),
            arrived=arrived,
        )
        if request.htmx:
            response = render(
                request,
                "tickets/_composer_held.html" if arrived else "tickets/_composer.html",
                {"composer": composer, **(timeline_context(ticket) if arrived else {})},
                # A held reply is a question back to the agent, not a failed request.
                status=HELD if arrived and not errors else UNPROCESSABLE,
            )
            response["HX-Retarget"] = "#composer"
            response["HX-Reswap"] = "outerHTML"
            return response
        return render(
            request,
            "tickets/ticket.html",
            page_context(request, ticket, composer=composer),
            status=CONFLICT if arrived and not errors else UNPROCESSABLE,
        )

    done = "Note added." if is_note else "Reply sent."
    if not request.htmx:
        messages.success(request, done)
        return HttpResponseRedirect(detail_url(ticket, request.POST))
    ticket = ticket_for(agent, number)
    return render(
        request,
        "tickets/_after_change.html",
        {
            **timeline_context(ticket),
            "composer": composer_context(
                ticket,
                agent,
                carry=carry_of(request.POST),
                data={"visibility": request.POST.get("visibility")},
            ),
            "panel": properties_context(ticket, agent, carry=carry_of(request.POST)),
            "announce": done,
        },
    )


def _arrived_while_drafting(request, ticket: Ticket, agent: Agent) -> list[Message]:
    """A public reply drafted under an older view of the conversation is held, never sent
    silently, while newer customer messages or colleagues' replies exist."""
    if request.POST.get("visibility") != Message.Visibility.PUBLIC:
        return []
    seen = stale_drafts.parse_seen(request.POST.get("seen_message"))
    if seen is None:
        return []
    return list(stale_drafts.arrived_since(ticket, seen=seen, agent=agent))


@agent_required
@require_POST
@refuse_not_allowed
def update_properties(request, number: int):
    agent = request.agent
    if not agent.can_reply_publicly:
        raise PermissionDenied("Light agents cannot change tickets.")
    ticket = ticket_for(agent, number)
    parser = PropertyChanges(
        request.POST,
        ticket=ticket,
        teams=directory.teams(),
        agents=directory.assignable_agents(),
        definitions=ticket_custom_field_definitions(),
    )
    changes = parser.changes()
    errors = dict(parser.errors)
    if changes and not errors:
        try:
            actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, **changes)
        except InvalidInput as error:
            errors = errors_by_field(error)

    if errors:
        panel = properties_context(
            ticket, agent, errors=errors, posted=request.POST, carry=carry_of(request.POST)
        )
        if request.htmx:
            return render(
                request, "tickets/_properties.html", {"panel": panel}, status=UNPROCESSABLE
            )
        return render(
            request,
            "tickets/ticket.html",
            page_context(request, ticket, panel=panel),
            status=UNPROCESSABLE,
        )

    done = "Saved." if changes else "Nothing to save."
    if not request.htmx:
        if changes:
            messages.success(request, done)
        return HttpResponseRedirect(detail_url(ticket, request.POST))
    ticket = ticket_for(agent, number)
    return render(
        request,
        "tickets/_properties_saved.html",
        {
            **timeline_context(ticket),
            "panel": properties_context(ticket, agent, carry=carry_of(request.POST)),
            "composer": composer_context(ticket, agent, carry=carry_of(request.POST)),
            "announce": done,
        },
    )
