"""Who is involved: customers (contacts, organizations, identities), agents and teams."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Track(models.TextChoices):
    SERVICE = "service", "Service"
    SUPPORT = "support", "Support"


class Organization(models.Model):
    name = models.CharField(max_length=200)
    domains = models.JSONField(
        default=list, blank=True, help_text="Mail domains whose senders belong here."
    )
    shares_requests = models.BooleanField(
        default=False, help_text="Members see each other's requests in the portal."
    )
    plan = models.CharField(max_length=60, blank=True)
    notes = models.TextField(blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(Lower("name"), name="org_lower_name")]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A customer. `email` mirrors the primary email identity for cheap lists and lookups."""

    class Lifecycle(models.TextChoices):
        LEAD = "lead", "Lead"
        CUSTOMER = "customer", "Customer"
        CHURNED = "churned", "Churned"

    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, blank=True, db_index=True)
    # No index of its own: contact_org_name leads with it.
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        db_index=False,
    )
    lifecycle = models.CharField(
        max_length=16, choices=Lifecycle.choices, default=Lifecycle.CUSTOMER
    )
    plan = models.CharField(max_length=60, blank=True)
    language = models.CharField(max_length=16, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    notes = models.TextField(blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["organization", "name"], name="contact_org_name"),
            # Name search is a case-blind prefix match ordered by name.
            models.Index(Lower("name"), "id", name="contact_lower_name"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email or f"Contact {self.pk}"


class ContactIdentity(models.Model):
    """One way to reach a contact; (kind, value) is unique so a sender maps to one person."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        CHAT = "chat", "Chat visitor"
        TWITTER = "twitter", "X / Twitter"
        FACEBOOK = "facebook", "Facebook"
        WHATSAPP = "whatsapp", "WhatsApp"
        OTHER = "other", "Other"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=254, help_text="Normalised: emails lower-cased.")
    is_primary = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_value"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class Team(models.Model):
    class Assignment(models.TextChoices):
        MANUAL = "manual", "Manual: agents take tickets"
        ROUND_ROBIN = "round_robin", "Round robin"
        LEAST_LOADED = "least_loaded", "Least loaded"

    name = models.CharField(max_length=120, unique=True)
    track = models.CharField(max_length=16, choices=Track.choices, default=Track.SERVICE)
    tier = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Support teams only: escalation tier 1, 2 or 3."
    )
    description = models.TextField(blank=True)
    calendar = models.ForeignKey(
        "core.Calendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams",
        help_text="Business hours for SLA targets and business-time metrics; none means 24/7.",
    )
    assignment_strategy = models.CharField(
        max_length=16, choices=Assignment.choices, default=Assignment.MANUAL
    )
    reassign_when_offline = models.BooleanField(
        default=False,
        help_text="When an agent goes offline, their new unanswered tickets go to someone else.",
    )
    # Round robin's pointer: read and moved under a row lock on the team.
    last_assigned_agent = models.ForeignKey(
        "Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["track", "tier", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tier__isnull=True) | models.Q(tier__in=[1, 2, 3]),
                name="team_tier_1_to_3",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A desk user. Roles: admin (settings too), agent, light agent (internal notes only)."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        AGENT = "agent", "Agent"
        LIGHT = "light", "Light agent"

    class Access(models.TextChoices):
        ALL = "all", "All tickets"
        TEAMS = "teams", "Tickets of their teams"

    class Availability(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"
        OFFLINE = "offline", "Offline"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True)
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.AGENT)
    ticket_access = models.CharField(
        max_length=8,
        choices=Access.choices,
        default=Access.ALL,
        help_text="Light agents always see only their teams' tickets.",
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="agents")
    signature = models.TextField(blank=True)
    availability = models.CharField(
        max_length=8, choices=Availability.choices, default=Availability.OFFLINE
    )
    last_active_at = models.DateTimeField(null=True, blank=True)
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most open tickets assigned at once; empty: no limit."
    )
    skills = models.JSONField(
        default=list, blank=True, help_text="Languages and products, e.g. ['de', 'mobile-app']."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.user.is_active

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def can_reply_publicly(self) -> bool:
        return self.role != self.Role.LIGHT

    @property
    def sees_all_tickets(self) -> bool:
        return self.role == self.Role.ADMIN or (
            self.role == self.Role.AGENT and self.ticket_access == self.Access.ALL
        )
