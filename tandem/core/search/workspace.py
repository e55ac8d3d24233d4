"""Search as an agent sees it: every kind at once, tickets limited to what the agent may open.

The workspace page and `GET /api/v1/search` both answer through `search_for_agent`, so
the same person gets the same results, and the same visibility, either way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.core import search
from tandem.people.models import Agent
from tandem.tickets.queries import team_ids_of

TICKET = "ticket"


@dataclass(frozen=True)
class AgentSearch:
    """What an agent asked for; empty values mean "any"."""

    text: str
    kinds: tuple[str, ...] = ()
    status: str = ""
    track: str = ""
    team: int | None = None
    since: dt.date | None = None  # updated on or after this day (UTC)
    until: dt.date | None = None  # updated on or before this day (UTC)
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class Result:
    kind: str
    key: int
    label: str  # "Ticket", "Contact", ...
    url: str
    title_html: str
    body_html: str
    score: float
    updated_at: dt.datetime | None
    facets: dict


def searchable_kinds() -> dict[str, str]:
    """kind -> label of every kind an app has registered, in registration order."""
    return {source.kind: source.label or source.kind.title() for source in search.sources()}


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def search_for_agent(agent: Agent, request: AgentSearch) -> tuple[list[Result], bool]:
    """The page of results this agent may see, and whether another page follows."""
    kinds = list(request.kinds) or list(searchable_kinds())
    kind_facets = {}
    if not agent.user.is_active:
        kinds = []
    elif TICKET in kinds and not agent.sees_all_tickets:
        kind_facets[TICKET] = {"team": team_ids_of(agent)}
    facets: dict = {}
    if request.status:
        facets["status"] = request.status
    if request.track:
        facets["track"] = request.track
    if request.team is not None:
        facets["team"] = request.team
    page = search.query(
        request.text,
        kinds=kinds,
        facets=facets,
        kind_facets=kind_facets,
        updated_from=_day_start(request.since) if request.since else None,
        updated_to=_day_start(request.until + dt.timedelta(days=1)) if request.until else None,
        limit=request.limit,
        offset=request.offset,
    )
    sources = {source.kind: source for source in search.sources()}
    results = []
    for hit in page.hits:
        source = sources.get(hit.kind)
        results.append(
            Result(
                kind=hit.kind,
                key=hit.key,
                label=(source.label if source and source.label else hit.kind.title()),
                url=source.url(hit.key) if source and source.url else "",
                title_html=hit.title_snippet,
                body_html=hit.body_snippet,
                score=hit.score,
                updated_at=hit.updated_at,
                facets=hit.facets,
            )
        )
    return results, page.has_next
