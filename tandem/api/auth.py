"""Bearer-token authentication, and the checks routers make on the token's agent.

A token acts with its agent's rights. Its scope is checked here, once, for every
operation: a read token may only use GET, whatever endpoint it calls.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from tandem.api.models import ApiToken
from tandem.api.tokens import authenticate_token
from tandem.core.errors import NotAllowed
from tandem.people.actors import Actor
from tandem.people.models import Agent

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

MISSING = "Send an API token as 'Authorization: Bearer <token>'."
INVALID = "The API token is not valid: unknown, revoked, or its agent is deactivated."
READ_ONLY = "This token has the read scope; changes need a token with the write scope."


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> ApiToken:
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise AuthenticationError(message=MISSING)
        return self.authenticate(request, raw)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        # At most one query: the token with its agent and user, cached (see tokens.py).
        api_token = authenticate_token(token)
        if api_token is None:
            raise AuthenticationError(message=INVALID)
        if request.method not in READ_METHODS and api_token.scope != ApiToken.Scope.WRITE:
            raise AuthorizationError(message=READ_ONLY)
        return api_token


def agent_of(request: HttpRequest) -> Agent:
    return request.auth.agent


def actor_of(request: HttpRequest) -> Actor:
    return Actor.for_api(request.auth.agent)


def require_full_agent(request: HttpRequest) -> None:
    """Contacts and organizations change only by agents and admins, as in the workspace."""
    if request.auth.agent.role == Agent.Role.LIGHT:
        raise NotAllowed("Light agents can read customers and organizations, not change them.")
