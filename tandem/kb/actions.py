"""Every write to the knowledge base: articles and their versions, categories and sections,
help-center votes, views, searches and deflection events.

Each action validates first (raising InvalidInput naming the field), then writes in one
transaction, re-indexes the article in the desk's search, and returns the changed object.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from tandem.core.errors import FieldError, InvalidInput, NotAllowed
from tandem.kb.markdown import render_markdown
from tandem.kb.models import (
    Article,
    ArticleVersion,
    ArticleVote,
    Category,
    DeflectionEvent,
    HelpSearch,
    Section,
)
from tandem.kb.search_index import index_article
from tandem.people.models import Agent

MAX_TITLE = 200
MAX_BODY = 200_000
MAX_TAGS = 20
MAX_COMMENT = 2000

EDITABLE_STATUSES = {Article.Status.DRAFT, Article.Status.PUBLISHED}


def require_editor(agent: Agent | None) -> None:
    """Agents and admins write articles; light agents and customers only read."""
    if agent is None or agent.role == Agent.Role.LIGHT:
        raise NotAllowed("Only agents and admins can write knowledge-base articles.")


def _slug(title: str) -> str:
    return (slugify(title) or "article")[:200]


def _clean_text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput.single(field, "is required")
    if len(value) > limit:
        raise InvalidInput.single(field, f"is longer than {limit} characters")
    return value


def _clean_tags(tags: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(slugify(tag) for tag in tags if slugify(tag)))
    if len(cleaned) > MAX_TAGS:
        raise InvalidInput.single("tags", f"at most {MAX_TAGS} tags")
    return cleaned


def _choice(value: str, choices, *, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput.single(field, f"must be one of {', '.join(choices.values)}")
    return value


def _clean_create_status(status: str) -> str:
    # An article starts as a draft or published; archiving is a later step.
    if status not in (Article.Status.DRAFT, Article.Status.PUBLISHED):
        raise InvalidInput.single("status", "must be draft or published")
    return status


def _next_version_number(article: Article) -> int:
    return (article.versions.aggregate(top=Max("number"))["top"] or 0) + 1


def _record_version(article: Article, *, author: Agent | None, note: str) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=_next_version_number(article),
        title=article.title,
        body=article.body,
        author=author,
        note=note,
    )


def _placement(
    category: Category | None, section: Section | None
) -> tuple[Category | None, Section | None]:
    if section is not None:
        if category is not None and section.category_id != category.pk:
            raise InvalidInput.single("section", "belongs to another category")
        return section.category, section
    return category, None


# --- articles ---------------------------------------------------------------------------


@transaction.atomic
def create_article(
    *,
    agent: Agent,
    title: str,
    body: str,
    status: str = Article.Status.DRAFT,
    audience: str = Article.Audience.PUBLIC,
    category: Category | None = None,
    section: Section | None = None,
    tags: Sequence[str] = (),
) -> Article:
    require_editor(agent)
    errors: list[FieldError] = []
    for check in (
        lambda: _clean_text(title, field="title", limit=MAX_TITLE),
        lambda: _clean_text(body, field="body", limit=MAX_BODY),
        lambda: _clean_create_status(status),
        lambda: _choice(audience, Article.Audience, field="audience"),
        lambda: _clean_tags(tags),
        lambda: _placement(category, section),
    ):
        try:
            check()
        except InvalidInput as error:
            errors += error.errors
    if errors:
        raise InvalidInput(errors)
    category, section = _placement(category, section)
    title = title.strip()
    article = Article.objects.create(
        title=title,
        slug=_slug(title),
        body=body.strip(),
        body_html=render_markdown(body),
        status=status,
        audience=audience,
        category=category,
        section=section,
        tags=_clean_tags(tags),
        author=agent,
        published_at=timezone.now() if status == Article.Status.PUBLISHED else None,
    )
    _record_version(article, author=agent, note="Created")
    index_article(article)
    return article


_UNSET = object()


@transaction.atomic
def update_article(
    *,
    agent: Agent,
    article: Article,
    title: str | None = None,
    body: str | None = None,
    audience: str | None = None,
    category: Category | None | object = _UNSET,
    section: Section | None | object = _UNSET,
    tags: Sequence[str] | None = None,
    related: Sequence[Article] | None = None,
) -> Article:
    """Change what is given; a changed title or body is saved as a new version."""
    require_editor(agent)
    article = Article.objects.select_for_update().get(pk=article.pk)
    fields: set[str] = set()
    if title is not None:
        article.title = _clean_text(title, field="title", limit=MAX_TITLE)
        article.slug = _slug(article.title)
        fields |= {"title", "slug"}
    if body is not None:
        article.body = _clean_text(body, field="body", limit=MAX_BODY)
        article.body_html = render_markdown(article.body)
        fields |= {"body", "body_html"}
    if audience is not None:
        article.audience = _choice(audience, Article.Audience, field="audience")
        fields.add("audience")
    if category is not _UNSET or section is not _UNSET:
        new_category = article.category if category is _UNSET else category
        new_section = article.section if section is _UNSET else section
        if category is not _UNSET and section is _UNSET and new_section is not None:
            # A new category without a new section: the old section stays only if it fits.
            fits = category is not None and new_section.category_id == category.pk
            new_section = new_section if fits else None
        article.category, article.section = _placement(new_category, new_section)
        fields |= {"category", "section"}
    if tags is not None:
        article.tags = _clean_tags(tags)
        fields.add("tags")
    if related is not None:
        article.related.set([other for other in related if other.pk != article.pk])
    fields.add("updated_at")
    article.save(update_fields=sorted(fields))
    if fields & {"title", "body"}:
        _record_version(article, author=agent, note="Edited")
    index_article(article)
    return article


def _set_status(agent: Agent, article: Article, status: str, note: str) -> Article:
    require_editor(agent)
    article = Article.objects.select_for_update().get(pk=article.pk)
    article.status = status
    fields = ["status", "updated_at"]
    if status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
        fields.append("published_at")
    article.save(update_fields=fields)
    index_article(article)
    return article


@transaction.atomic
def publish_article(*, agent: Agent, article: Article) -> Article:
    return _set_status(agent, article, Article.Status.PUBLISHED, "Published")


@transaction.atomic
def unpublish_article(*, agent: Agent, article: Article) -> Article:
    """Back to draft: off the help center, still editable."""
    return _set_status(agent, article, Article.Status.DRAFT, "Unpublished")


@transaction.atomic
def archive_article(*, agent: Agent, article: Article) -> Article:
    return _set_status(agent, article, Article.Status.ARCHIVED, "Archived")


@transaction.atomic
def restore_version(*, agent: Agent, article: Article, version: ArticleVersion) -> Article:
    """The old title and body become the newest version; history is never rewritten."""
    require_editor(agent)
    if version.article_id != article.pk:
        raise InvalidInput.single("version", "belongs to another article")
    article = Article.objects.select_for_update().get(pk=article.pk)
    article.title = version.title
    article.slug = _slug(version.title)
    article.body = version.body
    article.body_html = render_markdown(version.body)
    article.save(update_fields=["title", "slug", "body", "body_html", "updated_at"])
    _record_version(article, author=agent, note=f"Restored version {version.number}")
    index_article(article)
    return article


@transaction.atomic
def delete_article(*, agent: Agent, article: Article) -> None:
    from tandem.kb.search_index import remove_article

    require_editor(agent)
    article_id = article.pk
    files = [(item.file.storage, item.file.name) for item in article.attachments.all()]
    article.delete()
    remove_article(article_id)
    # The stored files go once the rows are gone for good (not if this rolls back).
    for storage, name in files:
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


def create_article_from_ticket(*, agent: Agent, ticket) -> Article:
    """A draft whose body is the ticket's latest public agent reply (or its first message)."""
    from tandem.tickets.models import Message

    messages = ticket.messages.filter(visibility=Message.Visibility.PUBLIC).order_by("-created_at")
    reply = messages.filter(author_kind=Message.AuthorKind.AGENT).first() or messages.last()
    if reply is None or not reply.body.strip():
        raise InvalidInput.single("ticket", "has no public reply to start an article from")
    return create_article(
        agent=agent,
        title=ticket.subject or f"From ticket #{ticket.number}",
        body=reply.body,
        status=Article.Status.DRAFT,
        audience=Article.Audience.PUBLIC,
    )


