"""Schemas every app's API shares: strict input, references to people and teams, list envelopes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, field_validator

from tandem.core.errors import InvalidInput
from tandem.people.models import Agent, Contact, Organization, Team
from tandem.tickets.queries import decode_cursor

MAX_PAGE = 100
DEFAULT_PAGE = 25


def _without_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, list | tuple):
        return all(_without_nul(v) for v in value)
    if isinstance(value, dict):
        return all(_without_nul(k) and _without_nul(v) for k, v in value.items())
    return True


class ClientText(Schema):
    """Anything a client sends: PostgreSQL cannot store a NUL character, so none gets in."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        if not _without_nul(value):
            raise ValueError("may not contain NUL characters")
        return value


class InputSchema(ClientText):
    """Request bodies refuse unknown keys: a typo in a PATCH must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


class OutputSchema(BaseModel):
    """Responses are plain pydantic models: the routers hand over dicts, and pydantic checks a
    page of them about ten times faster than ninja.Schema, whose attribute getter wraps every
    nested object in Python (0.1 ms instead of 1.5 ms for 25 tickets)."""


class PageParams(ClientText):
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="Items per page, 1 to 100.")
    cursor: str = Field("", description="The `cursor` of the previous page's `next` link.")


class PersonRef(OutputSchema):
    id: int
    email: str
    name: str


class OrganizationRef(OutputSchema):
    id: int
    name: str


class TeamRef(OutputSchema):
    id: int
    name: str
    track: str
    tier: int | None


def contact_ref(contact: Contact) -> dict[str, Any]:
    return {"id": contact.pk, "email": contact.email, "name": contact.name}


def agent_ref(agent: Agent | None) -> dict[str, Any] | None:
    if agent is None:
        return None
    return {"id": agent.pk, "email": agent.email, "name": agent.name}


def organization_ref(organization: Organization | None) -> dict[str, Any] | None:
    if organization is None:
        return None
    return {"id": organization.pk, "name": organization.name}


def team_ref(team: Team | None) -> dict[str, Any] | None:
    if team is None:
        return None
    return {"id": team.pk, "name": team.name, "track": team.track, "tier": team.tier}


def api_url(request: HttpRequest, path: str) -> str:
    """An absolute URL inside the API, e.g. api_url(request, "tickets/12").

    The root is resolved once per request: list pages build one URL per row.
    """
    root = getattr(request, "_tandem_api_root", None)
    if root is None:
        root = request.build_absolute_uri(reverse("api:api-root"))
        request._tandem_api_root = root
    return root + path


def page(request: HttpRequest, items: list, next_cursor: str | None) -> dict[str, Any]:
    """The list envelope: `next` repeats this request's query with the next cursor, or is null."""
    if next_cursor is None:
        return {"items": items, "next": None}
    query = request.GET.copy()
    query["cursor"] = next_cursor
    next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"items": items, "next": next_url}


def cursor_position(cursor: str, column: str):
    """The decoded cursor, or a 422 naming it: a cursor is opaque, only `next` links make one."""
    try:
        return decode_cursor(cursor, column)
    except (ValueError, TypeError):
        raise InvalidInput.single("cursor", "is not valid; follow a `next` link") from None
