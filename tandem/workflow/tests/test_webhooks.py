"""Webhook deliveries against a local HTTP server: signature, success, retry with back-off."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from tandem.workflow.models import WebhookDelivery
from tandem.workflow.webhooks import BACKOFF, MAX_ATTEMPTS, SIGNATURE_HEADER, deliver_webhook

pytestmark = pytest.mark.django_db


class Receiver(BaseHTTPRequestHandler):
    statuses: list[int] = []
    received: list[tuple[dict, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).statuses.pop(0))
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.statuses, Receiver.received = [], []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def make_delivery(url):
    return WebhookDelivery.objects.create(
        url=url, secret="s3cret", payload={"ticket": {"number": 7}}, next_attempt_at=timezone.now()
    )


def test_signed_post_is_delivered(receiver):
    Receiver.statuses = [204]
    delivery = deliver_webhook(make_delivery(receiver).pk)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 204)
    (headers, body) = Receiver.received[0]
    assert json.loads(body) == {"ticket": {"number": 7}}
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == expected


def test_failure_retries_with_backoff_then_gives_up(receiver):
    Receiver.statuses = [500] * MAX_ATTEMPTS
    delivery = make_delivery(receiver)
    now = timezone.now()
    first = deliver_webhook(delivery.pk, now=now)
    assert (first.state, first.attempts, first.last_error) == ("pending", 1, "HTTP 500")
    assert first.next_attempt_at == now + BACKOFF[0]
    for _ in range(MAX_ATTEMPTS - 1):
        last = deliver_webhook(delivery.pk, now=now)
    assert (last.state, last.attempts, last.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)
    assert deliver_webhook(delivery.pk) is None  # failed for good: no more attempts
    assert len(Receiver.received) == MAX_ATTEMPTS


def test_unreachable_host_is_retried(receiver):
    delivery = make_delivery("http://127.0.0.1:9/closed")
    after = deliver_webhook(delivery.pk, now=timezone.now())
    assert after.state == "pending"
    assert after.attempts == 1
    assert after.last_error
    assert after.next_attempt_at > timezone.now() + dt.timedelta(seconds=30)
