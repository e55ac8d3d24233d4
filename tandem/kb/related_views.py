"""The article editor's related articles: find others by title (htmx), add, remove.

Any article may be related in the editor; the help center shows only the published public
ones among them (help_views.article).
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tandem.core.permissions import agent_required
from tandem.kb import actions
from tandem.kb.queries import article_for, articles_visible_to

CANDIDATES = 10


def _candidates(agent, article, text: str):
    if len(text) < 2:
        return []
    taken = list(article.related.values_list("pk", flat=True)) + [article.pk]
    return list(
        articles_visible_to(agent)
        .filter(title__icontains=text)
        .exclude(pk__in=taken)
        .order_by("title")[:CANDIDATES]
    )


@require_GET
@agent_required
def search(request, article_id: int):
    """Articles whose title contains `q`, each with an Add button (the editor's htmx picker)."""
    article = article_for(request.agent, article_id)
    text = request.GET.get("q", "").strip()[:200]
    return render(
        request,
        "kb/editor/_related_results.html",
        {"article": article, "q": text, "candidates": _candidates(request.agent, article, text)},
    )


@require_POST
@agent_required
def change(request, article_id: int):
    """`add=<id>` or `remove=<id>`: one related article more or less."""
    from tandem.kb.editor_views import editor_only

    editor_only(request.agent)
    article = article_for(request.agent, article_id)
    related = list(article.related.all())
    add, drop = request.POST.get("add", ""), request.POST.get("remove", "")
    if add.isdecimal():
        other = articles_visible_to(request.agent).filter(pk=int(add)).first()
        if other is None or other.pk == article.pk:
            messages.error(request, "That article cannot be related to this one.")
            return redirect("kb:edit", article_id=article.pk)
        related.append(other)
        note = f"Related to {other.title}."
    elif drop.isdecimal():
        related = [other for other in related if other.pk != int(drop)]
        note = "Related article removed."
    else:
        messages.error(request, "Choose an article to add or remove.")
        return redirect("kb:edit", article_id=article.pk)
    actions.update_article(agent=request.agent, article=article, related=related)
    messages.success(request, note)
    return redirect("kb:edit", article_id=article.pk)
