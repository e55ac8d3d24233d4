"""Forms of the contact, organization, agent and team pages: they parse input, actions validate."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal
from functools import cache
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from tandem.core.errors import InvalidInput
from tandem.core.models import CustomField
from tandem.people.models import Agent, Contact, ContactIdentity, Team, Track
from tandem.people.queries import is_last_active_admin, organization_choices


class WorkspaceForm(forms.Form):
    """Rows with a bad value get the class `error`, required ones `required`."""

    error_css_class = "error"
    required_css_class = "required"


def add_action_errors(
    form: forms.Form, error: InvalidInput, *, fields: dict[str, str] | None = None
) -> None:
    """Show each FieldError of an action next to its form field, or above the form."""
    for item in error.errors:
        name = (fields or {}).get(item.field, item.field)
        if name.startswith("custom_fields."):
            name = custom_field_name(name.partition(".")[2])
        if name in form.fields:
            form.add_error(name, item.message)
        else:
            label = item.field.replace("_", " ").capitalize()
            form.add_error(None, f"{label}: {item.message}")


# --- typed custom fields ----------------------------------------------------------------------


def custom_field_name(key: str) -> str:
    return f"cf_{key}"


def custom_form_field(definition: CustomField) -> forms.Field:
    """A form field of the definition's type; the action's clean_custom_fields has the last word."""
    kind = definition.kind
    common: dict[str, Any] = {"label": definition.label, "required": definition.required}
    if kind == CustomField.Kind.NUMBER:
        return forms.DecimalField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if kind == CustomField.Kind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == CustomField.Kind.CHOICE:
        choices = [("", "—")] + [(c, c) for c in definition.choices]
        return forms.ChoiceField(choices=choices, **common)
    if kind == CustomField.Kind.CHECKBOX:
        # A required checkbox would mean "must be ticked", which no admin means.
        return forms.BooleanField(label=definition.label, required=False)
    return forms.CharField(max_length=1000, **common)


class CustomFieldsForm(WorkspaceForm):
    """Adds one typed field per active definition after the form's own fields."""

    def __init__(self, *args, definitions=(), current: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = list(definitions)
        current = current or {}
        for definition in self.definitions:
            name = custom_field_name(definition.key)
            self.fields[name] = custom_form_field(definition)
            value = current.get(definition.key)
            stale = value not in (None, "") and value not in definition.choices
            if definition.kind == CustomField.Kind.CHOICE and stale:
                # Kept visible so saving says it is no longer offered instead of dropping it.
                field = self.fields[name]
                field.choices = [*field.choices, (value, f"{value} (no longer offered)")]
            self.initial.setdefault(name, value)

    @property
    def custom_field_rows(self) -> list[forms.BoundField]:
        return [self[custom_field_name(d.key)] for d in self.definitions]

    @property
    def own_field_rows(self) -> list[forms.BoundField]:
        custom = {custom_field_name(d.key) for d in self.definitions}
        return [self[name] for name in self.fields if name not in custom]

    def custom_field_values(self) -> dict[str, Any]:
        """{key: value} for every definition; None clears a value."""
        values: dict[str, Any] = {}
        for definition in self.definitions:
            value = self.cleaned_data.get(custom_field_name(definition.key))
            if isinstance(value, Decimal):
                value = str(value)
            values[definition.key] = None if value in (None, "") else value
        return values


# --- contacts and organizations ---------------------------------------------------------------


@cache
def _time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


class OrganizationPicker(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=organization_choices(), required=False, empty_label="—", **kwargs)


class NewContactForm(WorkspaceForm):
    name = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(max_length=254, required=False)
    organization = OrganizationPicker(
        help_text="Left empty, a contact whose email domain belongs to an organization joins it."
    )

    def action_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments: dict[str, Any] = {"name": data["name"], "email": data["email"] or None}
        if data["organization"] is not None:
            arguments["organization"] = data["organization"]
        return arguments


class ContactForm(CustomFieldsForm):
    name = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(
        max_length=254,
        required=False,
        help_text="The primary email. To drop an address, remove its identity on the profile.",
    )
    organization = OrganizationPicker()
    lifecycle = forms.ChoiceField(choices=Contact.Lifecycle.choices)
    plan = forms.CharField(max_length=60, required=False)
    language = forms.CharField(max_length=16, required=False, help_text="For example en or pt-BR.")
    time_zone = forms.ChoiceField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = _time_zones()
        current = self.initial.get("time_zone") or ""
        extra = [(current, current)] if current and current not in zones else []
        self.fields["time_zone"].choices = [("", "—"), *extra, *((z, z) for z in zones)]

    @classmethod
    def for_contact(cls, contact: Contact, definitions, data=None) -> ContactForm:
        initial = {
            "name": contact.name,
            "email": contact.email,
            "organization": contact.organization_id,
            "lifecycle": contact.lifecycle,
            "plan": contact.plan,
            "language": contact.language,
            "time_zone": contact.time_zone,
            "notes": contact.notes,
        }
        return cls(data, initial=initial, definitions=definitions, current=contact.custom_fields)

    def action_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            # An empty email box leaves the address alone; identities are removed one by one.
            "email": data["email"] or None,
            "custom_fields": self.custom_field_values(),
            **{
                name: data[name]
                for name in (
                    "name",
                    "organization",
                    "lifecycle",
                    "plan",
                    "language",
                    "time_zone",
                    "notes",
                )
            },
        }


