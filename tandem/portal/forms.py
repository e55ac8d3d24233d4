"""The portal's forms: they parse and check shape; the actions decide what is allowed."""

from __future__ import annotations

from django import forms
from django.conf import settings

from tandem.core.errors import InvalidInput
from tandem.tickets.actions import IncomingFile


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more uploaded files from one `<input type=file multiple>`."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        clean_one = super().clean
        if isinstance(data, list | tuple):
            return [clean_one(item, initial) for item in data if item]
        return [clean_one(data, initial)] if data else []


def attachment_help() -> str:
    limit_mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    return f"Up to {settings.ATTACHMENT_MAX_COUNT} files, {limit_mb} MB each."


def _sentence(fragment: str) -> str:
    """Capitalise a fragment like 'may not be empty'; leave 'report.pdf is larger...' alone."""
    first, _, _ = fragment.partition(" ")
    if first.isalpha() and first.islower():
        return fragment[:1].upper() + fragment[1:]
    return fragment


class ActionErrorsMixin:
    """Puts an action's InvalidInput on the form, each error on the field it names."""

    # action field name -> form field name
    action_fields: dict[str, str] = {}

    def add_action_errors(self, error: InvalidInput) -> None:
        for item in error.errors:
            name = item.field.split("[", 1)[0]
            field = self.action_fields.get(name, name)
            self.add_error(field if field in self.fields else None, _sentence(item.message))

    def incoming_files(self) -> list[IncomingFile]:
        return [IncomingFile.from_upload(f) for f in self.cleaned_data.get("attachments") or []]


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=300)


class RequestForm(ActionErrorsMixin, forms.Form):
    action_fields = {"body": "description"}

    subject = forms.CharField(label="Subject", max_length=250)
    description = forms.CharField(
        label="Description",
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What happened, what you expected, and anything you already tried.",
    )
    attachments = MultipleFileField(label="Attachments")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachment_help()


class VisitorRequestForm(RequestForm):
    """The same request, from someone without a portal session."""

    field_order = ["name", "email", "subject", "description", "attachments"]

    name = forms.CharField(
        label="Your name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="We send our answers and a link to follow your request here.",
    )


class ReplyForm(ActionErrorsMixin, forms.Form):
    action_fields = {"body": "body"}

    body = forms.CharField(
        label="Your reply",
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = MultipleFileField(label="Attachments")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachment_help()

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("body") or "").strip() and not cleaned.get("attachments"):
            self.add_error("body", "Write a message or attach a file.")
        return cleaned
