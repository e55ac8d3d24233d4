"""How the workspace's views turn action outcomes into HTTP: 403 for NotAllowed, field errors."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from tandem.core.errors import InvalidInput, NotAllowed

UNPROCESSABLE = 422  # a form with errors: htmx is configured (base.html) to swap these


def refuse_not_allowed(view):
    """An action's NotAllowed is a 403; the action raised before writing anything."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as error:
            raise PermissionDenied(str(error)) from error

    return wrapper


def errors_by_field(error: InvalidInput) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for item in error.errors:
        grouped.setdefault(item.field, []).append(item.message)
    return grouped


def form_errors(form) -> dict[str, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def errors_except(errors: dict[str, list[str]], shown: set[str]) -> list[str]:
    """Errors naming fields the form at hand has no place for, as readable lines."""
    lines = []
    for name, messages in errors.items():
        if name in shown:
            continue
        for message in messages:
            lines.append(message if name in ("__all__", "ticket") else f"{_label(name)}: {message}")
    return lines


def _label(name: str) -> str:
    return name.removeprefix("custom_fields.").replace("_", " ").capitalize()
