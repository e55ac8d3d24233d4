"""The workspace search page: one box over tickets, customers, organizations and articles."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from tandem.core.permissions import agent_required
from tandem.core.search.forms import PAGE_SIZE, SearchForm
from tandem.core.search.workspace import search_for_agent

INVALID = 422  # a form with errors (base.html tells htmx to swap these in)


@agent_required
@require_safe
def search_page(request):
    form = SearchForm(request.GET or None)
    results, has_next, page = [], False, 1
    searched = False
    status = 200
    if form.is_bound:
        if form.is_valid():
            page = form.cleaned_data.get("page") or 1
            searched = bool(form.cleaned_data["q"])
            if searched:
                results, has_next = search_for_agent(request.agent, form.request())
        else:
            status = INVALID
    context = {
        "form": form,
        "results": results,
        "searched": searched,
        "first_number": (page - 1) * PAGE_SIZE + 1,
        "next_query": _page_query(request, page + 1) if has_next else "",
        "previous_query": _page_query(request, page - 1) if page > 1 else "",
    }
    return render(request, "core/search/results.html", context, status=status)


def _page_query(request, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return query.urlencode()
