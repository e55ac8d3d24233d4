"""Getting a notification to its agent: a push to their open pages and, by preference, a mail.

Both happen only after the notification's transaction commits (the mail as an outbox row
written in the same transaction, its send job after commit), so a rolled-back action
notifies nobody.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from tandem.core import live
from tandem.mail.outbox.queueing import queue_agent_notification
from tandem.workflow.models import Notification, NotificationPreference, wants_email

log = logging.getLogger(__name__)


def agent_group(agent_id: int) -> str:
    return f"agent.{agent_id}"


def deliver(notification: Notification) -> None:
    """Inside the notifying transaction: queue the mail if wanted, push after commit."""
    choice = (
        NotificationPreference.objects.filter(agent_id=notification.agent_id)
        .values_list("email", flat=True)
        .first()
    ) or NotificationPreference.DEFAULT_EMAIL
    if wants_email(choice, notification.kind) and notification.agent.email:
        queue_agent_notification(
            ticket=notification.ticket,
            to=notification.agent.email,
            subject=notification.ticket.subject,
            text=email_text(notification),
        )
    if not live.is_quiet():
        agent_id = notification.agent_id
        transaction.on_commit(lambda: push_unread_changed(agent_id))


def email_text(notification: Notification) -> str:
    link = settings.BASE_URL + reverse("tickets:detail", args=[notification.ticket_id])
    lines = [notification.text, ""]
    message = notification.event.message if notification.event_id else None
    if message is not None and message.body:
        lines += [message.body.strip()[:2000], ""]
    lines += [
        f"Open the ticket: {link}",
        "",
        "You get this mail because of your notification settings in Tandem.",
    ]
    return "\n".join(lines) + "\n"


def push_unread_changed(agent_id: int) -> None:
    """Tell the agent's open pages to refresh their bell; best-effort like every live push."""
    layer = get_channel_layer()
    if layer is None:
        return
    group = agent_group(agent_id)
    if isinstance(layer, InMemoryChannelLayer) and not layer.groups.get(group):
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "notifications.changed"})
    except Exception:  # the write has already succeeded; the next page load shows it
        log.warning("could not push notifications of agent %s", agent_id, exc_info=True)