class IdentityForm(WorkspaceForm):
    kind = forms.ChoiceField(choices=ContactIdentity.Kind.choices)
    value = forms.CharField(max_length=254)


class OrganizationForm(CustomFieldsForm):
    name = forms.CharField(max_length=200)
    domains = forms.CharField(
        max_length=2000,
        required=False,
        help_text="Mail domains, separated by spaces or commas; new senders from them join.",
    )
    shares_requests = forms.BooleanField(
        required=False, help_text="Members see each other's requests in the portal."
    )
    plan = forms.CharField(max_length=60, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    @classmethod
    def for_organization(cls, organization, definitions, data=None) -> OrganizationForm:
        initial = {
            "name": organization.name,
            "domains": " ".join(organization.domains),
            "shares_requests": organization.shares_requests,
            "plan": organization.plan,
            "notes": organization.notes,
        }
        return cls(
            data, initial=initial, definitions=definitions, current=organization.custom_fields
        )

    def action_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "custom_fields": self.custom_field_values(),
            **{
                name: data[name] for name in ("name", "domains", "shares_requests", "plan", "notes")
            },
        }


# --- agents and teams (settings) ------------------------------------------------------------


def _team_picker() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("track", "tier", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AgentCreateForm(WorkspaceForm):
    email = forms.EmailField(max_length=254, help_text="They sign in with this address.")
    name = forms.CharField(
        max_length=200, required=False, help_text="Left empty, the part of the email before the @."
    )
    role = forms.ChoiceField(choices=Agent.Role.choices, initial=Agent.Role.AGENT)
    ticket_access = forms.ChoiceField(
        choices=Agent.Access.choices,
        initial=Agent.Access.ALL,
        help_text="Light agents always see only their teams' tickets.",
    )
    teams = _team_picker()
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Left empty, a password is generated and shown once on the next page.",
    )

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password") or ""
        if password:
            validate_password(password)
        return password


class AgentEditForm(WorkspaceForm):
    name = forms.CharField(max_length=200)
    role = forms.ChoiceField(choices=Agent.Role.choices)
    ticket_access = forms.ChoiceField(
        choices=Agent.Access.choices,
        help_text="Light agents always see only their teams' tickets.",
    )
    teams = _team_picker()
    signature = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, agent: Agent, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": agent.name,
                "role": agent.role,
                "ticket_access": agent.ticket_access,
                "teams": list(agent.teams.all()),
                "signature": agent.signature,
            },
        )
        super().__init__(*args, **kwargs)
        self.agent = agent

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]
        if role != Agent.Role.ADMIN and is_last_active_admin(self.agent):
            raise forms.ValidationError(
                "This is the desk's last active admin: make another agent an admin first."
            )
        return role


TIER_CHOICES = [("", "—"), ("1", "Tier 1"), ("2", "Tier 2"), ("3", "Tier 3")]


class TeamForm(WorkspaceForm):
    name = forms.CharField(max_length=120)
    track = forms.ChoiceField(choices=Track.choices)
    tier = forms.TypedChoiceField(
        choices=TIER_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Support teams only (escalation goes 1 → 2 → 3); a new support team "
        "without one starts at tier 1. Ignored for service teams.",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    @classmethod
    def for_team(cls, team: Team, data=None) -> TeamForm:
        return cls(
            data,
            initial={
                "name": team.name,
                "track": team.track,
                "tier": str(team.tier or ""),
                "description": team.description,
            },
        )
