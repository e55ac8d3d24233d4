"""Webhook calls from rules: a WebhookDelivery row in the rule's transaction, the POST by a Huey
job after commit, retried with back-off; the body is signed with HMAC-SHA256 of the secret."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from functools import partial

from django.db import transaction
from django.utils import timezone

from tandem.tickets.models import Ticket
from tandem.workflow.models import WebhookDelivery

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Tandem-Signature"
# Waits after the 1st, 2nd, ... failed attempt; after the last the delivery is failed.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
MAX_ATTEMPTS = len(BACKOFF) + 1


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def ticket_payload(ticket: Ticket) -> dict:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "track": ticket.track,
        "team": ticket.team_id,
        "assignee": ticket.assignee_id,
        "tags": sorted(ticket.tags.values_list("name", flat=True)),
        "custom_fields": ticket.custom_fields,
    }


def queue_webhook(*, url: str, secret: str, ticket: Ticket, ctx) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(
        url=url,
        secret=secret,
        ticket=ticket,
        payload={
            ctx.kind: {"id": ctx.rule.pk, "name": ctx.rule.name},
            "ticket": ticket_payload(ticket),
            "at": ctx.at.isoformat(),
        },
        next_attempt_at=ctx.at,
        **{ctx.kind: ctx.rule},
    )
    transaction.on_commit(partial(_deliver_after_commit, delivery.pk))
    return delivery


def _deliver_after_commit(delivery_id: int) -> None:
    from tandem.workflow.automation_tasks import deliver_webhook_task

    deliver_webhook_task(delivery_id)


def deliver_webhook(delivery_id: int, *, now: dt.datetime | None = None) -> WebhookDelivery | None:
    """One attempt at a pending delivery; reschedules it with back-off on failure."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, state=WebhookDelivery.State.PENDING)
            .first()
        )
        if delivery is None:
            return None  # delivered, failed for good, or another worker has it
        body = json.dumps(delivery.payload, sort_keys=True).encode()
        request = urllib.request.Request(
            delivery.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Tandem-Webhook/1",
                SIGNATURE_HEADER: signature(delivery.secret, body),
            },
        )
        delivery.attempts += 1
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                delivery.last_status = response.status
            delivery.state = WebhookDelivery.State.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            delivery.last_error = ""
        except urllib.error.HTTPError as error:
            delivery.last_status = error.code
            _failed(delivery, f"HTTP {error.code}", now)
        except (urllib.error.URLError, OSError) as error:
            _failed(delivery, str(getattr(error, "reason", error)), now)
        delivery.save()
    return delivery


def _failed(delivery: WebhookDelivery, reason: str, now: dt.datetime) -> None:
    delivery.last_error = reason[:2000]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = WebhookDelivery.State.FAILED
        delivery.next_attempt_at = None
        log.warning("webhook %s to %s failed for good: %s", delivery.pk, delivery.url, reason)
    else:
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]


def due_deliveries(now: dt.datetime) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
        ).values_list("pk", flat=True)[:500]
    )
