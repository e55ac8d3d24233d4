"""Triggers (rules run on ticket events), automations (rules run on time), their activity log
and the webhook deliveries their actions queue."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tandem.tickets.models import Ticket, TicketEvent


class TriggerEvent(models.TextChoices):
    """What happened to a ticket, as a trigger listens for it (derived from ticket events)."""

    TICKET_CREATED = "ticket_created", "Ticket created"
    CUSTOMER_REPLIED = "customer_replied", "Customer replied"
    AGENT_REPLIED = "agent_replied", "Agent replied"
    NOTE_ADDED = "note_added", "Internal note added"
    STATUS_CHANGED = "status_changed", "Status changed"
    PRIORITY_CHANGED = "priority_changed", "Priority changed"
    ASSIGNED = "assigned", "Assignee or team changed"
    TAGS_CHANGED = "tags_changed", "Tags changed"
    SLA_WARNING = "sla_warning", "SLA warning"
    SLA_BREACHED = "sla_breached", "SLA breached"


class Trigger(models.Model):
    """An ordered rule: on one of `events`, if `conditions` hold, run `actions`.

    conditions: {"all": [condition, ...], "any": [condition, ...]} with each condition
    {"field": ..., "op": ..., "value": ...} (docs/triggers.md lists them);
    actions: [{"type": "set_fields", ...}, ...].
    """

    name = models.CharField(max_length=120, unique=True)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    events = models.JSONField(default=list, help_text="TriggerEvent values this trigger runs on.")
    conditions = models.JSONField(default=dict, blank=True)
    actions = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["active", "position"], name="trigger_active_pos")]

    def __str__(self) -> str:
        return self.name


class TimeCondition(models.TextChoices):
    """What an automation waits for; each is one indexed range query on the ticket table."""

    STATUS_FOR = "status_for", "In a status with no activity for"
    SOLVED_FOR = "solved_for", "Solved for"
    UNASSIGNED_FOR = "unassigned_for", "Unsolved and unassigned with no activity for"


class Automation(models.Model):
    """An ordered rule run by a periodic job: tickets that met `time_condition` for
    `minutes` (counted in the team's business hours if `business_hours`) and `conditions`
    get `actions`, once per ticket per period (a period starts at the timestamp counted from)."""

    name = models.CharField(max_length=120, unique=True)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    time_condition = models.CharField(max_length=16, choices=TimeCondition.choices)
    status = models.CharField(
        max_length=16, blank=True, help_text="For 'status_for': the status the ticket sits in."
    )
    minutes = models.PositiveIntegerField()
    business_hours = models.BooleanField(default=False)
    conditions = models.JSONField(default=dict, blank=True)
    actions = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="automation_minutes_positive")
        ]

    def __str__(self) -> str:
        return self.name


class RulesVersion(models.Model):
    """One row whose token changes with every write to a trigger or automation.

    Each process caches the compiled active rules (rule_cache.py) and compares this token
    once per event: a trigger edited in the web process is seen by the job worker on its
    next event. A random token, not a counter, so a rolled-back write can never be
    mistaken for a later one that happened to reach the same number.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"rules version {self.token} ({self.changed_at:%Y-%m-%d %H:%M:%S})"


class TriggerRun(models.Model):
    """The activity log: one row each time a trigger or automation fired (or was dry-run)."""

    trigger = models.ForeignKey(
        Trigger, null=True, blank=True, on_delete=models.CASCADE, related_name="runs"
    )
    automation = models.ForeignKey(
        Automation, null=True, blank=True, on_delete=models.CASCADE, related_name="runs"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="trigger_runs")
    event = models.ForeignKey(
        TicketEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_type = models.CharField(max_length=32, blank=True)
    ran_at = models.DateTimeField()
    changes = models.JSONField(default=list, blank=True, help_text="What each action did.")
    dry_run = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    period_start = models.DateTimeField(
        null=True, blank=True, help_text="Automations: when the time condition started counting."
    )

    class Meta:
        ordering = ["-ran_at", "-id"]
        indexes = [
            models.Index(fields=["trigger", "ran_at"], name="trun_trigger"),
            models.Index(fields=["automation", "ran_at"], name="trun_automation"),
            models.Index(fields=["ticket", "ran_at"], name="trun_ticket"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(trigger__isnull=True) ^ Q(automation__isnull=True),
                name="trun_one_rule",
            ),
            # An automation acts once per ticket per period, however often the job runs.
            models.UniqueConstraint(
                fields=["automation", "ticket", "period_start"],
                condition=Q(automation__isnull=False, dry_run=False),
                name="trun_automation_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} on #{self.ticket_id} at {self.ran_at:%Y-%m-%d %H:%M}"

    @property
    def rule(self) -> Trigger | Automation:
        return self.trigger or self.automation


class WebhookDelivery(models.Model):
    """A webhook call a rule asked for: a row in the rule's transaction, the POST after commit."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    trigger = models.ForeignKey(
        Trigger, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automation = models.ForeignKey(
        Automation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    url = models.URLField(max_length=2000)
    secret = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_due")]

    def __str__(self) -> str:
        return f"Webhook {self.url} ({self.state})"
