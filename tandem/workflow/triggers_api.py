"""The triggers and automations router: CRUD and moves for admins' tokens, dry runs and
activity logs. Every write calls workflow.actions, as the settings pages do."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from pydantic import Field

from tandem.api.auth import agent_of
from tandem.api.errors import responses
from tandem.api.schemas import InputSchema
from tandem.core.errors import InvalidInput, NotAllowed
from tandem.tickets.models import Ticket, TicketEvent
from tandem.workflow import actions, triggers
from tandem.workflow.models import Automation, Trigger, TriggerRun

router = Router(tags=["triggers"])

ADMINS_ONLY = "Only administrators' tokens may read or change triggers and automations."


def require_admin(request: HttpRequest) -> None:
    if not agent_of(request).is_admin:
        raise NotAllowed(ADMINS_ONLY)


class TriggerIn(InputSchema):
    name: str
    events: list[str]
    conditions: dict[str, Any] = Field(default_factory=dict)
    actions: list[Any]
    active: bool = True
    position: int | None = None


class TriggerPatchIn(InputSchema):
    name: str | None = None
    events: list[str] | None = None
    conditions: dict[str, Any] | None = None
    actions: list[Any] | None = None
    active: bool | None = None
    position: int | None = None


class AutomationIn(InputSchema):
    name: str
    time_condition: str
    status: str = ""
    minutes: int
    business_hours: bool = False
    conditions: dict[str, Any] = Field(default_factory=dict)
    actions: list[Any]
    active: bool = True
    position: int | None = None


class AutomationPatchIn(InputSchema):
    name: str | None = None
    time_condition: str | None = None
    status: str | None = None
    minutes: int | None = None
    business_hours: bool | None = None
    conditions: dict[str, Any] | None = None
    actions: list[Any] | None = None
    active: bool | None = None
    position: int | None = None


class MoveIn(InputSchema):
    direction: str = Field(description="'up' runs it one place earlier, 'down' one later.")


class DryRunIn(InputSchema):
    ticket: int
    event: int | None = None


def _trigger_out(trigger: Trigger) -> dict[str, Any]:
    return {
        "id": trigger.pk,
        "name": trigger.name,
        "position": trigger.position,
        "active": trigger.active,
        "events": trigger.events,
        "conditions": trigger.conditions,
        "actions": trigger.actions,
    }


def _automation_out(automation: Automation) -> dict[str, Any]:
    return {
        "id": automation.pk,
        "name": automation.name,
        "position": automation.position,
        "active": automation.active,
        "time_condition": automation.time_condition,
        "status": automation.status,
        "minutes": automation.minutes,
        "business_hours": automation.business_hours,
        "conditions": automation.conditions,
        "actions": automation.actions,
    }


def _run_out(run: TriggerRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "trigger": run.trigger_id,
        "automation": run.automation_id,
        "ticket": run.ticket_id,
        "event_type": run.event_type,
        "ran_at": run.ran_at.isoformat(),
        "changes": run.changes,
        "error": run.error,
    }


def _given(payload) -> dict[str, Any]:
    values = payload.dict(exclude_unset=True)
    if values.get("position", 0) is None:
        values.pop("position")
    return values


@router.get("/triggers", response={200: list[dict], **responses(401, 403)})
def list_triggers(request: HttpRequest):
    require_admin(request)
    return [_trigger_out(t) for t in Trigger.objects.order_by("position", "id")]


@router.post("/triggers", response={201: dict, **responses(400, 401, 403, 422)})
def create_trigger(request: HttpRequest, payload: TriggerIn):
    require_admin(request)
    return Status(201, _trigger_out(actions.create_trigger(**_given(payload))))


@router.get("/triggers/{trigger_id}", response={200: dict, **responses(401, 403, 404)})
def get_trigger(request: HttpRequest, trigger_id: int):
    require_admin(request)
    return _trigger_out(get_object_or_404(Trigger, pk=trigger_id))


@router.patch("/triggers/{trigger_id}", response={200: dict, **responses(400, 401, 403, 404, 422)})
def update_trigger(request: HttpRequest, trigger_id: int, payload: TriggerPatchIn):
    require_admin(request)
    trigger = get_object_or_404(Trigger, pk=trigger_id)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return _trigger_out(actions.update_trigger(trigger=trigger, **values))


@router.delete("/triggers/{trigger_id}", response={204: None, **responses(401, 403, 404)})
def delete_trigger(request: HttpRequest, trigger_id: int):
    require_admin(request)
    actions.delete_trigger(trigger=get_object_or_404(Trigger, pk=trigger_id))
    return Status(204, None)


@router.post(
    "/triggers/{trigger_id}/move", response={200: dict, **responses(400, 401, 403, 404, 422)}
)
def move_trigger(request: HttpRequest, trigger_id: int, payload: MoveIn):
    require_admin(request)
    trigger = get_object_or_404(Trigger, pk=trigger_id)
    return _trigger_out(actions.move_trigger(trigger=trigger, direction=payload.direction))


@router.post(
    "/triggers/{trigger_id}/dry-run", response={200: dict, **responses(400, 401, 403, 404, 422)}
)
def dry_run_trigger(request: HttpRequest, trigger_id: int, payload: DryRunIn):
    require_admin(request)
    trigger = get_object_or_404(Trigger, pk=trigger_id)
    ticket = Ticket.objects.filter(pk=payload.ticket).first()
    if ticket is None:
        raise InvalidInput.single("ticket", f"no ticket #{payload.ticket}")
    event = None
    if payload.event is not None:
        event = TicketEvent.objects.filter(pk=payload.event, ticket=ticket).first()
        if event is None:
            raise InvalidInput.single("event", f"no event {payload.event} on #{ticket.number}")
    return triggers.dry_run(trigger=trigger, ticket=ticket, event=event)


@router.get("/triggers/{trigger_id}/runs", response={200: list[dict], **responses(401, 403, 404)})
def trigger_runs(request: HttpRequest, trigger_id: int):
    require_admin(request)
    trigger = get_object_or_404(Trigger, pk=trigger_id)
    return [_run_out(r) for r in trigger.runs.order_by("-ran_at", "-id")[:100]]


@router.get("/automations", response={200: list[dict], **responses(401, 403)})
def list_automations(request: HttpRequest):
    require_admin(request)
    return [_automation_out(a) for a in Automation.objects.order_by("position", "id")]


@router.post("/automations", response={201: dict, **responses(400, 401, 403, 422)})
def create_automation(request: HttpRequest, payload: AutomationIn):
    require_admin(request)
    return Status(201, _automation_out(actions.create_automation(**_given(payload))))


@router.get("/automations/{automation_id}", response={200: dict, **responses(401, 403, 404)})
def get_automation(request: HttpRequest, automation_id: int):
    require_admin(request)
    return _automation_out(get_object_or_404(Automation, pk=automation_id))


@router.patch(
    "/automations/{automation_id}", response={200: dict, **responses(400, 401, 403, 404, 422)}
)
def update_automation(request: HttpRequest, automation_id: int, payload: AutomationPatchIn):
    require_admin(request)
    automation = get_object_or_404(Automation, pk=automation_id)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return _automation_out(actions.update_automation(automation=automation, **values))


@router.delete("/automations/{automation_id}", response={204: None, **responses(401, 403, 404)})
def delete_automation(request: HttpRequest, automation_id: int):
    require_admin(request)
    actions.delete_automation(automation=get_object_or_404(Automation, pk=automation_id))
    return Status(204, None)


@router.post(
    "/automations/{automation_id}/move", response={200: dict, **responses(400, 401, 403, 404, 422)}
)
def move_automation(request: HttpRequest, automation_id: int, payload: MoveIn):
    require_admin(request)
    automation = get_object_or_404(Automation, pk=automation_id)
    return _automation_out(
        actions.move_automation(automation=automation, direction=payload.direction)
    )
