"""Bulk actions on inbox rows: one change applied to every selected ticket, all or nothing."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from tandem.core.errors import InvalidInput
from tandem.core.permissions import full_agent_required
from tandem.people import directory
from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.tickets.forms import BulkForm
from tandem.tickets.queries import tickets_visible_to
from tandem.tickets.views.list_state import ListState
from tandem.tickets.views.responses import refuse_not_allowed


@full_agent_required
@require_POST
@refuse_not_allowed
def bulk_update(request):
    state = ListState.from_encoded(request.POST.get("list", ""))
    query = state.query()
    back = HttpResponseRedirect(reverse("tickets:inbox") + (f"?{query}" if query else ""))
    form = BulkForm(request.POST, teams=directory.teams(), agents=directory.assignable_agents())
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        messages.error(request, f"Nothing was changed: {first}")
        return back
    changes = form.changes()
    if not changes:
        messages.error(request, "Nothing was changed: choose what to change first.")
        return back
    numbers = form.cleaned_data["tickets"]
    tickets = list(tickets_visible_to(request.agent).filter(number__in=numbers).order_by("number"))
    missing = sorted(set(numbers) - {t.number for t in tickets})
    if missing:
        messages.error(
            request, f"Nothing was changed: ticket #{missing[0]} is not one you can open."
        )
        return back
    try:
        actions.bulk_update_tickets(
            actor=Actor.for_agent(request.agent), tickets=tickets, **changes
        )
    except InvalidInput as error:
        detail = "; ".join(_describe(e) for e in error.errors)
        messages.error(request, f"Nothing was changed: {detail}")
        return back
    count = len(tickets)
    messages.success(request, f"Updated {count} ticket{'s' if count != 1 else ''}.")
    return back


def _describe(error) -> str:
    # Custom-field messages already start with the field's label.
    if error.field.startswith("custom_fields."):
        return error.message
    return f"{error.message} ({error.field.replace('_', ' ')})"
