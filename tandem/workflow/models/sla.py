"""SLA policies, their targets per priority, and each ticket's SLA clocks."""

from __future__ import annotations

from django.db import models

from tandem.tickets.models import Priority, Ticket


class SlaMetric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


class SlaPolicy(models.Model):
    """An ordered policy; the first active one whose conditions all match a ticket applies.

    conditions: {"plans": [...], "tracks": [...], "priorities": [...], "channels": [...],
    "tags": [...] (any of), "custom_fields": {key: value}}; a missing key matches anything.
    """

    name = models.CharField(max_length=120, unique=True)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    conditions = models.JSONField(default=dict, blank=True)
    pause_when_pending = models.BooleanField(default=True)
    pause_when_on_hold = models.BooleanField(default=True)
    warning_minutes = models.PositiveIntegerField(
        default=30, help_text="An 'SLA warning' event this many minutes before a target is due."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=16, choices=Priority.choices)
    metric = models.CharField(max_length=16, choices=SlaMetric.choices)
    minutes = models.PositiveIntegerField()
    business_hours = models.BooleanField(
        default=True, help_text="Count only the team calendar's open hours (else calendar time)."
    )

    class Meta:
        ordering = ["policy", "priority", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "priority", "metric"], name="sla_target_unique_per_priority"
            ),
            models.CheckConstraint(condition=models.Q(minutes__gt=0), name="sla_target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.priority} {self.metric} {self.minutes} min"


class TicketSla(models.Model):
    """The ticket's SLA clocks under its policy: due, met and breach state per target.

    `next_due_at` is the earliest due time of a running target, indexed for the inbox's
    sort and its "at risk" / "breached" views. While paused, `remaining` keeps each running
    target's business seconds left so that the clock resumes where it stopped.
    """

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="sla"
    )
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_met_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_started_at = models.DateTimeField(null=True, blank=True)
    next_response_met_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolution_met_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    # When the earliest running target enters its warning window: "at risk" from then on.
    at_risk_from = models.DateTimeField(null=True, blank=True)
    # The next instant the periodic check has a warning or a breach to write, indexed so
    # that each minute's check reads only the rows that are due.
    next_alarm_at = models.DateTimeField(null=True, blank=True)
    # The targets applied, {metric: {"minutes": int, "business_hours": bool}}, as the
    # policy said when they were computed.
    targets = models.JSONField(default=dict, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveBigIntegerField(default=0)
    remaining = models.JSONField(default=dict, blank=True)
    # {metric: cycle} of the warnings and breaches already written, so each fires once.
    warned = models.JSONField(default=dict, blank=True)
    breached = models.JSONField(default=dict, blank=True)
    next_response_cycle = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["next_due_at"], name="ticket_sla_next_due"),
            models.Index(fields=["next_alarm_at"], name="ticket_sla_next_alarm"),
        ]

    def __str__(self) -> str:
        return f"SLA of #{self.ticket_id}"
