"""The active custom-field definitions per entity, cached (core.directory_cache)."""

from __future__ import annotations

from tandem.core.directory_cache import cached_list, forget
from tandem.core.models import CustomField


def active_definitions(entity: str) -> list[CustomField]:
    return cached_list(
        f"custom-fields:{entity}",
        lambda: list(CustomField.objects.filter(entity=entity, active=True)),
    )


def forget_definitions() -> None:
    forget(*(f"custom-fields:{entity}" for entity in CustomField.Entity.values))
