"""Issuing, checking and revoking API tokens (the token is shown once, only its hash is kept)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from tandem.api.models import ApiToken
from tandem.core.errors import InvalidInput
from tandem.people.models import Agent

TOKEN_PREFIX = "tdm"
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


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
    try:
        # .get(), not .first(): no ORDER BY on the hottest query of the API.
        token = ApiToken.objects.select_related("agent", "agent__user").get(
            prefix=prefix, revoked_at__isnull=True
        )
    except ApiToken.DoesNotExist:
        return None
    if not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    if not token.agent.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def revoke_token(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
