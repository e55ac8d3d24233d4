"""Routing rules (ordered conditions -> team, track, priority, tags, skill) and each ticket's
routing state: which rule routed it, the skills it needs, and whether it waits for an agent."""

from __future__ import annotations

from django.db import models

from tandem.people.models import Team, Track


class RoutingRule(models.Model):
    """Evaluated in `position` order on every new ticket; the first active match wins."""

    class Priority(models.TextChoices):
        # The ticket priorities; repeated here so workflow does not import tickets' models.
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    name = models.CharField(max_length=120, unique=True)
    position = models.PositiveIntegerField(default=0, db_index=True)
    active = models.BooleanField(default=True)
    conditions = models.JSONField(
        default=dict, blank=True, help_text='{"match": "all"|"any", "rules": [...]}'
    )
    set_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="routing_rules"
    )
    set_track = models.CharField(max_length=16, choices=Track.choices, blank=True)
    set_priority = models.CharField(max_length=8, choices=Priority.choices, blank=True)
    add_tags = models.JSONField(default=list, blank=True)
    require_skill = models.CharField(
        max_length=60, blank=True, help_text="Only agents with this skill are assigned the ticket."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class TicketRouting(models.Model):
    """What routing decided for one ticket; `waiting_for` says why nobody is assigned yet."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="routing"
    )
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    required_skills = models.JSONField(default=list, blank=True)
    waiting_for = models.CharField(max_length=200, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["waiting_since"], name="routing_waiting")]

    def __str__(self) -> str:
        return f"routing of #{self.ticket_id}"


__all__ = ["RoutingRule", "TicketRouting"]
