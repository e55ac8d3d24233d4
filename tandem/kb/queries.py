"""Reads of the knowledge base that check who is asking.

`articles_visible_to(agent)` is the only way to list articles: anyone who is not an agent
(anonymous visitors, signed-in customers) sees published public articles and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from tandem.core import search
from tandem.kb.models import Article, Category, DeflectionEvent, HelpSearch
from tandem.kb.search_index import ARTICLE, PUBLIC_FACETS
from tandem.people.models import Agent

PUBLIC = Q(status=Article.Status.PUBLISHED, audience=Article.Audience.PUBLIC)
# A help-center search whose best hit is below this many results counts as "no good result".
GOOD_RESULT_COUNT = 1


def public_articles() -> QuerySet[Article]:
    return Article.objects.filter(PUBLIC)


def articles_visible_to(agent: Agent | None) -> QuerySet[Article]:
    """Agents see every article (drafts and agents-only included); everyone else public ones."""
    if agent is None:
        return public_articles()
    return Article.objects.all()


def article_for(agent: Agent | None, article_id: int) -> Article:
    article = (
        articles_visible_to(agent)
        .select_related("category", "section", "author")
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        raise Http404("No such article")
    return article


def public_article(article_id: int) -> Article:
    """For help-center pages: whoever asks, agents included, sees only public articles there."""
    return article_for(None, article_id)


def categories_with_public_counts() -> QuerySet[Category]:
    return Category.objects.annotate(
        public_count=Count(
            "articles",
            filter=Q(articles__status=Article.Status.PUBLISHED)
            & Q(articles__audience=Article.Audience.PUBLIC),
        )
    ).prefetch_related("sections")


def popular_articles(limit: int = 8) -> list[Article]:
    return list(public_articles().order_by("-view_count", "-helpful_yes", "title")[:limit])


@dataclass(frozen=True)
class ArticleHit:
    article: Article
    title_snippet: str
    body_snippet: str


def _found_in(
    articles: QuerySet[Article], text: str, *, facets: dict, limit: int, any_term: bool
) -> list[tuple[search.SearchHit, Article]]:
    """The search's article hits, best first, with their rows from `articles`.

    The index is filtered by its facets; the table is asked again so a row that changed
    visibility in this very transaction can never leak.
    """
    page = search.query(text, kinds=[ARTICLE], facets=facets, limit=limit, any_term=any_term)
    by_id = articles.in_bulk([hit.key for hit in page.hits])
    return [(hit, by_id[hit.key]) for hit in page.hits if hit.key in by_id]


def search_public_articles(
    text: str, *, limit: int = 20, any_term: bool = False
) -> list[ArticleHit]:
    """The help center's search: published public articles only, best first."""
    found = _found_in(
        public_articles().select_related("category"),
        text,
        facets=PUBLIC_FACETS,
        limit=limit,
        any_term=any_term,
    )
    return [ArticleHit(article, hit.title_snippet, hit.body_snippet) for hit, article in found]


def suggested_articles(text: str, *, limit: int = 3) -> list[Article]:
    """Public articles that may answer what a customer is writing (deflection, acknowledgements).

    Any word may match, so a long description still finds the article that shares its key
    words; the ranking puts the one sharing most (title first) on top.
    """
    if not (text or "").strip():
        return []
    return [hit.article for hit in search_public_articles(text[:500], limit=limit, any_term=True)]


def ticket_question(ticket) -> str:
    """What a ticket asks, for finding articles that answer it: its subject and the
    customer's first message."""
    from tandem.tickets.models import Message

    first = (
        ticket.messages.filter(author_kind=Message.AuthorKind.CONTACT)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
        .first()
    )
    return f"{ticket.subject}\n{first or ''}"


@dataclass(frozen=True)
class TicketSuggestion:
    article: Article
    internal: bool  # agents only: to read, never to send to the customer


def articles_for_ticket(ticket, *, limit: int = 3) -> list[TicketSuggestion]:
    """Published articles, public or agents-only, that may answer this ticket."""
    text = ticket_question(ticket)[:500]
    if not text.strip():
        return []
    found = _found_in(
        Article.objects.filter(status=Article.Status.PUBLISHED),
        text,
        facets={"status": Article.Status.PUBLISHED.value},
        limit=limit,
        any_term=True,
    )
    return [TicketSuggestion(article, internal=not article.is_public) for _, article in found]


# --- reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeflectionStats:
    sessions_shown: int
    sessions_opened: int
    sessions_submitted: int
    deflected: int  # opened a suggestion and did not submit


def deflection_stats() -> DeflectionStats:
    kinds = DeflectionEvent.Kind
    sessions = {
        kind: set(DeflectionEvent.objects.filter(kind=kind).values_list("session_key", flat=True))
        for kind in (kinds.SHOWN, kinds.OPENED, kinds.SUBMITTED)
    }
    return DeflectionStats(
        sessions_shown=len(sessions[kinds.SHOWN]),
        sessions_opened=len(sessions[kinds.OPENED]),
        sessions_submitted=len(sessions[kinds.SUBMITTED]),
        deflected=len(sessions[kinds.OPENED] - sessions[kinds.SUBMITTED]),
    )


def searches_without_good_result(limit: int = 50) -> list[dict]:
    """Help-center searches that found nothing, most frequent first."""
    return list(
        HelpSearch.objects.filter(result_count__lt=GOOD_RESULT_COUNT)
        .values("normalized")
        .annotate(times=Count("id"))
        .order_by("-times", "normalized")[:limit]
    )


def ticket_categories_without_article(limit: int = 50) -> list[dict]:
    """Ticket categories no published article answers, most tickets first.

    An article answers a ticket category through its kb category (`ticket_category`, or
    the category's slug) or through one of its tags: one category per kb category would
    leave a "Troubleshooting" section unable to answer both crashes and slowness.
    """
    from tandem.tickets.models import Ticket

    published = Category.objects.filter(articles__status=Article.Status.PUBLISHED)
    covered = set(published.exclude(ticket_category="").values_list("ticket_category", flat=True))
    covered |= set(published.values_list("slug", flat=True))
    for tags in Article.objects.filter(status=Article.Status.PUBLISHED).values_list(
        "tags", flat=True
    ):
        covered.update(tags or ())
    rows = (
        Ticket.objects.exclude(category="")
        .values("category")
        .annotate(tickets=Count("pk"))
        .order_by("-tickets", "category")
    )
    return [row for row in rows if row["category"] not in covered][:limit]
