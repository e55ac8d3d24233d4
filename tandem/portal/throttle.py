"""Rate limits for the portal's public forms (sign-in links, visitor requests), in Django's cache.

Fixed windows counted with cache.add + cache.incr, which are atomic on the local-memory
and Redis caches, so parallel requests cannot slip past the limit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    count: int
    window_seconds: int

    @property
    def window_minutes(self) -> int:
        return max(1, self.window_seconds // 60)


def mail_limit() -> Limit:
    """How many portal mails (sign-in links, request receipts) one address or one IP may cause."""
    return Limit(
        count=settings.PORTAL_MAIL_RATE_LIMIT,
        window_seconds=settings.PORTAL_MAIL_RATE_WINDOW_MINUTES * 60,
    )


def _cache_key(bucket: str, key: str) -> str:
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:40]
    return f"tandem:portal:throttle:{bucket}:{digest}"


def hit(bucket: str, key: str, limit: Limit) -> bool:
    """Count one attempt; False once the window already holds `limit.count` attempts."""
    cache_key = _cache_key(bucket, key)
    cache.add(cache_key, 0, timeout=limit.window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr: this attempt opens a new window
        cache.set(cache_key, 1, timeout=limit.window_seconds)
        count = 1
    return count <= limit.count


def allow_mail(*, email: str, ip: str) -> bool:
    """Count one mail-causing attempt against both the address and the client's IP."""
    limit = mail_limit()
    email_ok = hit("mail-email", email, limit)
    ip_ok = hit("mail-ip", ip or "unknown", limit)
    return email_ok and ip_ok


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites
    # it, and trusting it would let anyone pick a fresh IP per request.
    return request.META.get("REMOTE_ADDR", "") or "unknown"
