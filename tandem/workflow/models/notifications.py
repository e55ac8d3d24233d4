"""Agents hearing about tickets: in-app notifications, followed tickets, their email choice."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tandem.people.models import Agent
from tandem.tickets.models import Ticket, TicketEvent

__all__ = [
    "AgentFollow",
    "EmailChoice",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "wants_email",
]


class NotificationKind(models.TextChoices):
    MENTIONED = "mentioned", "Mentioned you"
    ASSIGNED = "assigned", "Assigned to you"
    FOLLOWED_UPDATE = "followed_update", "Update on a ticket you follow"
    RULE = "rule", "A trigger or automation notified you"


class Notification(models.Model):
    """One thing an agent should know about; unread until they open it or mark it read."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notifications")
    event = models.ForeignKey(
        TicketEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell's list: one agent's notifications, newest first.
            models.Index(fields=["agent", "created_at", "id"], name="notif_agent_created"),
            # The bell's count: only the few unread rows are in this index.
            models.Index(fields=["agent"], condition=Q(read_at__isnull=True), name="notif_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.agent_id} on #{self.ticket_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class AgentFollow(models.Model):
    """An agent follows a ticket: they hear of its new messages (set by hand, by replying, by
    being assigned)."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="follows")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="agent_follows")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "agent"], name="agent_follow_once"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} follows #{self.ticket_id}"


class EmailChoice(models.TextChoices):
    NONE = "none", "No email"
    MENTIONS = "mentions", "Only when I am mentioned or a rule notifies me"
    ALL = "all", "Every notification"


class NotificationPreference(models.Model):
    """Which notifications also reach an agent by email; no row means the default."""

    DEFAULT_EMAIL = EmailChoice.MENTIONS

    agent = models.OneToOneField(
        Agent, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(max_length=16, choices=EmailChoice.choices, default=DEFAULT_EMAIL)

    def __str__(self) -> str:
        return f"{self.agent_id}: {self.email}"

    def wants_email(self, kind: str) -> bool:
        return wants_email(self.email, kind)


def wants_email(choice: str, kind: str) -> bool:
    if choice == EmailChoice.ALL:
        return True
    # A rule naming an agent is as deliberate as a mention (an SLA breach, a VIP's ticket).
    return choice == EmailChoice.MENTIONS and kind in (
        NotificationKind.MENTIONED,
        NotificationKind.RULE,
    )
