"""Trigger and automation conditions: small operator classes in a registry, evaluated as a pure
function of a ticket's facts (a plain dict), so rules are testable without a database.

A rule's conditions are {"all": [...], "any": [...]}: every "all" condition and, when "any"
is not empty, at least one "any" condition must hold. One condition is
{"field": "priority", "op": "is", "value": "high"}. `validate_conditions` names each bad
part for forms and the API; `facts_for` (in triggers_facts.py) builds the facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tandem.core.errors import FieldError

# Facts every rule can test; "custom_fields.<key>" reaches a ticket custom field.
FIELDS = {
    "event": "the trigger event (ticket_created, customer_replied, ...)",
    "status": "ticket status",
    "priority": "ticket priority",
    "channel": "the channel the ticket came in on",
    "track": "service or support",
    "category": "ticket category",
    "team": "team id",
    "team_name": "team name",
    "assignee": "assignee agent id",
    "organization": "organization id",
    "organization_plan": "the customer's organization plan",
    "subject": "ticket subject",
    "body": "the text of the message that caused the event (else the latest one)",
    "tags": "ticket tag names",
    "business_hours": "true while the team's calendar is open",
    "message_automatic": "true when the customer's message was automatic mail",
    "changed": "names of the fields this event changed, with from/to in changes",
}

# "status changed to solved": {"field": "status", "op": "changed_to", "value": "solved"}
CHANGE_OPS = {"changed", "changed_to", "changed_from"}


def _text(value: Any) -> str:
    return "" if value is None else str(value).casefold()


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, list | tuple | set) else [value]


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return bool(actual) == bool(expected)
    return _text(actual) == _text(expected)


@dataclass(frozen=True)
class Operator:
    name: str
    test: Callable[[Any, Any], bool]
    needs_value: bool = True


def _includes(actual: Any, expected: Any) -> bool:
    have = {_text(v) for v in _as_list(actual or [])}
    return any(_text(v) in have for v in _as_list(expected))


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _compare(sign: int) -> Callable[[Any, Any], bool]:
    def test(actual: Any, expected: Any) -> bool:
        a, b = _number(actual), _number(expected)
        return a is not None and b is not None and (a - b) * sign > 0

    return test


OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("is", _same),
        Operator("is_not", lambda a, e: not _same(a, e)),
        Operator("in", lambda a, e: any(_same(a, v) for v in _as_list(e))),
        Operator("not_in", lambda a, e: not any(_same(a, v) for v in _as_list(e))),
        Operator("contains", lambda a, e: _text(e) in _text(a)),
        Operator("not_contains", lambda a, e: _text(e) not in _text(a)),
        Operator("includes", _includes),  # a list fact (tags) has any of the values
        Operator("excludes", lambda a, e: not _includes(a, e)),
        Operator("present", lambda a, e: a not in (None, "", [], {}), needs_value=False),
        Operator("absent", lambda a, e: a in (None, "", [], {}), needs_value=False),
        Operator("gt", _compare(1)),
        Operator("lt", _compare(-1)),
    )
}


def _known_field(name: Any) -> bool:
    return isinstance(name, str) and (
        name in FIELDS or (name.startswith("custom_fields.") and len(name) > 14)
    )


def validate_conditions(conditions: Any, *, field: str = "conditions") -> list[FieldError]:
    if conditions in (None, {}):
        return []
    if not isinstance(conditions, dict):
        return [FieldError(field, 'must be an object {"all": [...], "any": [...]}')]
    errors = [
        FieldError(f"{field}.{key}", "is not 'all' or 'any'")
        for key in conditions
        if key not in ("all", "any")
    ]
    for group in ("all", "any"):
        items = conditions.get(group, [])
        if not isinstance(items, list):
            errors.append(FieldError(f"{field}.{group}", "must be a list"))
            continue
        for index, item in enumerate(items):
            where = f"{field}.{group}[{index}]"
            if not isinstance(item, dict):
                errors.append(FieldError(where, "must be an object with field, op and value"))
                continue
            name, op = item.get("field"), item.get("op")
            if not _known_field(name):
                errors.append(FieldError(f"{where}.field", f"unknown field {name!r}"))
            if op not in OPERATORS and op not in CHANGE_OPS:
                known = ", ".join([*OPERATORS, *sorted(CHANGE_OPS)])
                errors.append(FieldError(f"{where}.op", f"unknown operator {op!r}; use {known}"))
            needs_value = (
                op in OPERATORS
                and OPERATORS[op].needs_value
                or op
                in {
                    "changed_to",
                    "changed_from",
                }
            )
            if needs_value and "value" not in item:
                errors.append(FieldError(f"{where}.value", "is required for this operator"))
    return errors


def condition_holds(condition: dict, facts: dict) -> bool:
    name, op = condition["field"], condition["op"]
    value = condition.get("value")
    if op in CHANGE_OPS:
        change = facts.get("changes", {}).get(name)
        if change is None:
            return False
        if op == "changed":
            return True
        side = change.get("to") if op == "changed_to" else change.get("from")
        return any(_same(side, v) for v in _as_list(value))
    if name.startswith("custom_fields."):
        actual = (facts.get("custom_fields") or {}).get(name.split(".", 1)[1])
    else:
        actual = facts.get(name)
    return OPERATORS[op].test(actual, value)


def evaluate(conditions: dict | None, facts: dict) -> tuple[bool, list[dict]]:
    """(matched, one {"condition", "group", "held"} per condition) for logs and dry runs."""
    conditions = conditions or {}
    results = []
    for group in ("all", "any"):
        for condition in conditions.get(group, []):
            held = condition_holds(condition, facts)
            results.append({"group": group, "condition": condition, "held": held})
    all_held = all(r["held"] for r in results if r["group"] == "all")
    anys = [r["held"] for r in results if r["group"] == "any"]
    return all_held and (not anys or any(anys)), results


def matches(conditions: dict | None, facts: dict) -> bool:
    return evaluate(conditions, facts)[0]


def compile_conditions(conditions: dict | None) -> Callable[[dict], bool]:
    """`conditions` as one predicate over facts, the same answer as `matches`: parsed once
    when the rule set is cached, not on every event, and stopping at the first answer."""
    conditions = conditions or {}
    try:
        alls = [_compile_one(c) for c in conditions.get("all", [])]
        anys = [_compile_one(c) for c in conditions.get("any", [])]
    except (KeyError, TypeError, AttributeError):
        # A rule written around the validation: keep whatever `matches` does with it.
        return lambda facts: matches(conditions, facts)

    def predicate(facts: dict) -> bool:
        return all(test(facts) for test in alls) and (not anys or any(test(facts) for test in anys))

    return predicate


def _compile_one(condition: dict) -> Callable[[dict], bool]:
    name, op = condition["field"], condition["op"]
    if op in CHANGE_OPS or name.startswith("custom_fields."):
        return lambda facts: condition_holds(condition, facts)
    test, value = OPERATORS[op].test, condition.get("value")
    return lambda facts: test(facts.get(name), value)
