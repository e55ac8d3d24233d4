"""Articles in the desk's one search (`tandem.core.search`), kind "article".

Every article is indexed whatever its status, with facets `status` and `audience`; the help
center asks only for status=published, audience=public. The kb actions call `index_article`
inside their transaction, so the index changes with the article.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from tandem.core import search
from tandem.core.search.models import SearchDocument
from tandem.kb.markdown import markdown_to_text
from tandem.kb.models import Article

ARTICLE = "article"
PUBLIC_FACETS = {
    "status": Article.Status.PUBLISHED.value,
    "audience": Article.Audience.PUBLIC.value,
}


def article_document(article: Article) -> search.Document:
    tags = " ".join(article.tags or [])
    return search.Document(
        kind=ARTICLE,
        key=article.pk,
        title=article.title,
        body=f"{markdown_to_text(article.body)}\n{tags}".strip(),
        facets={"status": article.status, "audience": article.audience},
        updated_at=article.updated_at,
    )


def index_article(article: Article) -> None:
    search.index_documents([article_document(article)])


def remove_article(article_id: int) -> None:
    search.remove_document(kind=ARTICLE, key=article_id)


def _documents(articles: QuerySet[Article]) -> Iterator[search.Document]:
    for article in articles.order_by("pk").iterator(chunk_size=500):
        yield article_document(article)


def _stale() -> QuerySet[Article]:
    current = SearchDocument.objects.filter(
        kind=ARTICLE, key=OuterRef("pk"), updated_at__gte=OuterRef("updated_at")
    )
    return Article.objects.filter(~Exists(current))


def sources() -> list[search.Source]:
    return [
        search.Source(
            kind=ARTICLE,
            count=Article.objects.count,
            label="Article",
            url=lambda pk: reverse("kb:edit", args=[pk]),
            documents=lambda: _documents(Article.objects.all()),
            stale=lambda limit: _documents(
                Article.objects.filter(pk__in=list(_stale().values_list("pk", flat=True)[:limit]))
            ),
        )
    ]
