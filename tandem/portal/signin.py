"""The sign-in link logic: random secrets stored only as SHA-256, link URLs, link states.

A link's secret lives only in the mail (or the console); the database holds its hash, so
a leaked table or backup signs nobody in.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from tandem.people.models import Contact
from tandem.portal.models import SignInLink

SECRET_BYTES = 32  # 256 bits; token_urlsafe gives 43 characters
SECRET_PATTERN = r"[A-Za-z0-9_-]{20,100}"


class LinkState(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    UNKNOWN = "unknown"


class LinkRefused(Exception):
    """The link cannot sign anyone in; `state` says why (expired, used, unknown)."""

    def __init__(self, state: LinkState):
        super().__init__(state.value)
        self.state = state


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link_lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=settings.PORTAL_LINK_MAX_AGE_MINUTES)


def link_path(secret: str) -> str:
    return reverse("portal:sign_in_link", kwargs={"secret": secret})


def absolute_url(path: str) -> str:
    return settings.BASE_URL + path


def safe_next_path(raw: str | None) -> str:
    """A path inside the portal to land on after signing in, or "" (never another site)."""
    raw = (raw or "").strip()
    if not raw.startswith("/portal/") or len(raw) > 300:
        return ""
    if "\\" in raw or any(ord(ch) < 32 or ch.isspace() for ch in raw):
        return ""
    if not url_has_allowed_host_and_scheme(raw, allowed_hosts=set(), require_https=False):
        return ""
    return raw


def find_link(secret: str) -> SignInLink | None:
    return (
        SignInLink.objects.select_related("contact").filter(secret_hash=hash_secret(secret)).first()
    )


def link_state(link: SignInLink | None, *, now: dt.datetime | None = None) -> LinkState:
    if link is None:
        return LinkState.UNKNOWN
    if link.used_at is not None:
        return LinkState.USED
    if link.expires_at <= (now or timezone.now()):
        return LinkState.EXPIRED
    return LinkState.VALID


def create_sign_in_url(contact: Contact, next_path: str = "") -> str:
    """A fresh one-time sign-in URL for this contact (for `tandem loginlink` and the demo)."""
    # Imported here because the actions import this module's helpers.
    from tandem.portal.actions import create_sign_in_link

    return create_sign_in_link(contact=contact, next_path=next_path).url
