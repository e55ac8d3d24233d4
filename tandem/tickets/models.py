"""Conversations: tickets, messages, attachments, tags, links and the append-only event log."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tandem.core.sanitize import text_to_html
from tandem.people.models import Agent, Contact, Organization, Team, Track


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    ON_HOLD = "on_hold", "On hold"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


UNSOLVED_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    PORTAL = "portal", "Portal"
    WEB = "web", "Agent workspace"
    API = "api", "API"
    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone"
    SOCIAL = "social", "Social"


class Tag(models.Model):
    name = models.SlugField(max_length=64, unique=True, allow_unicode=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """A conversation. Its `number` is its primary key: unique, gap-tolerant and free under load."""

    number = models.BigAutoField(primary_key=True)
    subject = models.CharField(max_length=250)
    track = models.CharField(max_length=16, choices=Track.choices, default=Track.SERVICE)
    category = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    # Mirrors status in UNSOLVED_STATUSES. It exists for the indexes: "all open", "my open"
    # and "team open" become one index range in updated_at order instead of a four-way IN
    # that would have to be sorted. Only set_status writes it.
    unsolved = models.BooleanField(default=True)
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    # No index of their own: tk_contact_created and tk_org_created lead with them.
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_index=False,
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    followers = models.ManyToManyField(Contact, blank=True, related_name="followed_tickets")
    custom_fields = models.JSONField(default=dict, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )
    followup_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followups"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_reply_at = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-updated_at", "-number"]
        # Every inbox view is "some filter, newest activity first": each index ends in
        # (updated_at, number) so keyset pages are index range scans at any size. The
        # unsolved views use partial indexes: SQLite cannot seek on a bare boolean column,
        # and the partial index holds only the few open tickets (ADR 0002).
        indexes = [
            models.Index(
                fields=["updated_at", "number"], condition=Q(unsolved=True), name="tk_open_upd"
            ),
            models.Index(
                fields=["assignee", "updated_at", "number"],
                condition=Q(unsolved=True),
                name="tk_open_assignee_upd",
            ),
            models.Index(
                fields=["team", "updated_at", "number"],
                condition=Q(unsolved=True),
                name="tk_open_team_upd",
            ),
            models.Index(
                fields=["track", "updated_at", "number"],
                condition=Q(unsolved=True),
                name="tk_open_track_upd",
            ),
            models.Index(fields=["status", "updated_at", "number"], name="tk_status_upd"),
            models.Index(fields=["updated_at", "number"], name="tk_upd"),
            models.Index(fields=["contact", "created_at"], name="tk_contact_created"),
            models.Index(fields=["organization", "created_at"], name="tk_org_created"),
            models.Index(fields=["created_at"], name="tk_created"),
            models.Index(fields=["solved_at"], name="tk_solved"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_unsolved(self) -> bool:
        return self.status in UNSOLVED_STATUSES


class Message(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        INTERNAL = "internal", "Internal note"

    class AuthorKind(models.TextChoices):
        CONTACT = "contact", "Customer"
        AGENT = "agent", "Agent"
        SYSTEM = "system", "System"
        BOT = "bot", "Bot"

    class Delivery(models.TextChoices):
        NONE = "", "Not sent"
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"

    # No index of its own: msg_ticket_created leads with it.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    author_kind = models.CharField(max_length=8, choices=AuthorKind.choices)
    author_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    author_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    body = models.TextField(help_text="Plain text: the new part of the message.")
    html = models.TextField(
        blank=True,
        help_text="Sanitised HTML of a message sent as HTML; empty for plain text.",
    )
    quoted = models.TextField(blank=True, help_text="Quoted history and signature, if split off.")
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    delivery_status = models.CharField(
        max_length=8, choices=Delivery.choices, default=Delivery.NONE, blank=True
    )
    delivery_detail = models.TextField(blank=True)
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="msg_ticket_created")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(author_kind="contact", visibility="internal"),
                name="msg_customers_never_write_notes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_author_kind_display()} message on #{self.ticket_id}"

    def display_html(self) -> str:
        """The message as HTML: its own (sanitised when stored), or its plain-text body rendered.

        Plain text is rendered when shown instead of when stored: a text mail then costs one
        copy of its text, not two (the HTML copy of a long text is the larger, every `<`
        escaped), and the view shows its new text with the quoted rest folded away.
        """
        return self.html or text_to_html(self.body)

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def is_public_agent_reply(self) -> bool:
        """The METRICS.md notion: a human agent, visible to the customer."""
        return self.is_public and self.author_kind == self.AuthorKind.AGENT

    @property
    def author_name(self) -> str:
        if self.author_agent_id:
            return self.author_agent.name
        if self.author_contact_id:
            return self.author_contact.display_name
        return self.get_author_kind_display()


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random folder per file: names never collide and cannot be guessed.
    return f"attachments/{instance.token}/{filename}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=attachment_path, max_length=400)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=200, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    content_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class TicketLink(models.Model):
    class Kind(models.TextChoices):
        RELATED = "related", "Related"
        FOLLOWUP = "followup", "Follow-up"

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RELATED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="link_unique_pair"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="link_not_self"),
        ]

    def __str__(self) -> str:
        return f"#{self.source_id} {self.kind} #{self.target_id}"


class TicketEvent(models.Model):
    """Append-only: one row per thing that happened to a ticket. Metrics are computed from here."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        MESSAGE_ADDED = "message_added", "Message added"
        STATUS_CHANGED = "status_changed", "Status changed"
        PRIORITY_CHANGED = "priority_changed", "Priority changed"
        ASSIGNEE_CHANGED = "assignee_changed", "Assignee changed"
        TEAM_CHANGED = "team_changed", "Team changed"
        TRACK_CHANGED = "track_changed", "Track changed"
        SUBJECT_CHANGED = "subject_changed", "Subject changed"
        CATEGORY_CHANGED = "category_changed", "Category changed"
        TAGS_CHANGED = "tags_changed", "Tags changed"
        CUSTOM_FIELDS_CHANGED = "custom_fields_changed", "Custom fields changed"
        REQUESTER_CHANGED = "requester_changed", "Requester changed"
        ESCALATED = "escalated", "Escalated"
        MERGED = "merged", "Merged into another ticket"
        MERGED_IN = "merged_in", "Another ticket merged in"
        LINKED = "linked", "Linked"
        UNLINKED = "unlinked", "Unlinked"
        FOLLOWUP_CREATED = "followup_created", "Follow-up created"
        FOLLOWER_ADDED = "follower_added", "Follower added"
        # Workflow: every automatic decision is an event with its reason in `data`.
        SLA_APPLIED = "sla_applied", "SLA policy applied"
        SLA_WARNING = "sla_warning", "SLA warning"
        SLA_BREACHED = "sla_breached", "SLA breached"
        SLA_MET = "sla_met", "SLA target met"
        ROUTED = "routed", "Routed"
        DE_ESCALATED = "de_escalated", "De-escalated"
        TRIGGER_FIRED = "trigger_fired", "Trigger fired"
        AUTOMATION_FIRED = "automation_fired", "Automation fired"
        MENTIONED = "mentioned", "Agent mentioned"

    class ActorKind(models.TextChoices):
        AGENT = "agent", "Agent"
        CONTACT = "contact", "Customer"
        SYSTEM = "system", "System"
        API = "api", "API"

    # No index of its own: ev_ticket_created leads with it.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor_kind = models.CharField(max_length=8, choices=ActorKind.choices)
    actor_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    data = models.JSONField(default=dict, blank=True, help_text='{"from": ..., "to": ...} etc.')
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="ev_ticket_created"),
            models.Index(fields=["kind", "created_at"], name="ev_kind_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.ticket_id}"
