"""The routing rules API (admins only): list, read, create, change and delete rules."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status

from tandem.api.auth import agent_of
from tandem.api.errors import responses
from tandem.api.schemas import InputSchema, OutputSchema, TeamRef, team_ref
from tandem.core.errors import FieldError, InvalidInput, NotAllowed
from tandem.people.models import Team, Track
from tandem.workflow import routing_actions
from tandem.workflow.models import RoutingRule

router = Router(tags=["routing"])

TrackName = Literal[tuple(Track.values)]
PriorityName = Literal[tuple(RoutingRule.Priority.values)]
CONDITIONS_HELP = (
    'A condition set: {"match": "all"|"any", "rules": [{"field", "op", "value"}]}; '
    "see docs/routing.md for fields and operators."
)


class RoutingRuleIn(InputSchema):
    name: str = Field(max_length=120)
    position: int | None = Field(None, ge=0, description="Lower runs first; default: last.")
    active: bool = True
    conditions: dict[str, Any] = Field({}, description=CONDITIONS_HELP)
    team: int | str | None = Field(None, description="Set this team: its id or name.")
    track: TrackName | None = None
    priority: PriorityName | None = None
    add_tags: list[str] = []
    require_skill: str = Field("", max_length=60)


class RoutingRulePatchIn(InputSchema):
    name: str = Field(None, max_length=120)
    position: int = Field(None, ge=0)
    active: bool = None
    conditions: dict[str, Any] = Field(None, description=CONDITIONS_HELP)
    team: int | str | None = None
    track: TrackName | None = None
    priority: PriorityName | None = None
    add_tags: list[str] = None
    require_skill: str = Field(None, max_length=60)


class RoutingRuleOut(OutputSchema):
    id: int
    name: str
    position: int
    active: bool
    conditions: dict[str, Any]
    team: TeamRef | None
    track: TrackName | None
    priority: PriorityName | None
    add_tags: list[str]
    require_skill: str
    created_at: dt.datetime
    updated_at: dt.datetime


class RoutingRuleList(OutputSchema):
    items: list[RoutingRuleOut]


def _require_admin(request: HttpRequest) -> None:
    if not agent_of(request).is_admin:
        raise NotAllowed("Only admins can read and change routing rules.")


def _team(value: int | str | None) -> Team | None:
    if value is None:
        return None
    if isinstance(value, int) or str(value).strip().isdecimal():
        team = Team.objects.filter(pk=int(value)).first()
    else:
        team = Team.objects.filter(name__iexact=str(value).strip()).first()
    if team is None:
        raise InvalidInput([FieldError("team", "no such team")])
    return team


def _values(payload: dict[str, Any]) -> dict[str, Any]:
    """API names (team, track, priority) to the rule's own (set_team, ...)."""
    values = dict(payload)
    if "team" in values:
        values["set_team"] = _team(values.pop("team"))
    for api_name in ("track", "priority"):
        if api_name in values:
            values[f"set_{api_name}"] = values.pop(api_name) or ""
    if values.get("position") is None:
        values.pop("position", None)
    return values


def rule_out(rule: RoutingRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "position": rule.position,
        "active": rule.active,
        "conditions": rule.conditions,
        "team": team_ref(rule.set_team),
        "track": rule.set_track or None,
        "priority": rule.set_priority or None,
        "add_tags": rule.add_tags,
        "require_skill": rule.require_skill,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def _rule(pk: int) -> RoutingRule:
    return get_object_or_404(RoutingRule.objects.select_related("set_team"), pk=pk)


@router.get("/routing-rules", response={200: RoutingRuleList, **responses(401, 403)})
def list_rules(request: HttpRequest):
    """Every rule in the order they are tried; the first active match routes a new ticket."""
    _require_admin(request)
    rules = RoutingRule.objects.select_related("set_team")
    return {"items": [rule_out(r) for r in rules]}


@router.post("/routing-rules", response={201: RoutingRuleOut, **responses(400, 401, 403, 422)})
def create_rule(request: HttpRequest, payload: RoutingRuleIn):
    _require_admin(request)
    rule = routing_actions.create_routing_rule(**_values(payload.dict()))
    return Status(201, rule_out(_rule(rule.pk)))


@router.get("/routing-rules/{rule_id}", response={200: RoutingRuleOut, **responses(401, 403, 404)})
def get_rule(request: HttpRequest, rule_id: int):
    _require_admin(request)
    return rule_out(_rule(rule_id))


@router.patch(
    "/routing-rules/{rule_id}", response={200: RoutingRuleOut, **responses(400, 401, 403, 404, 422)}
)
def update_rule(request: HttpRequest, rule_id: int, payload: RoutingRulePatchIn):
    """Change only the keys present in the body."""
    _require_admin(request)
    rule = _rule(rule_id)
    routing_actions.update_routing_rule(rule=rule, **_values(payload.dict(exclude_unset=True)))
    return rule_out(_rule(rule_id))


@router.delete("/routing-rules/{rule_id}", response={204: None, **responses(401, 403, 404)})
def delete_rule(request: HttpRequest, rule_id: int):
    _require_admin(request)
    routing_actions.delete_routing_rule(rule=_rule(rule_id))
    return Status(204, None)
