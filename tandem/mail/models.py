"""The email channel's tables: mailboxes, raw inbound mail (kept before anything else), outbox."""

from __future__ import annotations

from django.db import models

from tandem.people.models import Team, Track
from tandem.tickets.models import Message, Ticket


class Mailbox(models.Model):
    """An address customers write to, and how its mail reaches the desk."""

    class Inbound(models.TextChoices):
        SMTP = "smtp", "SMTP listener (mail is delivered to the desk)"
        IMAP = "imap", "IMAP (the desk fetches mail)"
        NONE = "none", "Outbound only"

    class Security(models.TextChoices):
        SSL = "ssl", "SSL/TLS"
        STARTTLS = "starttls", "STARTTLS"
        NONE = "none", "None (local test servers only)"

    address = models.EmailField(unique=True)
    display_name = models.CharField(max_length=120, blank=True)
    default_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="mailboxes"
    )
    default_track = models.CharField(max_length=16, choices=Track.choices, default=Track.SERVICE)
    receive_via = models.CharField(max_length=8, choices=Inbound.choices, default=Inbound.SMTP)
    use_reply_to = models.BooleanField(
        default=False, help_text="Take the customer from Reply-To when a message has one."
    )
    active = models.BooleanField(default=True)

    imap_host = models.CharField(max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_security = models.CharField(max_length=8, choices=Security.choices, default=Security.SSL)
    imap_user = models.CharField(max_length=255, blank=True)
    imap_password_encrypted = models.TextField(blank=True)
    imap_folder = models.CharField(max_length=255, default="INBOX")
    imap_move_to = models.CharField(
        max_length=255, blank=True, help_text="Move fetched mail here; empty marks it seen."
    )
    poll_interval_seconds = models.PositiveIntegerField(default=60)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_poll_error = models.TextField(blank=True)
    # Whether the IMAP server advertised IDLE when a watcher last connected (None: not known
    # yet). With IDLE a watcher waits for mail; without it the minute poller fetches it.
    imap_uses_idle = models.BooleanField(null=True, default=None)

    acknowledge_new_tickets = models.BooleanField(default=True)
    acknowledgement_subject = models.CharField(
        max_length=250, default="[#{{ ticket.number }}] We received your request"
    )
    acknowledgement_body = models.TextField(
        default=(
            "Hello {{ contact.name|default:'there' }},\n\n"
            "Thanks for writing to us. Your request #{{ ticket.number }} "
            '("{{ ticket.subject }}") has reached our team; we will answer as soon as we can.\n'
            "Reply to this message to add anything.\n"
        )
    )
    sender_limit_per_minute = models.PositiveIntegerField(
        default=20, help_text="More messages than this from one sender in a minute are held."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["address"]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.address}>" if self.display_name else self.address


class InboundMail(models.Model):
    """One received message, bytes as received, written before any processing.

    A row is never deleted by processing: it ends processed, quarantined (with a reason,
    retryable), held (sender over the rate limit, for review), ignored (our own mail
    coming back, a duplicate) or dismissed by an admin.
    """

    class Source(models.TextChoices):
        SMTP = "smtp", "SMTP"
        IMAP = "imap", "IMAP"
        IMPORT = "import", "Import"

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        QUARANTINED = "quarantined", "Quarantined"
        HELD = "held", "Held for review"
        IGNORED = "ignored", "Ignored"
        DISMISSED = "dismissed", "Dismissed"

    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    envelope_from = models.CharField(max_length=998, blank=True)
    envelope_to = models.JSONField(default=list, blank=True)
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=250, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    reason = models.TextField(blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mail"
    )
    ticket_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mail"
    )
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "received_at"], name="inbound_state_received"),
            models.Index(fields=["from_address", "received_at"], name="inbound_sender_received"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} mail {self.message_id or self.pk} ({self.state})"

    @property
    def raw(self) -> bytes:
        """The bytes as received (their own row: see InboundRaw); select_related("raw_copy")
        reads them with the row."""
        return bytes(self.raw_copy.raw)


class InboundRaw(models.Model):
    """The bytes of one InboundMail as received, written in the same transaction as its row.

    Apart from the row because SQLite rewrites a whole row, blob included, on every UPDATE,
    and an inbound row is updated at least twice (its attempt, its outcome): with the bytes
    beside the state, every message was written to disk three times.
    """

    inbound = models.OneToOneField(
        InboundMail, primary_key=True, on_delete=models.CASCADE, related_name="raw_copy"
    )
    raw = models.BinaryField()

    def __str__(self) -> str:
        return f"bytes of inbound mail {self.inbound_id}"


class OutboundMail(models.Model):
    """One mail the desk sends: a row first, a job second, so a crash never loses or doubles it."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Agent reply"
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
        NOTIFICATION = "notification", "Notification"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="outbound_mail")
    ticket_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="outbound_mail"
    )
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.REPLY)
    automatic = models.BooleanField(
        default=False, help_text="Sent without an agent: carries Auto-Submitted."
    )
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=998)
    message_id = models.CharField(max_length=998, unique=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    text = models.TextField(
        blank=True, help_text="The body of a mail with no ticket message (an agent notification)."
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbound_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for #{self.ticket_id} ({self.state})"
