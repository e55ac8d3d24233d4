"""Shared test set-up (the environment is in tandem/testing/env.py): temp storage, fixtures."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    from tandem.api.tokens import forget_all_checked_tokens

    # A fast hasher: the real one costs ~0.3 s per agent, which no test is about.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # rows made by module fixtures
    ]
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # cached sessions, rate limits and picker lists never leak between tests
    from tandem.workflow.rule_cache import forget_local_rules

    forget_local_rules()  # nor a test's triggers, cached in this process
    forget_all_checked_tokens()  # nor API tokens checked by an earlier test (tandem/api/tokens.py)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


from tandem.testing.fixtures import *  # noqa: E402,F401,F403
