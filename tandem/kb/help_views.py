"""The public help center: categories, sections, articles, search, votes, sitemap, and the
article suggestions shown while a customer writes a request (deflection).

Every page reads through `public_article` / `public_articles`: whoever asks, agents
included, sees only published public articles here; anything else is a 404. The one
exception is an article's files, which agents also fetch for drafts (the editor's preview).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tandem.core.errors import InvalidInput
from tandem.core.permissions import current_agent
from tandem.kb import actions
from tandem.kb.attachment_actions import is_image
from tandem.kb.models import ArticleAttachment, Category, DeflectionEvent, Section
from tandem.kb.queries import (
    article_for,
    categories_with_public_counts,
    popular_articles,
    public_article,
    public_articles,
    search_public_articles,
    suggested_articles,
)
from tandem.portal.auth import current_contact
from tandem.portal.desk import desk_name
from tandem.tickets.downloads import attachment_response

SUGGESTIONS = 3
FROM_SUGGESTION = "suggestion"


def _page(request, template: str, context: dict | None = None, *, status: int = 200):
    base = {"desk_name": desk_name(), "portal_contact": current_contact(request)}
    return render(request, f"kb/help/{template}", {**base, **(context or {})}, status=status)


def session_key(request) -> str:
    """The visitor's session, created on first need, for votes and deflection counting."""
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


@require_GET
def home(request):
    categories = [c for c in categories_with_public_counts() if c.public_count]
    return _page(request, "home.html", {"categories": categories, "popular": popular_articles()})


@require_GET
def category(request, category_id: int, slug: str):
    found = get_object_or_404(Category, pk=category_id)
    if slug != found.slug:
        return redirect("kb:category", category_id=found.pk, slug=found.slug, permanent=True)
    articles = public_articles().filter(category=found).order_by("title")
    sections = [(s, [a for a in articles if a.section_id == s.pk]) for s in found.sections.all()]
    sections = [(s, items) for s, items in sections if items]
    loose = [a for a in articles if a.section_id is None]
    if not sections and not loose:
        raise Http404("No public articles in this category")
    return _page(
        request, "category.html", {"category": found, "sections": sections, "loose": loose}
    )


@require_GET
def section(request, section_id: int, slug: str):
    found = get_object_or_404(Section.objects.select_related("category"), pk=section_id)
    if slug != found.slug:
        return redirect("kb:section", section_id=found.pk, slug=found.slug, permanent=True)
    articles = list(public_articles().filter(section=found).order_by("title"))
    if not articles:
        raise Http404("No public articles in this section")
    return _page(request, "section.html", {"section": found, "articles": articles})


@require_GET
def article(request, article_id: int, slug: str = ""):
    found = public_article(article_id)
    if slug != found.slug:
        url = found.get_absolute_url()
        if request.GET:
            url += "?" + request.GET.urlencode()
        return redirect(url, permanent=True)
    actions.record_view(article=found)
    if request.GET.get("from") == FROM_SUGGESTION:
        actions.record_deflection(
            session_key=session_key(request), kind=DeflectionEvent.Kind.OPENED, article=found
        )
    related = public_articles().filter(pk__in=found.related.values("pk")).order_by("title")
    return _page(
        request,
        "article.html",
        {
            "article": found,
            "related": related,
            "attachments": found.attachments.all(),
            "voted": request.session.get(f"kb-voted-{found.pk}"),
        },
    )


@require_POST
def vote(request, article_id: int):
    found = public_article(article_id)
    helpful = request.POST.get("helpful")
    if helpful not in ("yes", "no"):
        messages.error(request, "Choose yes or no.")
        return redirect(found.get_absolute_url())
    try:
        actions.vote_on_article(
            article=found,
            helpful=helpful == "yes",
            comment=request.POST.get("comment", ""),
            session_key=session_key(request),
        )
    except InvalidInput as error:
        messages.error(request, str(error))
        return redirect(found.get_absolute_url())
    request.session[f"kb-voted-{found.pk}"] = helpful
    messages.success(request, "Thanks for your feedback.")
    return redirect(found.get_absolute_url() + "#feedback")


@require_GET
def search(request):
    text = request.GET.get("q", "").strip()[:200]
    hits = search_public_articles(text, limit=20) if text else []
    if text:
        actions.log_help_search(text=text, result_count=len(hits))
    return _page(request, "search.html", {"q": text, "hits": hits})


@require_GET
def suggest(request):
    """Articles matching what is typed in the request form (htmx, debounced by the form)."""
    text = " ".join(
        request.GET.get(name, "")[:500] for name in ("subject", "description", "q")
    ).strip()
    articles = suggested_articles(text, limit=SUGGESTIONS) if len(text) >= 3 else []
    if articles:
        key = session_key(request)
        for found in articles:
            actions.record_deflection(
                session_key=key, kind=DeflectionEvent.Kind.SHOWN, article=found
            )
    return render(
        request,
        "kb/help/_suggestions.html",
        {"articles": articles, "from_suggestion": FROM_SUGGESTION},
    )


@require_GET
def sitemap(request):
    articles = public_articles().order_by("pk").only("pk", "slug", "title", "updated_at")
    return render(
        request,
        "kb/help/sitemap.xml",
        {"articles": articles, "home": request.build_absolute_uri(reverse("kb:help"))},
        content_type="application/xml",
    )


@require_GET
def attachment(request, article_id: int, attachment_id: int):
    """A file of an article: public with a published public article, else for agents only.

    Anyone else gets the same 404 as for a file that does not exist. Safe image types are
    shown inline (for <img> in the article); everything else is a download.
    """
    found = article_for(current_agent(request), article_id)
    item = get_object_or_404(ArticleAttachment, pk=attachment_id, article=found)
    response = attachment_response(item)
    if is_image(item.content_type):
        response["Content-Disposition"] = response["Content-Disposition"].replace(
            "attachment", "inline", 1
        )
    return response


def record_submitted(request) -> None:
    """Called by the portal when a request is submitted: this session was not deflected."""
    if request.session.session_key:
        actions.record_deflection(
            session_key=request.session.session_key, kind=DeflectionEvent.Kind.SUBMITTED
        )
