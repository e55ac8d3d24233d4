"""The agents' article editor in the workspace: list, edit with live preview, publish,
archive, version history with diffs and restore, articles from tickets, the gap report."""

from __future__ import annotations

import difflib

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.core.errors import InvalidInput, NotAllowed
from tandem.core.permissions import agent_required
from tandem.kb import actions
from tandem.kb.markdown import render_markdown
from tandem.kb.models import Article, Category, Section
from tandem.kb.queries import (
    article_for,
    articles_for_ticket,
    articles_visible_to,
    deflection_stats,
    searches_without_good_result,
    ticket_categories_without_article,
)
from tandem.people.models import Agent

PAGE = 50


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=actions.MAX_TITLE)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 18}), help_text="Markdown.")
    audience = forms.ChoiceField(choices=Article.Audience.choices)
    section = forms.ModelChoiceField(
        queryset=Section.objects.select_related("category"), required=False
    )
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)
    tags = forms.CharField(required=False, help_text="Separated by commas.")

    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]

    def add_action_errors(self, error: InvalidInput) -> None:
        for item in error.errors:
            self.add_error(item.field if item.field in self.fields else None, item.message)


def _may_edit(agent: Agent) -> bool:
    return agent.role != Agent.Role.LIGHT


def editor_only(agent: Agent) -> None:
    if not _may_edit(agent):
        raise PermissionDenied("Light agents can read articles, not write them.")


@agent_required
def article_list(request):
    status = request.GET.get("status", "")
    audience = request.GET.get("audience", "")
    text = request.GET.get("q", "").strip()
    articles = articles_visible_to(request.agent).select_related("category", "author")
    if status in Article.Status.values:
        articles = articles.filter(status=status)
    if audience in Article.Audience.values:
        articles = articles.filter(audience=audience)
    if text:
        articles = articles.filter(Q(title__icontains=text) | Q(tags__icontains=text))
    return render(
        request,
        "kb/editor/list.html",
        {
            "articles": articles.order_by("-updated_at")[:PAGE],
            "status": status,
            "audience": audience,
            "q": text,
            "statuses": Article.Status.choices,
            "audiences": Article.Audience.choices,
            "may_edit": _may_edit(request.agent),
        },
    )


@require_http_methods(["GET", "POST"])
@agent_required
def new_article(request):
    editor_only(request.agent)
    form = ArticleForm(request.POST or None, initial={"audience": Article.Audience.PUBLIC})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        publish = request.POST.get("intent") == "publish"
        try:
            article = actions.create_article(
                agent=request.agent,
                title=data["title"],
                body=data["body"],
                status=Article.Status.PUBLISHED if publish else Article.Status.DRAFT,
                audience=data["audience"],
                category=data["category"],
                section=data["section"],
                tags=form.tag_list(),
            )
        except InvalidInput as error:
            form.add_action_errors(error)
        else:
            messages.success(request, "Article published." if publish else "Draft saved.")
            return redirect("kb:edit", article_id=article.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "kb/editor/edit.html", {"form": form, "article": None}, status=status)


@require_http_methods(["GET", "POST"])
@agent_required
def edit_article(request, article_id: int):
    article = article_for(request.agent, article_id)
    form = ArticleForm(request.POST or None, initial=_initial(article))
    if request.method == "POST":
        editor_only(request.agent)
        if form.is_valid():
            data = form.cleaned_data
            try:
                article = actions.update_article(
                    agent=request.agent,
                    article=article,
                    title=data["title"],
                    body=data["body"],
                    audience=data["audience"],
                    category=data["category"],
                    section=data["section"],
                    tags=form.tag_list(),
                )
                if request.POST.get("intent") == "publish":
                    article = actions.publish_article(agent=request.agent, article=article)
            except InvalidInput as error:
                form.add_action_errors(error)
            else:
                messages.success(request, "Saved.")
                return redirect("kb:edit", article_id=article.pk)
    return render_editor(
        request, article, form=form, status=400 if request.method == "POST" else 200
    )


