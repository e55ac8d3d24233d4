"""Test settings shared by every app (environment: tandem/testing/env.py): temp storage, fixtures."""

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


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


from tandem.testing.fixtures import *  # noqa: E402,F401,F403
