"""The macros router: CRUD and rendering a macro for one ticket.

A macro the token's agent may not use is a 404, as is a ticket it may not see; managing
follows tandem/kb/macro_queries.py (a 403 when the agent may use but not change it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from tandem.api.auth import agent_of
from tandem.api.errors import responses
from tandem.api.schemas import (
    InputSchema,
    OutputSchema,
    PageParams,
    PersonRef,
    TeamRef,
    agent_ref,
    team_ref,
)
from tandem.core.errors import FieldError, InvalidInput
from tandem.kb import macro_actions
from tandem.kb.macro_preview import FieldRenderError, planned_actions, rendered_for
from tandem.kb.macro_queries import macro_for, search_macros
from tandem.kb.models import Macro
from tandem.people.models import Team
from tandem.tickets.models import Priority
from tandem.tickets.models import Status as TicketStatus
from tandem.tickets.queries import ticket_for

router = Router(tags=["macros"])

ScopeName = Literal[tuple(Macro.Scope.values)]
StatusName = Literal[("", *TicketStatus.values)]
PriorityName = Literal[("", *Priority.values)]


class MacroIn(InputSchema):
    title: str = Field(max_length=200)
    body: str = Field(description="A sandboxed template; see docs/macros.md for the variables.")
    scope: ScopeName | None = Field(
        None, description="Default: `everyone` for an admin's token, `personal` otherwise."
    )
    team: int | None = Field(None, description="The team of a `team` macro.")
    set_status: StatusName = ""
    set_priority: PriorityName = ""
    set_team: int | None = None
    add_tags: list[str] = []
    remove_tags: list[str] = []
    internal_note: str = Field("", description="A template for an internal note to add.")


class MacroPatchIn(InputSchema):
    title: str | None = Field(None, max_length=200)
    body: str | None = None
    scope: ScopeName | None = None
    team: int | None = None
    set_status: StatusName | None = None
    set_priority: PriorityName | None = None
    set_team: int | None = None
    add_tags: list[str] | None = None
    remove_tags: list[str] | None = None
    internal_note: str | None = None


class MacroListParams(PageParams):
    q: str = Field("", description="Words in the title or body.")


class RenderIn(InputSchema):
    ticket: int = Field(description="The number of the ticket to render for.")


class MacroOut(OutputSchema):
    id: int
    title: str
    body: str
    scope: str
    team: TeamRef | None
    owner: PersonRef | None
    actions: dict[str, Any]
    internal_note: str
    usage_count: int
    last_used_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class MacroPage(OutputSchema):
    items: list[MacroOut]
    next: str | None


class RenderOut(OutputSchema):
    body: str
    actions: dict[str, Any]


def macro_out(macro: Macro) -> dict[str, Any]:
    return {
        "id": macro.pk,
        "title": macro.title,
        "body": macro.body,
        "scope": macro.scope,
        "team": team_ref(macro.team),
        "owner": agent_ref(macro.owner),
        "actions": planned_actions(macro),
        "internal_note": macro.internal_note,
        "usage_count": macro.usage_count,
        "last_used_at": macro.last_used_at,
        "created_at": macro.created_at,
        "updated_at": macro.updated_at,
    }


def _teams(changes: dict[str, Any]) -> dict[str, Any]:
    """Team ids in the body become teams, or errors naming the field."""
    errors = []
    for name in ("team", "set_team"):
        if changes.get(name) is not None:
            team = Team.objects.filter(pk=changes[name]).first()
            if team is None:
                errors.append(FieldError(name, "no such team"))
            changes[name] = team
    if errors:
        raise InvalidInput(errors)
    return changes


def _reloaded(macro: Macro) -> Macro:
    return Macro.objects.select_related("team", "owner", "set_team").get(pk=macro.pk)


def _page_offset(cursor: str) -> int:
    if not cursor:
        return 0
    if not cursor.isdecimal():
        raise InvalidInput.single("cursor", "is not valid; follow a `next` link")
    return int(cursor)


@router.get("/macros", response={200: MacroPage, **responses(401, 422)}, url_name="macros")
def list_macros(request: HttpRequest, params: Query[MacroListParams]):
    """Macros the token's agent may use, most used first."""
    start = _page_offset(params.cursor)
    rows = list(search_macros(agent_of(request), params.q)[start : start + params.limit + 1])
    next_url = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        query = request.GET.copy()
        query["cursor"] = str(start + params.limit)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"items": [macro_out(m) for m in rows], "next": next_url}


@router.post("/macros", response={201: MacroOut, **responses(400, 401, 403, 422)})
def create_macro(request: HttpRequest, payload: MacroIn):
    fields = _teams(payload.dict())
    macro = macro_actions.create_macro(agent=agent_of(request), **fields)
    return Status(201, macro_out(_reloaded(macro)))


@router.get("/macros/{macro_id}", response={200: MacroOut, **responses(401, 404)}, url_name="macro")
def get_macro(request: HttpRequest, macro_id: int):
    return macro_out(macro_for(agent_of(request), macro_id))


@router.patch("/macros/{macro_id}", response={200: MacroOut, **responses(400, 401, 403, 404, 422)})
def update_macro(request: HttpRequest, macro_id: int, payload: MacroPatchIn):
    """Change only the keys present in the body."""
    macro = macro_for(agent_of(request), macro_id)
    changes = _teams(payload.dict(exclude_unset=True))
    for name in ("title", "body"):
        if name in changes and changes[name] is None:
            raise InvalidInput.single(name, "may not be null")
    updated = macro_actions.update_macro(agent=agent_of(request), macro=macro, **changes)
    return macro_out(_reloaded(updated))


@router.delete("/macros/{macro_id}", response={204: None, **responses(401, 403, 404)})
def delete_macro(request: HttpRequest, macro_id: int):
    macro = macro_for(agent_of(request), macro_id)
    macro_actions.delete_macro(agent=agent_of(request), macro=macro)
    return Status(204, None)


@router.post(
    "/macros/{macro_id}/render", response={200: RenderOut, **responses(400, 401, 404, 422)}
)
def render_macro(request: HttpRequest, macro_id: int, payload: RenderIn):
    """The macro's text for this ticket, and the changes applying it would make (nothing is
    changed or counted: the composer applies it when the reply is sent)."""
    agent = agent_of(request)
    macro = macro_for(agent, macro_id)
    ticket = ticket_for(agent, payload.ticket)
    try:
        rendered = rendered_for(macro, ticket, agent)
    except FieldRenderError as error:
        raise InvalidInput.single(error.field, error.message) from None
    return {"body": rendered.body, "actions": rendered.actions}
