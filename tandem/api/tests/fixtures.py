"""API test helpers: a JSON client that sends a bearer token, and one client per role.

Star-import into a test module (`from tandem.api.tests.fixtures import *`) to get the
fixtures; the people they act as come from tandem/testing/fixtures.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tandem.api.models import ApiToken
from tandem.api.tokens import create_token, revoke_token

__all__ = [
    "ApiClient",
    "admin_api",
    "agent_api",
    "anon_api",
    "api_url",
    "light_api",
    "other_team_api",
    "read_api",
    "token_for",
]

API_ROOT = "/api/v1/"


def api_url(path: str) -> str:
    return API_ROOT + path.lstrip("/")


def token_for(agent, *, scope: str = ApiToken.Scope.WRITE, revoked: bool = False) -> str:
    token, secret = create_token(agent=agent, name="tests", scope=scope)
    if revoked:
        revoke_token(token=token)
    return secret


class ApiClient:
    """Django's test client through the whole middleware stack, speaking JSON with a token."""

    def __init__(self, token: str | None = None, *, authorization: str | None = None):
        self.client = Client()
        if authorization is None and token is not None:
            authorization = f"Bearer {token}"
        self.headers = {"Authorization": authorization} if authorization else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(api_url(path), params or {}, headers=self.headers)

    def post(self, path: str, data: Any = None):
        return self._send("post", path, data)

    def patch(self, path: str, data: Any = None):
        return self._send("patch", path, data)

    def delete(self, path: str):
        return self.client.delete(api_url(path), headers=self.headers)

    def post_raw(self, path: str, body: bytes | str, content_type: str = "application/json"):
        return self.client.post(
            api_url(path), body, content_type=content_type, headers=self.headers
        )

    def post_multipart(self, path: str, data: dict):
        return self.client.post(api_url(path), data, headers=self.headers)

    def _send(self, method: str, path: str, data: Any):
        body = "" if data is None else json.dumps(data)
        return getattr(self.client, method)(
            api_url(path), body, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def anon_api(db):
    return ApiClient()


@pytest.fixture
def agent_api(agent):
    return ApiClient(token_for(agent))


@pytest.fixture
def admin_api(admin):
    return ApiClient(token_for(admin))


@pytest.fixture
def light_api(light_agent):
    return ApiClient(token_for(light_agent))


@pytest.fixture
def other_team_api(other_team_agent):
    return ApiClient(token_for(other_team_agent))


@pytest.fixture
def read_api(agent):
    return ApiClient(token_for(agent, scope=ApiToken.Scope.READ))
