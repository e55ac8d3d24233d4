"""Conditions on a ticket ("subject contains 'invoice'", "priority is urgent"), evaluated as a
pure function of plain facts, so routing rules today and triggers later share one evaluator.

A condition set is JSON: `{"match": "all" | "any", "rules": [{"field", "op", "value"}, ...]}`.
An empty rule list matches every ticket. Fields are named in FIELDS; custom fields are
`custom_fields.<key>`. Text comparisons ignore case. `evaluate` answers whether the set
matched and, for the reason shown in the event log, which rules did.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tandem.core.errors import FieldError, InvalidInput

TEXT, CHOICE, LIST = "text", "choice", "list"

# field -> kind of value the field holds on a ticket
FIELDS = {
    "subject": TEXT,
    "body": TEXT,
    "channel": CHOICE,
    "track": CHOICE,
    "priority": CHOICE,
    "tags": LIST,
    "organization": CHOICE,  # the organization's name
    "contact_email_domain": CHOICE,
}
CUSTOM_PREFIX = "custom_fields."


def _text(value: Any) -> str:
    return "" if value is None else str(value).casefold()


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple | set) else [value]
    return [_text(item) for item in items]


# op -> (kinds it applies to, test(actual, expected), wording for the reason)
OPERATORS: dict[str, tuple[set[str], Callable[[Any, Any], bool], str]] = {
    "contains": ({TEXT, CHOICE}, lambda a, e: _text(e) in _text(a), "contains"),
    "not_contains": ({TEXT, CHOICE}, lambda a, e: _text(e) not in _text(a), "does not contain"),
    "is": ({TEXT, CHOICE}, lambda a, e: _text(a) == _text(e), "is"),
    "is_not": ({TEXT, CHOICE}, lambda a, e: _text(a) != _text(e), "is not"),
    "in": ({TEXT, CHOICE}, lambda a, e: _text(a) in _values(e), "is one of"),
    "includes": ({LIST}, lambda a, e: bool(set(_values(e)) & set(_values(a or []))), "include"),
    "excludes": ({LIST}, lambda a, e: not set(_values(e)) & set(_values(a or [])), "exclude"),
}


@dataclass(frozen=True)
class Outcome:
    matched: bool
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return " and ".join(self.reasons) if self.reasons else "matches every ticket"


def field_kind(field: str) -> str | None:
    if field.startswith(CUSTOM_PREFIX) and len(field) > len(CUSTOM_PREFIX):
        return TEXT
    return FIELDS.get(field)


def validate(conditions: Any, *, field: str = "conditions") -> dict:
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
            known = ", ".join([*FIELDS, CUSTOM_PREFIX + "<key>"])
            errors.append(FieldError(f"{where}.field", f"must be one of {known}"))
        elif op not in OPERATORS or kind not in OPERATORS[op][0]:
            usable = ", ".join(name for name, (kinds, _, _) in OPERATORS.items() if kind in kinds)
            errors.append(FieldError(f"{where}.op", f"for {rule['field']} must be one of {usable}"))
        value = rule.get("value")
        if value is None or value == "" or value == []:
            errors.append(FieldError(f"{where}.value", "is required"))
        cleaned.append({"field": rule.get("field"), "op": op, "value": value})
    if errors:
        raise InvalidInput(errors)
    return {"match": match, "rules": cleaned}


def _actual(facts: Mapping[str, Any], field: str) -> Any:
    if field.startswith(CUSTOM_PREFIX):
        return (facts.get("custom_fields") or {}).get(field[len(CUSTOM_PREFIX) :])
    return facts.get(field)


def describe(rule: Mapping[str, Any]) -> str:
    value = rule["value"]
    shown = ", ".join(repr(v) for v in value) if isinstance(value, list) else repr(value)
    return f"{rule['field']} {OPERATORS[rule['op']][2]} {shown}"


def evaluate(conditions: Mapping[str, Any], facts: Mapping[str, Any]) -> Outcome:
    """Whether `facts` (a ticket as plain values) satisfy a validated condition set."""
    rules = conditions.get("rules") or []
    if not rules:
        return Outcome(True)
    hits = [
        rule
        for rule in rules
        if OPERATORS[rule["op"]][1](_actual(facts, rule["field"]), rule["value"])
    ]
    wanted = 1 if conditions.get("match", "all") == "any" else len(rules)
    matched = len(hits) >= wanted
    return Outcome(matched, tuple(describe(rule) for rule in hits) if matched else ())
