"""The writes of triggers and automations: create, update (on/off too), delete and move.

The settings pages and the API call only these. Each write also changes the rules' version
stamp (rule_cache.rules_changed), so every process drops its cached triggers on its next event.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import transaction

from tandem.core.errors import FieldError, InvalidInput
from tandem.tickets.models import Status
from tandem.workflow.conditions import validate_trigger_conditions
from tandem.workflow.models import Automation, RoutingRule, TimeCondition, Trigger, TriggerEvent
from tandem.workflow.rule_cache import rules_changed
from tandem.workflow.triggers_actions import validate_actions

# What a write may set on each kind of rule.
TRIGGER_FIELDS = {"name", "position", "active", "events", "conditions", "actions"}
AUTOMATION_FIELDS = {
    "name",
    "position",
    "active",
    "time_condition",
    "status",
    "minutes",
    "business_hours",
    "conditions",
    "actions",
}
DIRECTIONS = ("up", "down")

Rule = TypeVar("Rule", Trigger, Automation, RoutingRule)


def create_rule_last(model: type[Rule], values: dict) -> Rule:
    """A new rule (trigger, automation, routing rule) from validated values; without a
    position it runs last. Every process drops the rules it compiled."""
    if "position" not in values:
        last = model.objects.order_by("-position").values_list("position", flat=True).first()
        values["position"] = (last or 0) + 1
    rule = model.objects.create(**values)
    rules_changed()
    return rule


def _update(rule: Rule, values: dict) -> Rule:
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save(update_fields=[*values, "updated_at"])
    rules_changed()
    return rule


# --- triggers -------------------------------------------------------------------------------


def _validate_trigger(values: dict, *, instance: Trigger | None = None) -> dict:
    unknown = sorted(set(values) - TRIGGER_FIELDS)
    errors = [FieldError(name, "is not a trigger field") for name in unknown]
    if "name" in values or instance is None:
        name = (values.get("name") or "").strip()
        if not name:
            errors.append(FieldError("name", "may not be empty"))
        elif Trigger.objects.filter(name=name).exclude(pk=getattr(instance, "pk", None)).exists():
            errors.append(FieldError("name", f"a trigger named {name!r} exists"))
        values["name"] = name[:120]
    if "events" in values or instance is None:
        events = values.get("events")
        if not isinstance(events, list) or not events:
            errors.append(FieldError("events", "must list at least one event"))
        else:
            bad = [e for e in events if e not in TriggerEvent.values]
            if bad:
                known = ", ".join(TriggerEvent.values)
                errors.append(FieldError("events", f"unknown {bad}; use {known}"))
    if "conditions" in values:
        errors += validate_trigger_conditions(values["conditions"])
    if "actions" in values or instance is None:
        errors += validate_actions(values.get("actions"))
    if "position" in values and (not isinstance(values["position"], int) or values["position"] < 0):
        errors.append(FieldError("position", "must be a whole number, 0 or more"))
    if "active" in values and not isinstance(values["active"], bool):
        errors.append(FieldError("active", "must be true or false"))
    if errors:
        raise InvalidInput(errors)
    return values


@transaction.atomic
def create_trigger(**values) -> Trigger:
    return create_rule_last(Trigger, _validate_trigger(dict(values)))


@transaction.atomic
def update_trigger(*, trigger: Trigger, **values) -> Trigger:
    return _update(trigger, _validate_trigger(dict(values), instance=trigger))


@transaction.atomic
def delete_trigger(*, trigger: Trigger) -> None:
    trigger.delete()
    rules_changed()


@transaction.atomic
def move_trigger(*, trigger: Trigger, direction: str) -> Trigger:
    """Swap places with the trigger above (or below); triggers run in this order."""
    return _move(Trigger, trigger, direction)


# --- automations ----------------------------------------------------------------------------


def _validate_automation(values: dict, *, instance: Automation | None = None) -> dict:
    errors = [
        FieldError(n, "is not an automation field") for n in sorted(set(values) - AUTOMATION_FIELDS)
    ]
    merged = {
        **({} if instance is None else {f: getattr(instance, f) for f in AUTOMATION_FIELDS}),
        **values,
    }
    name = (merged.get("name") or "").strip()
    if not name:
        errors.append(FieldError("name", "may not be empty"))
    elif Automation.objects.filter(name=name).exclude(pk=getattr(instance, "pk", None)).exists():
        errors.append(FieldError("name", f"an automation named {name!r} exists"))
    if merged.get("time_condition") not in TimeCondition.values:
        errors.append(
            FieldError("time_condition", f"must be one of {', '.join(TimeCondition.values)}")
        )
    if merged.get("time_condition") == TimeCondition.STATUS_FOR and merged.get("status") not in (
        Status.NEW,
        Status.OPEN,
        Status.PENDING,
        Status.ON_HOLD,
    ):
        errors.append(FieldError("status", "must be an unsolved status for 'status_for'"))
    minutes = merged.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        errors.append(FieldError("minutes", "must be a whole number of minutes above 0"))
    errors += validate_trigger_conditions(merged.get("conditions") or {})
    errors += validate_actions(merged.get("actions"))
    if errors:
        raise InvalidInput(errors)
    if "name" in values:
        values["name"] = name
    return values


@transaction.atomic
def create_automation(**values) -> Automation:
    return create_rule_last(Automation, _validate_automation(dict(values)))


@transaction.atomic
def update_automation(*, automation: Automation, **values) -> Automation:
    return _update(automation, _validate_automation(dict(values), instance=automation))


@transaction.atomic
def delete_automation(*, automation: Automation) -> None:
    automation.delete()
    rules_changed()


@transaction.atomic
def move_automation(*, automation: Automation, direction: str) -> Automation:
    """Swap places with the automation above (or below); automations run in this order."""
    return _move(Automation, automation, direction)


# --- order ----------------------------------------------------------------------------------


def _move(model: type[Rule], rule: Rule, direction: str) -> Rule:
    """Swap `rule` with its neighbour in `direction` (the first stays first, the last last) and
    number every rule 1..n, so that equal or sparse positions never make the order ambiguous.
    The rows are locked first: two admins moving at once cannot interleave their swaps."""
    if direction not in DIRECTIONS:
        raise InvalidInput.single("direction", "must be 'up' or 'down'")
    ordered = list(model.objects.select_for_update().order_by("position", "id"))
    index = next((i for i, item in enumerate(ordered) if item.pk == rule.pk), None)
    if index is None:
        raise InvalidInput.single(model._meta.model_name, f"{rule} no longer exists")
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    renumbered = []
    for position, item in enumerate(ordered, start=1):
        if item.position != position:
            item.position = position
            renumbered.append(item)
    model.objects.bulk_update(renumbered, ["position"])
    rules_changed()
    rule.position = next(item.position for item in ordered if item.pk == rule.pk)
    return rule
