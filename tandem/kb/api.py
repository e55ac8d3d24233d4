"""The knowledge-base router: articles (CRUD, publish, archive) and categories with sections.

Like every router, it needs an agent's API token. Agents and admins write; light agents
read. Customers have no API tokens, so drafts and agents-only articles never leave through
here to anyone but the desk's own staff.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Field, File, Query, Router, Status, UploadedFile

from tandem.api.auth import agent_of
from tandem.api.errors import responses
from tandem.api.schemas import InputSchema, OutputSchema, PageParams, page
from tandem.core.errors import InvalidInput
from tandem.kb import actions, attachment_actions
from tandem.kb.models import Article, ArticleAttachment, Category, Section
from tandem.kb.queries import article_for, articles_visible_to
from tandem.tickets.actions import IncomingFile
from tandem.tickets.api_schemas import AttachmentIn, decode_attachments

router = Router(tags=["knowledge base"])


# --- schemas --------------------------------------------------------------------------


class ArticleCreateIn(InputSchema):
    title: str = Field(..., max_length=200)
    body: str = Field(..., description="Markdown.")
    status: Literal["draft", "published"] = "draft"
    audience: Literal["public", "agents"] = "public"
    category: int | str | None = Field(
        None, description="A category id, or its exact name (case-insensitive)."
    )
    section: int | None = Field(None, description="A section id (sets its category too).")
    tags: list[str] = []


class ArticlePatchIn(InputSchema):
    title: str | None = Field(None, max_length=200)
    body: str | None = None
    audience: Literal["public", "agents"] | None = None
    category: int | str | None = None
    section: int | None = None
    tags: list[str] | None = None
    related: list[int] | None = None


class ArticleOut(OutputSchema):
    id: int
    title: str
    slug: str
    body: str
    html: str
    status: str
    audience: str
    category: int | None
    section: int | None
    tags: list[str]
    related: list[int]
    url: str = Field(..., description="The article's help center page.")
    published_at: datetime | None
    updated_at: datetime
    views: int
    helpful_yes: int
    helpful_no: int
    linked_in_replies: int


class ArticleFilesIn(InputSchema):
    attachments: list[AttachmentIn] = Field(..., min_length=1)


class ArticleFileOut(OutputSchema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str = Field(..., description="Where it is served (public when the article is).")
    markdown: str = Field(..., description="The snippet that shows it in the article body.")
    created_at: datetime


class ArticlePage(OutputSchema):
    items: list[ArticleOut]
    next: str | None


class ArticleListParams(PageParams):
    status: Literal["draft", "published", "archived"] | None = None
    audience: Literal["public", "agents"] | None = None
    category: int | None = None


class SectionOut(OutputSchema):
    id: int
    name: str
    slug: str
    description: str


class CategoryOut(OutputSchema):
    id: int
    name: str
    slug: str
    description: str
    ticket_category: str
    sections: list[SectionOut]


class CategoryIn(InputSchema):
    name: str = Field(..., max_length=120)
    description: str = ""
    ticket_category: str = Field("", max_length=64, description="The ticket category it answers.")


class SectionIn(InputSchema):
    name: str = Field(..., max_length=120)
    description: str = ""


def article_out(request: HttpRequest, article: Article) -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "slug": article.slug,
        "body": article.body,
        "html": article.body_html,
        "status": article.status,
        "audience": article.audience,
        "category": article.category_id,
        "section": article.section_id,
        "tags": list(article.tags or []),
        "related": [other.pk for other in article.related.all()],
        "url": article.get_absolute_url(),
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "views": article.view_count,
        "helpful_yes": article.helpful_yes,
        "helpful_no": article.helpful_no,
        "linked_in_replies": article.linked_in_replies,
    }


def _section_out(section: Section) -> dict:
    return {
        "id": section.pk,
        "name": section.name,
        "slug": section.slug,
        "description": section.description,
    }


def category_out(category: Category) -> dict:
    return {
        "id": category.pk,
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "ticket_category": category.ticket_category,
        "sections": [_section_out(s) for s in category.sections.all()],
    }


# --- resolving references ---------------------------------------------------------------


def _category(value: int | str | None) -> Category | None:
    """An id, or a name that names exactly one category."""
    if value is None or value == "":
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdecimal()):
        found = Category.objects.filter(pk=int(value)).first()
        if found is None:
            raise InvalidInput.single("category", "no such category")
        return found
    matches = list(Category.objects.filter(name__iexact=value.strip())[:2])
    if len(matches) != 1:
        raise InvalidInput.single("category", "no category has this name")
    return matches[0]


def _section(value: int | None) -> Section | None:
    if value is None:
        return None
    found = Section.objects.select_related("category").filter(pk=value).first()
    if found is None:
        raise InvalidInput.single("section", "no such section")
    return found


def _reloaded(request: HttpRequest, article: Article) -> dict:
    return article_out(request, article_for(agent_of(request), article.pk))


# --- articles ---------------------------------------------------------------------------


@router.get("/articles", response={200: ArticlePage, **responses(401, 422)})
def list_articles(request: HttpRequest, params: Query[ArticleListParams]):
    """Articles, newest change first; agents see drafts and agents-only ones too."""
    articles = articles_visible_to(agent_of(request)).prefetch_related("related")
    filters = Q()
    if params.status:
        filters &= Q(status=params.status)
    if params.audience:
        filters &= Q(audience=params.audience)
    if params.category:
        filters &= Q(category_id=params.category)
    articles = articles.filter(filters).order_by("-updated_at", "-pk")
    offset = int(params.cursor) if params.cursor.isdecimal() else 0
    if params.cursor and not params.cursor.isdecimal():
        raise InvalidInput.single("cursor", "is not valid; follow a `next` link")
    rows = list(articles[offset : offset + params.limit + 1])
    next_cursor = str(offset + params.limit) if len(rows) > params.limit else None
    return page(request, [article_out(request, a) for a in rows[: params.limit]], next_cursor)


@router.post("/articles", response={201: ArticleOut, **responses(400, 401, 403, 422)})
def create_article(request: HttpRequest, payload: ArticleCreateIn):
    """Write an article; `url` is its help center page (`/help/articles/<id>-<slug>/`)."""
    article = actions.create_article(
        agent=agent_of(request),
        title=payload.title,
        body=payload.body,
        status=payload.status,
        audience=payload.audience,
        category=_category(payload.category),
        section=_section(payload.section),
        tags=payload.tags,
    )
    return Status(201, _reloaded(request, article))


@router.get("/articles/{article_id}", response={200: ArticleOut, **responses(401, 404)})
def get_article(request: HttpRequest, article_id: int):
    return article_out(request, article_for(agent_of(request), article_id))


@router.patch("/articles/{article_id}", response={200: ArticleOut, **responses(401, 403, 404, 422)})
def update_article(request: HttpRequest, article_id: int, payload: ArticlePatchIn):
    """Change what is sent; a new title or body is saved as a new version."""
    agent = agent_of(request)
    article = article_for(agent, article_id)
    sent = payload.model_fields_set
    changes: dict = {key: getattr(payload, key) for key in ("title", "body", "audience", "tags")}
    changes = {key: value for key, value in changes.items() if key in sent and value is not None}
    if "category" in sent:
        changes["category"] = _category(payload.category)
    if "section" in sent:
        changes["section"] = _section(payload.section)
    if "related" in sent and payload.related is not None:
        related = list(articles_visible_to(agent).filter(pk__in=payload.related))
        if len(related) != len(set(payload.related)):
            raise InvalidInput.single("related", "names an article that does not exist")
        changes["related"] = related
    article = actions.update_article(agent=agent, article=article, **changes)
    return _reloaded(request, article)


@router.post(
    "/articles/{article_id}/publish", response={200: ArticleOut, **responses(401, 403, 404)}
)
def publish_article(request: HttpRequest, article_id: int):
    agent = agent_of(request)
    article = actions.publish_article(agent=agent, article=article_for(agent, article_id))
    return _reloaded(request, article)


@router.post(
    "/articles/{article_id}/archive", response={200: ArticleOut, **responses(401, 403, 404)}
)
def archive_article(request: HttpRequest, article_id: int):
    agent = agent_of(request)
    article = actions.archive_article(agent=agent, article=article_for(agent, article_id))
    return _reloaded(request, article)


@router.delete("/articles/{article_id}", response={204: None, **responses(401, 403, 404)})
def delete_article(request: HttpRequest, article_id: int):
    agent = agent_of(request)
    actions.delete_article(agent=agent, article=article_for(agent, article_id))
    return Status(204, None)


# --- categories and sections --------------------------------------------------------------


@router.get("/categories", response={200: list[CategoryOut], **responses(401)})
def list_categories(request: HttpRequest):
    return [category_out(c) for c in Category.objects.prefetch_related("sections")]


@router.post("/categories", response={201: CategoryOut, **responses(400, 401, 403, 422)})
def create_category(request: HttpRequest, payload: CategoryIn):
    category = actions.create_category(
        agent=agent_of(request),
        name=payload.name,
        description=payload.description,
        ticket_category=payload.ticket_category,
    )
    return Status(201, category_out(category))


@router.post(
    "/categories/{category_id}/sections",
    response={201: SectionOut, **responses(400, 401, 403, 404, 422)},
)
def create_section(request: HttpRequest, category_id: int, payload: SectionIn):
    category = Category.objects.get(pk=category_id)
    section = actions.create_section(
        agent=agent_of(request),
        category=category,
        name=payload.name,
        description=payload.description,
    )
    return Status(201, _section_out(section))


# --- files ----------------------------------------------------------------------------------


def file_out(item: ArticleAttachment) -> dict:
    return {
        "id": item.pk,
        "filename": item.filename,
        "content_type": item.content_type,
        "size": item.size,
        "url": attachment_actions.attachment_url(item),
        "markdown": attachment_actions.file_markdown(item),
        "created_at": item.created_at,
    }


def _add_files(request: HttpRequest, article_id: int, files: list[IncomingFile]):
    agent = agent_of(request)
    stored = attachment_actions.add_article_files(
        agent=agent, article=article_for(agent, article_id), files=files
    )
    return Status(201, [file_out(item) for item in stored])


@router.get(
    "/articles/{article_id}/attachments",
    response={200: list[ArticleFileOut], **responses(401, 404)},
)
def list_article_files(request: HttpRequest, article_id: int):
    article = article_for(agent_of(request), article_id)
    return [file_out(item) for item in article.attachments.all()]


@router.post(
    "/articles/{article_id}/attachments",
    response={201: list[ArticleFileOut], **responses(400, 401, 403, 404, 422)},
)
def add_article_files(request: HttpRequest, article_id: int, payload: ArticleFilesIn):
    """Add files (base64, as for ticket messages); each change is a version of the article."""
    return _add_files(request, article_id, decode_attachments(payload.attachments))


@router.post(
    "/articles/{article_id}/attachments/upload",
    response={201: list[ArticleFileOut], **responses(400, 401, 403, 404, 413, 422)},
)
def upload_article_files(
    request: HttpRequest, article_id: int, attachments: File[list[UploadedFile]] = None
):
    """The same as POST /attachments, as multipart/form-data with files under `attachments`."""
    files = [IncomingFile.from_upload(upload) for upload in attachments or []]
    return _add_files(request, article_id, files)


@router.delete(
    "/articles/{article_id}/attachments/{attachment_id}",
    response={204: None, **responses(401, 403, 404)},
)
def delete_article_file(request: HttpRequest, article_id: int, attachment_id: int):
    agent = agent_of(request)
    article = article_for(agent, article_id)
    item = article.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404("No such file")
    attachment_actions.remove_article_file(agent=agent, attachment=item)
    return Status(204, None)
