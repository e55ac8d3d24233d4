"""`GET /api/v1/search`: the workspace search for API clients, with the same visibility.

A token's agent finds exactly what the agent finds in the workspace: tickets of their
teams only when their access is limited to teams, and every contact, organization and
article. `q` is required; filters narrow to documents that have them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router

from tandem.api.auth import agent_of
from tandem.api.errors import responses
from tandem.api.schemas import MAX_PAGE, OutputSchema, PageParams
from tandem.core.errors import FieldError, InvalidInput
from tandem.core.search.forms import MAX_QUERY_LENGTH
from tandem.core.search.workspace import AgentSearch, search_for_agent, searchable_kinds

router = Router(tags=["search"])

DEFAULT_LIMIT = 20
MAX_OFFSET = 1000  # past a thousand results, refine the query instead


class SearchQueryParams(PageParams):
    q: str = Field("", description='Words; "a phrase" and prefix* work. Required.')
    type: str = Field(
        "", description="ticket, contact, organization or article; empty: every kind."
    )
    status: str = Field("", description="Only documents with this status (tickets, articles).")
    track: str = Field("", description="service or support (tickets).")
    team: int | None = Field(None, description="Only tickets of this team id.")
    since: dt.date | None = Field(None, description="Updated on or after this day (UTC).")
    until: dt.date | None = Field(None, description="Updated on or before this day (UTC).")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_PAGE, description="Results per page, 1 to 100.")


class SearchResultOut(OutputSchema):
    type: str
    id: int
    title: str = Field(description="HTML: escaped, matches inside <mark>.")
    snippet: str = Field(description="HTML: escaped, matches inside <mark>.")
    score: float
    updated_at: dt.datetime | None
    url: str = Field(description="The workspace page of the result.")
    status: str | None
    track: str | None
    team: int | None


class SearchPageOut(OutputSchema):
    items: list[SearchResultOut]
    next: str | None


def _offset(cursor: str) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or int(cursor) > MAX_OFFSET:
        raise InvalidInput.single("cursor", "is not valid; follow a `next` link")
    return int(cursor)


def _search_request(params: SearchQueryParams) -> AgentSearch:
    errors = []
    text = params.q.strip()
    if not text:
        errors.append(FieldError("q", "is required: the words to search for"))
    elif len(text) > MAX_QUERY_LENGTH:
        errors.append(FieldError("q", f"may be at most {MAX_QUERY_LENGTH} characters"))
    kinds = searchable_kinds()
    if params.type and params.type not in kinds:
        errors.append(FieldError("type", f"must be one of {', '.join(kinds)}"))
    if params.since and params.until and params.since > params.until:
        errors.append(FieldError("until", "must be on or after since"))
    offset = 0
    try:
        offset = _offset(params.cursor)
    except InvalidInput as error:
        errors.extend(error.errors)
    if errors:
        raise InvalidInput(errors)
    return AgentSearch(
        text=text,
        kinds=(params.type,) if params.type else (),
        status=params.status.strip(),
        track=params.track.strip(),
        team=params.team,
        since=params.since,
        until=params.until,
        limit=params.limit,
        offset=offset,
    )


@router.get("/search", response={200: SearchPageOut, **responses(401, 422)}, url_name="search")
def search(request: HttpRequest, params: Query[SearchQueryParams]) -> dict[str, Any]:
    wanted = _search_request(params)
    results, has_next = search_for_agent(agent_of(request), wanted)
    items = [
        {
            "type": result.kind,
            "id": result.key,
            "title": result.title_html,
            "snippet": result.body_html,
            "score": result.score,
            "updated_at": result.updated_at,
            "url": request.build_absolute_uri(result.url) if result.url else "",
            "status": result.facets.get("status"),
            "track": result.facets.get("track"),
            "team": result.facets.get("team"),
        }
        for result in results
    ]
    next_url = None
    if has_next and wanted.offset + wanted.limit <= MAX_OFFSET:
        query = request.GET.copy()
        query["cursor"] = str(wanted.offset + wanted.limit)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"items": items, "next": next_url}
