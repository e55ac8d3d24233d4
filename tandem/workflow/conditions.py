"""Conditions on a ticket ("subject contains 'invoice'", "priority is urgent"): one registry of
operators, evaluated as a pure function of the ticket's facts (plain values), for routing rules,
triggers and automations. Text comparisons ignore case; `custom_fields.<key>` reaches a custom
field. Each kind of rule keeps its own JSON shape, validated with errors naming the bad part:

- routing rules: `{"match": "all" | "any", "rules": [{"field", "op", "value"}, ...]}`; an
  empty list matches every ticket; `evaluate_routing_conditions` also says which rules matched.
- triggers and automations: `{"all": [...], "any": [...]}`: every "all" condition and, when
  "any" is not empty, one "any" condition; they can also test what the event changed
  (`changed`, `changed_to`, `changed_from`). Facts come from triggers_facts.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tandem.core.errors import FieldError, InvalidInput

CUSTOM_PREFIX = "custom_fields."

# --- values and operators -------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).casefold()


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, list | tuple | set) else [value]


def _same_text(actual: Any, expected: Any) -> bool:
    return _text(actual) == _text(expected)


_FALSE_WORDS = {"false", "no", "off", "0", ""}


def _truth(value: Any) -> bool:
    # "false" typed in a form or sent as JSON text means false, not "a non-empty text".
    if isinstance(value, str):
        return value.strip().casefold() not in _FALSE_WORDS
    return bool(value)


def _same(actual: Any, expected: Any) -> bool:
    """Text, except that a true/false fact compares as a truth value (`business_hours is true`)."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return _truth(actual) == _truth(expected)
    return _same_text(actual, expected)


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


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


@dataclass(frozen=True)
class Operator:
    name: str
    test: Callable[[Any, Any], bool]  # (the fact, the condition's value) -> held
    wording: str  # as a reason reads: "subject contains 'invoice'"
    needs_value: bool = True


def _operators(equal: Callable[[Any, Any], bool]) -> dict[str, Operator]:
    """Every operator, in the order forms and errors list them, with `equal` as equality."""
    return {
        op.name: op
        for op in (
            Operator("is", equal, "is"),
            Operator("is_not", lambda a, e: not equal(a, e), "is not"),
            Operator("in", lambda a, e: any(equal(a, v) for v in _as_list(e)), "is one of"),
            Operator(
                "not_in", lambda a, e: not any(equal(a, v) for v in _as_list(e)), "is not one of"
            ),
            Operator("contains", lambda a, e: _text(e) in _text(a), "contains"),
            Operator("not_contains", lambda a, e: _text(e) not in _text(a), "does not contain"),
            Operator("includes", _includes, "include"),  # a list fact (tags) has any of them
            Operator("excludes", lambda a, e: not _includes(a, e), "exclude"),
            Operator("present", lambda a, e: not _empty(a), "is present", needs_value=False),
            Operator("absent", lambda a, e: _empty(a), "is absent", needs_value=False),
            Operator("gt", _compare(1), "is more than"),
            Operator("lt", _compare(-1), "is less than"),
        )
    }


def fact_value(facts: Mapping[str, Any], field: str) -> Any:
    if field.startswith(CUSTOM_PREFIX):
        return (facts.get("custom_fields") or {}).get(field[len(CUSTOM_PREFIX) :])
    return facts.get(field)


def _custom_field(name: Any) -> bool:
    return isinstance(name, str) and name.startswith(CUSTOM_PREFIX) and len(name) > 14


# --- routing rules --------------------------------------------------------------------------

TEXT, CHOICE, LIST = "text", "choice", "list"

# field -> kind of value the field holds on a ticket
ROUTING_FACTS = {
    "subject": TEXT,
    "body": TEXT,
    "channel": CHOICE,
    "track": CHOICE,
    "priority": CHOICE,
    "tags": LIST,
    "organization": CHOICE,  # the organization's name
    "contact_email_domain": CHOICE,
}

# The operators a routing rule may use, and on which kinds of field. Routing rules have always
# compared as text (a custom field holding True "is" 'true'), so they keep doing so.
_ROUTING_KINDS = {
    "contains": {TEXT, CHOICE},
    "not_contains": {TEXT, CHOICE},
    "is": {TEXT, CHOICE},
    "is_not": {TEXT, CHOICE},
    "in": {TEXT, CHOICE},
    "includes": {LIST},
    "excludes": {LIST},
}
ROUTING_OPERATORS = {name: _operators(_same_text)[name] for name in _ROUTING_KINDS}


@dataclass(frozen=True)
class Outcome:
    matched: bool
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return " and ".join(self.reasons) if self.reasons else "matches every ticket"


def field_kind(field: str) -> str | None:
    if _custom_field(field):
        return TEXT
    return ROUTING_FACTS.get(field)


