"""Writing routing rules (settings pages and the API share these): validated, whole or nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tandem.core.errors import FieldError, InvalidInput
from tandem.people.models import Track
from tandem.tickets.actions.changes import clean_tag_names
from tandem.workflow import conditions as condition_sets
from tandem.workflow.actions.rules import create_rule_last
from tandem.workflow.models import RoutingRule
from tandem.workflow.rule_cache import rules_changed

EDITABLE = {
    "name",
    "position",
    "active",
    "conditions",
    "set_team",
    "set_track",
    "set_priority",
    "add_tags",
    "require_skill",
}


def _clean(values: dict[str, Any], *, rule: RoutingRule | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    cleaned = dict(values)
    errors += [FieldError(key, "is not a rule setting") for key in sorted(set(values) - EDITABLE)]
    if "name" in values:
        name = (values["name"] or "").strip()
        if not name:
            errors.append(FieldError("name", "may not be empty"))
        elif RoutingRule.objects.filter(name__iexact=name).exclude(pk=rule and rule.pk).exists():
            errors.append(FieldError("name", f"another rule is named {name!r}"))
        cleaned["name"] = name[:120]
    if "conditions" in values:
        try:
            cleaned["conditions"] = condition_sets.validate_routing_conditions(
                values["conditions"] or {}
            )
        except InvalidInput as error:
            errors += error.errors
    if values.get("set_track") and values["set_track"] not in Track.values:
        errors.append(FieldError("set_track", "must be 'service' or 'support'"))
    if values.get("set_priority") and values["set_priority"] not in RoutingRule.Priority.values:
        errors.append(
            FieldError("set_priority", f"must be one of {', '.join(RoutingRule.Priority.values)}")
        )
    if "add_tags" in values:
        try:
            cleaned["add_tags"] = clean_tag_names(values["add_tags"] or [], field="add_tags")
        except InvalidInput as error:
            errors += error.errors
    if "require_skill" in values:
        cleaned["require_skill"] = (values["require_skill"] or "").strip().casefold()[:60]
    for key in ("set_track", "set_priority"):
        if key in cleaned:
            cleaned[key] = cleaned[key] or ""
    if errors:
        raise InvalidInput(errors)
    return cleaned


@transaction.atomic
def create_routing_rule(**values: Any) -> RoutingRule:
    if "name" not in values:
        raise InvalidInput.single("name", "is required")
    return create_rule_last(RoutingRule, _clean(values, rule=None))


@transaction.atomic
def update_routing_rule(*, rule: RoutingRule, **changes: Any) -> RoutingRule:
    cleaned = _clean(changes, rule=rule)
    for key, value in cleaned.items():
        setattr(rule, key, value)
    if cleaned:
        rule.save(update_fields=[*cleaned, "updated_at"])
        rules_changed()
    return rule


@transaction.atomic
def delete_routing_rule(*, rule: RoutingRule) -> None:
    rule.delete()
    rules_changed()
