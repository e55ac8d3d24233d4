"""The one exception type actions raise for bad input, naming each bad field."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    message: str


@dataclass
class InvalidInput(Exception):
    """Raised by an action before it writes anything; shown as a 4xx or a form error."""

    errors: list[FieldError] = field(default_factory=list)

    @classmethod
    def single(cls, field_name: str, message: str) -> InvalidInput:
        return cls([FieldError(field_name, message)])

    def __str__(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" for e in self.errors)


class NotAllowed(Exception):
    """The actor may see the object but not do this to it (a light agent replying publicly)."""