def validate_routing_conditions(conditions: Any, *, field: str = "conditions") -> dict:
    """The condition set cleaned, or InvalidInput naming each bad part
    (`conditions.rules[1].op`)."""
    if not isinstance(conditions, Mapping):
        raise InvalidInput.single(field, 'must be an object: {"match": "all", "rules": [...]}')
    errors: list[FieldError] = []
    match = conditions.get("match", "all")
    if match not in ("all", "any"):
        errors.append(FieldError(f"{field}.match", "must be 'all' or 'any'"))
    rules = conditions.get("rules", [])
    if not isinstance(rules, list):
        raise InvalidInput([*errors, FieldError(f"{field}.rules", "must be a list")])
    cleaned = []
    for index, rule in enumerate(rules):
        where = f"{field}.rules[{index}]"
        if not isinstance(rule, Mapping):
            errors.append(FieldError(where, "must be an object with field, op and value"))
            continue
        kind = field_kind(str(rule.get("field", "")))
        op = rule.get("op")
        if kind is None:
            known = ", ".join([*ROUTING_FACTS, CUSTOM_PREFIX + "<key>"])
            errors.append(FieldError(f"{where}.field", f"must be one of {known}"))
        elif op not in _ROUTING_KINDS or kind not in _ROUTING_KINDS[op]:
            usable = ", ".join(name for name, kinds in _ROUTING_KINDS.items() if kind in kinds)
            errors.append(FieldError(f"{where}.op", f"for {rule['field']} must be one of {usable}"))
        value = rule.get("value")
        if value is None or value == "" or value == []:
            errors.append(FieldError(f"{where}.value", "is required"))
        cleaned.append({"field": rule.get("field"), "op": op, "value": value})
    if errors:
        raise InvalidInput(errors)
    return {"match": match, "rules": cleaned}


def describe(rule: Mapping[str, Any]) -> str:
    value = rule["value"]
    shown = ", ".join(repr(v) for v in value) if isinstance(value, list) else repr(value)
    return f"{rule['field']} {ROUTING_OPERATORS[rule['op']].wording} {shown}"


def evaluate_routing_conditions(conditions: Mapping[str, Any], facts: Mapping[str, Any]) -> Outcome:
    """Whether `facts` (a ticket as plain values) satisfy a validated condition set."""
    rules = conditions.get("rules") or []
    if not rules:
        return Outcome(True)
    hits = [
        rule
        for rule in rules
        if ROUTING_OPERATORS[rule["op"]].test(fact_value(facts, rule["field"]), rule["value"])
    ]
    wanted = 1 if conditions.get("match", "all") == "any" else len(rules)
    matched = len(hits) >= wanted
    return Outcome(matched, tuple(describe(rule) for rule in hits) if matched else ())


# --- triggers and automations ---------------------------------------------------------------

# Facts every trigger and automation can test.
TRIGGER_FACTS = {
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
TRIGGER_OPERATORS = _operators(_same)

# "status changed to solved": {"field": "status", "op": "changed_to", "value": "solved"}
CHANGE_OPS = {"changed", "changed_to", "changed_from"}


def validate_trigger_conditions(conditions: Any, *, field: str = "conditions") -> list[FieldError]:
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
            errors += _trigger_condition_errors(item, where=f"{field}.{group}[{index}]")
    return errors


def _trigger_condition_errors(item: Any, *, where: str) -> list[FieldError]:
    if not isinstance(item, dict):
        return [FieldError(where, "must be an object with field, op and value")]
    errors = []
    name, op = item.get("field"), item.get("op")
    if not (isinstance(name, str) and name in TRIGGER_FACTS) and not _custom_field(name):
        errors.append(FieldError(f"{where}.field", f"unknown field {name!r}"))
    if op not in TRIGGER_OPERATORS and op not in CHANGE_OPS:
        known = ", ".join([*TRIGGER_OPERATORS, *sorted(CHANGE_OPS)])
        errors.append(FieldError(f"{where}.op", f"unknown operator {op!r}; use {known}"))
    needs_value = (op in TRIGGER_OPERATORS and TRIGGER_OPERATORS[op].needs_value) or op in {
        "changed_to",
        "changed_from",
    }
    if needs_value and "value" not in item:
        errors.append(FieldError(f"{where}.value", "is required for this operator"))
    return errors


def condition_holds(condition: dict, facts: Mapping[str, Any]) -> bool:
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
    return TRIGGER_OPERATORS[op].test(fact_value(facts, name), value)


def evaluate_trigger_conditions(
    conditions: dict | None, facts: Mapping[str, Any]
) -> tuple[bool, list[dict]]:
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


def trigger_conditions_match(conditions: dict | None, facts: Mapping[str, Any]) -> bool:
    return evaluate_trigger_conditions(conditions, facts)[0]


def compile_trigger_conditions(conditions: dict | None) -> Callable[[Mapping[str, Any]], bool]:
    """`conditions` as one predicate over facts, the same answer as `trigger_conditions_match`:
    parsed once when the rule set is cached, not on every event, and stopping at the first
    answer (so a fact that costs a query is read only by a rule that gets that far)."""
    conditions = conditions or {}
    try:
        alls = [_compile_one(c) for c in conditions.get("all", [])]
        anys = [_compile_one(c) for c in conditions.get("any", [])]
    except (KeyError, TypeError, AttributeError):
        # A rule written around the validation: keep whatever the full evaluation does with it.
        return lambda facts: trigger_conditions_match(conditions, facts)

    def predicate(facts: Mapping[str, Any]) -> bool:
        return all(test(facts) for test in alls) and (not anys or any(test(facts) for test in anys))

    return predicate


def _compile_one(condition: dict) -> Callable[[Mapping[str, Any]], bool]:
    name, op = condition["field"], condition["op"]
    if op in CHANGE_OPS:
        return lambda facts: condition_holds(condition, facts)
    test, value = TRIGGER_OPERATORS[op].test, condition.get("value")
    if name.startswith(CUSTOM_PREFIX):
        return lambda facts: test(fact_value(facts, name), value)
    return lambda facts: test(facts.get(name), value)
