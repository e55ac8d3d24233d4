"""Validation of custom-field values against their typed definitions (pure, no queries)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from tandem.core.errors import FieldError, InvalidInput


class FieldDefinition(Protocol):
    key: str
    label: str
    kind: str
    choices: list
    required: bool


def _coerce(definition: FieldDefinition, value: Any) -> Any:
    kind = definition.kind
    if kind == "text":
        if not isinstance(value, str):
            raise ValueError("must be text")
        return value.strip()
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError("must be a number")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as error:
            raise ValueError("must be a number") from error
        if not number.is_finite():
            raise ValueError("must be a finite number")
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "date":
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError as error:
            raise ValueError("must be a date as YYYY-MM-DD") from error
    if kind == "choice":
        if value not in definition.choices:
            allowed = ", ".join(map(str, definition.choices))
            raise ValueError(f"must be one of: {allowed}")
        return value
    if kind == "checkbox":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "on", "1", "yes"}:
            return True
        if isinstance(value, str) and value.lower() in {"false", "off", "0", "no", ""}:
            return False
        raise ValueError("must be true or false")
    raise ValueError(f"has an unknown type {kind!r}")


def clean_custom_fields(
    definitions: Iterable[FieldDefinition],
    values: Mapping[str, Any],
    *,
    current: Mapping[str, Any] | None = None,
    prefix: str = "custom_fields",
    enforce_required: bool = False,
) -> dict[str, Any]:
    """Merge `values` over `current`, coerced to each field's type; `None` or "" clears a value.

    `required` is enforced only where the caller asks (tickets: on solving), because
    customers writing in cannot fill fields that only agents know.
    Raises InvalidInput naming every bad or unknown key, so nothing is half-applied.
    """
    by_key = {d.key: d for d in definitions}
    merged = dict(current or {})
    errors: list[FieldError] = []
    for key, value in values.items():
        definition = by_key.get(key)
        if definition is None:
            errors.append(FieldError(f"{prefix}.{key}", "is not a custom field here"))
            continue
        if value is None or (value == "" and definition.kind != "checkbox"):
            merged.pop(key, None)
            continue
        try:
            merged[key] = _coerce(definition, value)
        except ValueError as error:
            errors.append(FieldError(f"{prefix}.{key}", f"{definition.label} {error}"))
    for definition in by_key.values() if enforce_required else ():
        if definition.required and merged.get(definition.key) in (None, ""):
            errors.append(
                FieldError(f"{prefix}.{definition.key}", f"{definition.label} is required")
            )
    if errors:
        raise InvalidInput(errors)
    return merged
