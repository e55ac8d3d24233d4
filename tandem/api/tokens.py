"""Issuing, checking and revoking API tokens (the token is shown once, only its hash is kept).

A token checked in the last CACHE_SECONDS is trusted again without a query: loading it with
its agent and user cost more than the rest of a typical API read. The bound, for security:
saving or deleting any token, agent or user row (a revoke, an agent deactivated or demoted)
empties the cache of the process that saved it at once and again after commit; a change
made in another process (a second web process, `tandem` on the command line) reaches each
process within CACHE_SECONDS.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tandem.api.models import ApiToken
from tandem.core.errors import InvalidInput
from tandem.people.models import Agent

TOKEN_PREFIX = "tdm"
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class _Checked:
    token: ApiToken  # never handed out: each request gets a copy of its own
    expires_at: float  # time.monotonic()


# Keyed by the token's public prefix; plain dict operations are atomic under the GIL.
_checked: dict[str, _Checked] = {}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(
    *, agent: Agent, name: str, scope: str = ApiToken.Scope.WRITE
) -> tuple[ApiToken, str]:
    """Returns the row and the full token, which is never retrievable again."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput.single("name", "may not be empty")
    if scope not in ApiToken.Scope.values:
        raise InvalidInput.single("scope", "must be 'read' or 'write'")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        agent=agent, name=name[:120], prefix=prefix, secret_hash=_hash(secret), scope=scope
    )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


def authenticate_token(raw: str) -> ApiToken | None:
    try:
        kind, prefix, secret = raw.strip().split("_", 2)
    except ValueError:
        return None
    if kind != TOKEN_PREFIX:
        return None
    checked = _checked.get(prefix)
    if checked is None or checked.expires_at <= time.monotonic():
        token = _load_active(prefix)
        if token is None:
            _checked.pop(prefix, None)
            return None
        checked = _Checked(token=token, expires_at=time.monotonic() + CACHE_SECONDS)
        _checked[prefix] = checked
    if not hmac.compare_digest(checked.token.secret_hash, _hash(secret)):
        return None
    _record_use(checked.token)
    return _own_copy(checked.token)


def _load_active(prefix: str) -> ApiToken | None:
    try:
        # .get(), not .first(): no ORDER BY on the hottest query of the API.
        token = ApiToken.objects.select_related("agent", "agent__user").get(
            prefix=prefix, revoked_at__isnull=True
        )
    except ApiToken.DoesNotExist:
        return None
    return token if token.agent.user.is_active else None


def _record_use(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def _own_copy(token: ApiToken) -> ApiToken:
    """The token, its agent and user as fresh objects: a request may cache things on them
    (the agent's team ids) or change them, and concurrent requests share the cached one."""
    user = copy.copy(token.agent.user)
    agent = copy.copy(token.agent)
    agent.user = user
    mine = copy.copy(token)
    mine.agent = agent
    return mine


def forget_checked_tokens(**_signal_kwargs) -> None:
    """Empty the cache now and again after commit, so no request re-caches an old row between
    the two. Connected to saves and deletes of tokens, agents and users (apps.py): changes
    are rare, and a receiver also sees those made outside the actions (the admin site)."""
    _checked.clear()
    transaction.on_commit(_checked.clear)


def forget_all_checked_tokens() -> None:
    """Start from nothing, outside any transaction (tests: no check leaks into the next)."""
    _checked.clear()


@transaction.atomic
def revoke_token(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