def render_editor(request, article: Article, *, form=None, upload_form=None, status: int = 200):
    """The edit page of an article, with its files and related articles."""
    from tandem.kb.file_views import UploadForm, file_rows

    if form is None:
        form = ArticleForm(initial=_initial(article))
    return render(
        request,
        "kb/editor/edit.html",
        {
            "form": form,
            "article": article,
            "may_edit": _may_edit(request.agent),
            "votes": article.votes.exclude(comment="")[:10],
            "files": file_rows(article),
            "upload_form": upload_form or UploadForm(),
            "related": article.related.order_by("title"),
        },
        status=status,
    )


def _initial(article: Article) -> dict:
    return {
        "title": article.title,
        "body": article.body,
        "audience": article.audience,
        "section": article.section,
        "category": article.category,
        "tags": ", ".join(article.tags or []),
    }


@require_POST
@agent_required
def preview(request):
    """The live preview (htmx): the body as the help center will show it."""
    return render(
        request, "kb/editor/_preview.html", {"html": render_markdown(request.POST.get("body", ""))}
    )


@require_POST
@agent_required
def change_status(request, article_id: int):
    article = article_for(request.agent, article_id)
    change = {
        "publish": actions.publish_article,
        "unpublish": actions.unpublish_article,
        "archive": actions.archive_article,
    }.get(request.POST.get("to", ""))
    if change is None:
        messages.error(request, "Unknown status change.")
        return redirect("kb:edit", article_id=article.pk)
    try:
        article = change(agent=request.agent, article=article)
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    messages.success(request, f"Article is now {article.get_status_display().lower()}.")
    return redirect("kb:edit", article_id=article.pk)


def _diff(older, newer) -> list[tuple[str, str]]:
    """Unified diff lines of title and body, each with its kind (add, del, hunk, same)."""
    lines = difflib.unified_diff(
        [f"# {older.title}", *older.body.splitlines()],
        [f"# {newer.title}", *newer.body.splitlines()],
        fromfile=f"version {older.number}",
        tofile=f"version {newer.number}",
        lineterm="",
    )
    kinds = {"+": "add", "-": "del", "@": "hunk"}
    return [(kinds.get(line[:1], "same"), line) for line in lines]


@agent_required
def history(request, article_id: int):
    article = article_for(request.agent, article_id)
    versions = list(article.versions.select_related("author"))
    by_number = {v.number: v for v in versions}
    newer = by_number.get(_int(request.GET.get("to"))) or (versions[0] if versions else None)
    older = by_number.get(_int(request.GET.get("from")))
    if older is None and newer is not None:
        older = by_number.get(newer.number - 1)
    diff = _diff(older, newer) if older and newer else []
    return render(
        request,
        "kb/editor/history.html",
        {
            "article": article,
            "versions": versions,
            "older": older,
            "newer": newer,
            "diff": diff,
            "may_edit": _may_edit(request.agent),
        },
    )


def _int(value) -> int | None:
    return int(value) if value and str(value).isdecimal() else None


@require_POST
@agent_required
def restore(request, article_id: int, number: int):
    editor_only(request.agent)
    article = article_for(request.agent, article_id)
    version = get_object_or_404(article.versions, number=number)
    article = actions.restore_version(agent=request.agent, article=article, version=version)
    messages.success(request, f"Version {number} restored as a new version.")
    return redirect("kb:history", article_id=article.pk)


@require_POST
@agent_required
def from_ticket(request, number: int):
    from tandem.tickets.queries import ticket_for

    editor_only(request.agent)
    ticket = ticket_for(request.agent, number)
    try:
        article = actions.create_article_from_ticket(agent=request.agent, ticket=ticket)
    except InvalidInput as error:
        messages.error(request, str(error))
        return redirect("tickets:detail", number)
    messages.success(request, f"Draft created from ticket #{number}; edit it before publishing.")
    return redirect("kb:edit", article_id=article.pk)


@require_GET
@agent_required
def ticket_suggestions(request, number: int):
    """The ticket page's knowledge panel (htmx, after the page): articles to read or link."""
    from tandem.tickets.queries import ticket_for

    ticket = ticket_for(request.agent, number)
    return render(
        request,
        "kb/editor/_ticket_suggestions.html",
        {"suggestions": articles_for_ticket(ticket), "ticket": ticket},
    )


@agent_required
def gap_report(request):
    return render(
        request,
        "kb/editor/gaps.html",
        {
            "searches": searches_without_good_result(),
            "categories": ticket_categories_without_article(),
            "deflection": deflection_stats(),
        },
    )
