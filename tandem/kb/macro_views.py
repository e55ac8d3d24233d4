"""The composer's macro picker (htmx partials): search, preview for this ticket, insert.

Inserting only fills the reply box and remembers the macro in the composer form; the
macro's changes are applied when the reply is sent (`macro_reply`, called by the ticket
reply view), so nothing happens to the ticket until the agent sends.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from tandem.core.errors import InvalidInput
from tandem.core.permissions import full_agent_required
from tandem.kb import macro_actions
from tandem.kb.macro_preview import FieldRenderError, describe_actions, rendered_for
from tandem.kb.macro_queries import macro_for, search_macros
from tandem.people.models import Agent
from tandem.tickets.models import Message
from tandem.tickets.queries import ticket_for

PICKER_SIZE = 8


def macro_reply(agent: Agent, macro_id: str, **message) -> Message:
    """Send the reply with the macro applied; a macro the agent cannot use is a field error."""
    try:
        macro = macro_for(agent, macro_id)
    except Http404:
        raise InvalidInput.single("macro", "this macro is no longer available to you") from None
    return macro_actions.reply_with_macro(macro=macro, **message)


@full_agent_required
@require_GET
def picker(request, number: int):
    """Macros matching `q` in title or body, most used first."""
    ticket = ticket_for(request.agent, number)
    query = request.GET.get("q", "")
    macros = list(search_macros(request.agent, query)[:PICKER_SIZE])
    return render(
        request,
        "kb/macros/_picker_results.html",
        {"macros": macros, "ticket": ticket, "query": query},
    )


@full_agent_required
@require_GET
def preview(request, pk: int, number: int):
    """The macro rendered for this ticket, with what it would change; errors are shown here."""
    ticket = ticket_for(request.agent, number)
    macro = macro_for(request.agent, pk)
    context = {"macro": macro, "ticket": ticket, "lines": describe_actions(macro)}
    try:
        context["rendered"] = rendered_for(macro, ticket, request.agent)
    except FieldRenderError as error:
        context["error"] = error
    return render(request, "kb/macros/_preview.html", context)


@full_agent_required
@require_POST
def insert(request, pk: int, number: int):
    """The reply box with the macro's text added after what the agent already wrote."""
    from tandem.tickets.views.ticket import composer_context

    ticket = ticket_for(request.agent, number)
    macro = macro_for(request.agent, pk)
    try:
        rendered = rendered_for(macro, ticket, request.agent)
    except FieldRenderError as error:
        response = render(
            request,
            "kb/macros/_preview.html",
            {"macro": macro, "ticket": ticket, "error": error, "lines": []},
        )
        response["HX-Retarget"] = "#macro-preview"
        response["HX-Reswap"] = "outerHTML"
        return response
    written = request.POST.get("body", "").rstrip()
    body = f"{written}\n\n{rendered.body}" if written else rendered.body
    data = {"body": body, "visibility": request.POST.get("visibility", "")}
    composer = composer_context(ticket, request.agent, data=data)
    return render(
        request,
        "kb/macros/_inserted.html",
        {"composer": composer, "macro": macro, "lines": rendered.lines},
    )


@full_agent_required
@require_POST
def forget(request):
    """ "Don't apply": the composer forgets the macro (the inserted text stays, editable)."""
    return render(request, "kb/macros/_forgotten.html")