# --- categories and sections ------------------------------------------------------------


@transaction.atomic
def create_category(
    *, agent: Agent, name: str, description: str = "", ticket_category: str = ""
) -> Category:
    require_editor(agent)
    name = _clean_text(name, field="name", limit=120)
    if Category.objects.filter(name__iexact=name).exists():
        raise InvalidInput.single("name", "a category with this name exists")
    return Category.objects.create(
        name=name,
        slug=slugify(name) or "category",
        description=(description or "").strip(),
        ticket_category=(ticket_category or "").strip()[:64],
        position=Category.objects.count(),
    )


@transaction.atomic
def create_section(
    *, agent: Agent, category: Category, name: str, description: str = ""
) -> Section:
    require_editor(agent)
    name = _clean_text(name, field="name", limit=120)
    if category.sections.filter(name__iexact=name).exists():
        raise InvalidInput.single("name", "this category has a section with this name")
    return Section.objects.create(
        category=category,
        name=name,
        slug=slugify(name) or "section",
        description=(description or "").strip(),
        position=category.sections.count(),
    )


# --- what readers do ----------------------------------------------------------------------


def record_view(*, article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def vote_on_article(
    *, article: Article, helpful: bool, comment: str = "", session_key: str = ""
) -> ArticleVote:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput.single("comment", f"is longer than {MAX_COMMENT} characters")
    vote = ArticleVote.objects.create(
        article=article,
        value=ArticleVote.Value.YES if helpful else ArticleVote.Value.NO,
        comment=comment,
        session_key=session_key[:64],
    )
    counter = "helpful_yes" if helpful else "helpful_no"
    Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return vote


def normalized_query(text: str) -> str:
    return " ".join((text or "").lower().split())[:200]


def log_help_search(*, text: str, result_count: int, source: str = "help") -> HelpSearch | None:
    normalized = normalized_query(text)
    if not normalized:
        return None
    return HelpSearch.objects.create(
        query=text.strip()[:200], normalized=normalized, result_count=result_count, source=source
    )


def record_deflection(
    *, session_key: str, kind: str, article: Article | None = None
) -> DeflectionEvent:
    _choice(kind, DeflectionEvent.Kind, field="kind")
    return DeflectionEvent.objects.create(session_key=session_key[:64], kind=kind, article=article)


def add_reply_links(*, article_ids: Sequence[int]) -> int:
    """Count one more reply linking to each article (by the reply-link subscriber)."""
    return Article.objects.filter(pk__in=list(article_ids)).update(
        linked_in_replies=F("linked_in_replies") + 1
    )
