"""What customers see the desk called, in pages and in mail."""

from __future__ import annotations

from django.conf import settings

DEFAULT_DESK_NAME = "Tandem"


def desk_name() -> str:
    return (settings.DESK_NAME or DEFAULT_DESK_NAME).strip()
