"""Managing macros in the workspace settings (/settings/macros/): list, create, edit, delete.

Open to every full agent: the list shows the macros they may use, with usage counts,
and the editor lets them change those they may manage (rules in macro_queries.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render

from tandem.core.errors import InvalidInput, NotAllowed
from tandem.core.permissions import full_agent_required
from tandem.kb import macro_actions
from tandem.kb.macro_forms import MacroForm
from tandem.kb.macro_queries import macro_for, may_manage_macro, search_macros
from tandem.people.forms import add_action_errors

INVALID = 422  # a form with errors: base.html tells htmx to swap these in


@full_agent_required
def macro_list(request):
    query = request.GET.get("q", "")
    macros = list(search_macros(request.agent, query))
    rows = [(m, may_manage_macro(request.agent, m)) for m in macros]
    return render(
        request,
        "kb/macros/list.html",
        {"section": "macros", "rows": rows, "query": query},
    )


def _save(request, *, macro=None):
    form = MacroForm(request.POST or None, agent=request.agent, macro=macro)
    if request.method == "POST" and form.is_valid():
        try:
            if macro is None:
                saved = macro_actions.create_macro(agent=request.agent, **form.changes())
            else:
                saved = macro_actions.update_macro(
                    agent=request.agent, macro=macro, **form.changes()
                )
        except InvalidInput as error:
            add_action_errors(form, error)
        except NotAllowed as error:
            form.add_error("scope", str(error))
        else:
            messages.success(request, f"Macro “{saved.title}” saved.")
            return redirect("settings:macros")
    return render(
        request,
        "kb/macros/form.html",
        {"section": "macros", "form": form, "macro": macro},
        status=INVALID if form.is_bound else 200,
    )


@full_agent_required
def macro_create(request):
    return _save(request)


@full_agent_required
def macro_edit(request, pk: int):
    macro = macro_for(request.agent, pk)
    if not may_manage_macro(request.agent, macro):
        raise PermissionDenied(macro_actions.NOT_ALLOWED)
    return _save(request, macro=macro)


@full_agent_required
def macro_delete(request, pk: int):
    macro = macro_for(request.agent, pk)
    # Permission before method, as on the admin pages: a GET by someone who may not
    # delete it is a 403, not a hint that POST would work.
    if not may_manage_macro(request.agent, macro):
        raise PermissionDenied(macro_actions.NOT_ALLOWED)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        macro_actions.delete_macro(agent=request.agent, macro=macro)
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    messages.success(request, f"Macro “{macro.title}” deleted.")
    return redirect("settings:macros")
