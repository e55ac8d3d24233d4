"""Tests that need a real component skip without it locally, and fail in CI."""

from __future__ import annotations

import os

import pytest


def services_required() -> bool:
    return os.environ.get("TANDEM_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str):
    """A missing real service skips locally and fails in CI (TANDEM_REQUIRE_SERVICES=1)."""
    if services_required():
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)
