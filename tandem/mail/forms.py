"""Forms of the mailbox settings pages: they parse input, tandem.mail.actions validates."""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.mail.actions import MAX_POLL_SECONDS, MIN_POLL_SECONDS
from tandem.mail.models import Mailbox
from tandem.people.forms import WorkspaceForm
from tandem.people.models import Team, Track

TEMPLATE_HELP = (
    "Django template syntax (built-in tags and filters). Variables: {{ ticket.number }}, "
    "{{ ticket.subject }}, {{ contact.name }}, {{ contact.email }}, {{ mailbox.address }}, "
    "{{ mailbox.display_name }}, and suggested_articles (a list, empty until the knowledge "
    "base exists); for example {{ contact.name|default:'there' }}."
)

IMAP_FIELDS = (
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_user",
    "imap_password",
    "imap_folder",
    "imap_move_to",
    "poll_interval_seconds",
)
# Left empty, these take the model's default (so a form posting only what matters still works).
DEFAULTED = (
    "receive_via",
    "default_track",
    "imap_security",
    "imap_port",
    "imap_folder",
    "poll_interval_seconds",
    "acknowledgement_subject",
    "acknowledgement_body",
    "sender_limit_per_minute",
)
ACKNOWLEDGEMENT_FIELDS = (
    "acknowledge_new_tickets",
    "acknowledgement_subject",
    "acknowledgement_body",
)


class MailboxForm(WorkspaceForm):
    address = forms.EmailField(max_length=254, help_text="The address customers write to.")
    display_name = forms.CharField(
        max_length=120, required=False, help_text="Shown as the sender of the desk's replies."
    )
    receive_via = forms.ChoiceField(
        label="How mail arrives",
        choices=Mailbox.Inbound.choices,
        initial=Mailbox.Inbound.SMTP,
        required=False,
        help_text="SMTP: your mail server delivers to the desk's listener (TANDEM_SMTP_LISTEN). "
        "IMAP: the desk fetches unread mail from a mailbox on your server.",
    )
    default_team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("track", "tier", "name"), required=False, empty_label="—"
    )
    default_track = forms.ChoiceField(choices=Track.choices, initial=Track.SERVICE, required=False)
    use_reply_to = forms.BooleanField(
        required=False, label="Use Reply-To", help_text=Mailbox.use_reply_to.field.help_text
    )
    active = forms.BooleanField(
        required=False,
        initial=True,
        help_text="An inactive mailbox receives nothing: the listener refuses its address and "
        "the poller skips it.",
    )

    imap_host = forms.CharField(label="IMAP server", max_length=255, required=False)
    imap_port = forms.IntegerField(
        label="Port",
        min_value=1,
        max_value=65535,
        required=False,
        initial=993,
        help_text="993 for SSL/TLS, 143 for STARTTLS.",
    )
    imap_security = forms.ChoiceField(
        label="Security",
        choices=Mailbox.Security.choices,
        initial=Mailbox.Security.SSL,
        required=False,
    )
    imap_user = forms.CharField(label="User name", max_length=255, required=False)
    imap_password = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted with the desk's secret key. Left empty, the saved password "
        "is kept. If TANDEM_SECRET_KEY changes, saved passwords can no longer be read and "
        "have to be typed again here.",
    )
    imap_folder = forms.CharField(label="Folder", max_length=255, required=False, initial="INBOX")
    imap_move_to = forms.CharField(
        label="Move fetched mail to",
        max_length=255,
        required=False,
        help_text="An existing folder. Left empty, fetched mail stays where it is, marked seen.",
    )
    poll_interval_seconds = forms.IntegerField(
        label="Poll every (seconds)",
        min_value=MIN_POLL_SECONDS,
        max_value=MAX_POLL_SECONDS,
        required=False,
        initial=60,
        help_text="The poller runs once a minute, so less than 60 polls every minute.",
    )

    acknowledge_new_tickets = forms.BooleanField(
        required=False,
        initial=True,
        label="Acknowledge new tickets",
        help_text="Answer a customer's first message with the acknowledgement below "
        "(never automatic mail, never imported history).",
    )
    acknowledgement_subject = forms.CharField(
        max_length=250,
        required=False,
        initial=Mailbox.acknowledgement_subject.field.default,
        help_text=f"{TEMPLATE_HELP} Left empty, the default subject is used.",
    )
    acknowledgement_body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 7}),
        required=False,
        initial=Mailbox.acknowledgement_body.field.default,
        help_text="The same variables. Left empty, the default text is used.",
    )
    sender_limit_per_minute = forms.IntegerField(
        label="Sender limit (messages a minute)",
        min_value=1,
        required=False,
        initial=20,
        help_text=Mailbox.sender_limit_per_minute.field.help_text,
    )

    @classmethod
    def for_mailbox(cls, mailbox: Mailbox, data=None) -> MailboxForm:
        initial = {
            name: getattr(mailbox, name) for name in cls.base_fields if name != "imap_password"
        }
        initial["default_team"] = mailbox.default_team_id
        form = cls(data, initial=initial)
        if mailbox.imap_password_encrypted:
            form.fields["imap_password"].widget.attrs["placeholder"] = "•••••••• (saved)"
        return form

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in DEFAULTED:
            if name in data and data[name] in (None, ""):
                data[name] = Mailbox._meta.get_field(name).get_default()
        return data

    def action_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    @property
    def general_rows(self) -> list[forms.BoundField]:
        grouped = {*IMAP_FIELDS, *ACKNOWLEDGEMENT_FIELDS}
        return [self[name] for name in self.fields if name not in grouped]

    @property
    def imap_rows(self) -> list[forms.BoundField]:
        return [self[name] for name in IMAP_FIELDS]

    @property
    def acknowledgement_rows(self) -> list[forms.BoundField]:
        return [self[name] for name in ACKNOWLEDGEMENT_FIELDS]
