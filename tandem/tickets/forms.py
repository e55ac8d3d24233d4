"""Parsing the workspace's forms into action arguments; business rules stay in the actions."""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from tandem.core.models import CustomField
from tandem.people.models import Team
from tandem.tickets.models import Channel, Message, Priority, Status, Ticket

KEEP = ""  # the "no change" choice in selects
NONE = "none"  # the "clear it" choice (unassign, no team)

SUBMIT_AS = [(s, label) for s, label in Status.choices if s not in (Status.NEW, Status.CLOSED)]


class ReplyForm(forms.Form):
    visibility = forms.ChoiceField(choices=Message.Visibility.choices)
    body = forms.CharField(required=False, strip=True)
    status = forms.ChoiceField(choices=[(KEEP, "Keep status"), *SUBMIT_AS], required=False)

    def status_or_none(self) -> str | None:
        return self.cleaned_data.get("status") or None


class NewTicketForm(forms.Form):
    email = forms.EmailField(label="Customer email")
    name = forms.CharField(label="Customer name", max_length=200, required=False)
    subject = forms.CharField(max_length=250)
    body = forms.CharField(label="Description", widget=forms.Textarea(attrs={"rows": 6}))
    channel = forms.ChoiceField(
        choices=[
            (c, label)
            for c, label in Channel.choices
            if c in (Channel.WEB, Channel.PHONE, Channel.EMAIL, Channel.CHAT, Channel.SOCIAL)
        ],
        initial=Channel.WEB,
        label="Received by",
    )
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="No team yet"
    )


class NumberForm(forms.Form):
    """A ticket number typed by an agent ("Merge into #", "Link #"); '#123' is accepted."""

    number = forms.CharField(max_length=24)

    def clean_number(self) -> int:
        raw = self.cleaned_data["number"].strip().lstrip("#").strip()
        if not raw.isdigit() or int(raw) <= 0:
            raise forms.ValidationError("Enter a ticket number, like 1042.")
        return int(raw)


class TicketNumbersField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        numbers = set()
        for raw in value or []:
            raw = str(raw).strip()
            if not raw.isdigit():
                raise forms.ValidationError(f"{raw!r} is not a ticket number.")
            numbers.add(int(raw))
        return sorted(numbers)

    def validate(self, value):
        if not value:
            raise forms.ValidationError("Select some tickets first.")


class BulkForm(forms.Form):
    tickets = TicketNumbersField()
    status = forms.ChoiceField(choices=[(KEEP, "—"), *SUBMIT_AS], required=False)
    priority = forms.ChoiceField(choices=[(KEEP, "—"), *Priority.choices], required=False)
    assignee = forms.CharField(required=False)
    team = forms.CharField(required=False)
    add_tag = forms.CharField(required=False, max_length=64)

    def __init__(self, *args, teams, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {str(t.pk): t for t in teams}
        self.agents = {str(a.pk): a for a in agents}

    def clean_assignee(self):
        return _pick(self.cleaned_data["assignee"], self.agents, "No such agent.")

    def clean_team(self):
        return _pick(self.cleaned_data["team"], self.teams, "No such team.")

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {}
        for name in ("status", "priority"):
            if data[name]:
                changes[name] = data[name]
        for name in ("assignee", "team"):
            if data[name] is not KEEP:
                changes[name] = data[name]
        if data["add_tag"].strip():
            changes["add_tags"] = [data["add_tag"].strip()]
        return changes


def _pick(raw: str, options: dict, message: str):
    """KEEP for no change, None to clear, else the chosen object."""
    raw = (raw or "").strip()
    if raw == KEEP:
        return KEEP
    if raw == NONE:
        return None
    if raw not in options:
        raise forms.ValidationError(message)
    return options[raw]


class PropertyChanges:
    """The property panel's post as `update_ticket` keyword arguments.

    Every control is sent with a hidden `was_<name>` holding the value the page showed;
    only controls whose value differs from it become changes, so saving one field never
    reverts another agent's concurrent change to a different one. A post without
    `was_` values (a script, a test) changes every field it names that differs.
    """

    SIMPLE = ("status", "priority", "track", "category")

    def __init__(
        self, data: QueryDict, *, ticket: Ticket, teams, agents, definitions: list[CustomField]
    ):
        self.data = data
        self.ticket = ticket
        self.teams = {str(t.pk): t for t in teams}
        self.agents = {str(a.pk): a for a in agents}
        self.definitions = definitions
        self.errors: dict[str, list[str]] = {}

    def _changed(self, name: str) -> str | None:
        if name not in self.data:
            return None
        value = self.data.getlist(name)[-1].strip()
        was = self.data.get(f"was_{name}")
        if was is not None and value == was.strip():
            return None
        return value

    def changes(self) -> dict:
        changes: dict = {}
        for name in self.SIMPLE:
            value = self._changed(name)
            if value is not None and value != getattr(self.ticket, name):
                changes[name] = value
        team = self._changed("team")
        if team is not None:
            chosen = self._object(team, self.teams, "team", "No such team.")
            if chosen is not KEEP and chosen != self.ticket.team:
                changes["team"] = chosen
        assignee = self._changed("assignee")
        if assignee is not None:
            chosen = self._object(assignee, self.agents, "assignee", "No such agent.")
            if chosen is not KEEP and chosen != self.ticket.assignee:
                changes["assignee"] = chosen
        custom = {}
        for definition in self.definitions:
            key = f"custom_fields.{definition.key}"
            value = self._changed(key)
            if value is None:
                continue
            current = self.ticket.custom_fields.get(definition.key)
            if definition.kind == CustomField.Kind.CHECKBOX:
                if (value == "true") != bool(current):
                    custom[definition.key] = "true" if value == "true" else "false"
            elif value != _as_text(current):
                custom[definition.key] = value
        if custom:
            changes["custom_fields"] = custom
        add = [t for t in self.data.get("add_tags", "").replace(",", " ").split() if t]
        if add:
            changes["add_tags"] = add
        remove = [t for t in self.data.getlist("remove_tag") if t]
        if remove:
            changes["remove_tags"] = remove
        return changes

    def _object(self, raw: str, options: dict, field: str, message: str):
        if raw in (KEEP, NONE):
            return None
        if raw not in options:
            self.errors.setdefault(field, []).append(message)
            return KEEP
        return options[raw]


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _was(definition: CustomField, value) -> str:
    if definition.kind == CustomField.Kind.CHECKBOX:
        return "true" if value else "false"
    return _as_text(value)


def custom_field_rows(
    definitions: list[CustomField], values: dict, errors: dict, posted: QueryDict | None = None
) -> list[dict]:
    """What the panel renders per custom field: its input type, shown value and errors."""
    rows = []
    for definition in definitions:
        name = f"custom_fields.{definition.key}"
        value = values.get(definition.key)
        if posted is not None and name in posted:
            value = posted.getlist(name)[-1]
        rows.append(
            {
                "definition": definition,
                "name": name,
                "id": f"cf-{definition.key}",
                "value": _as_text(value) if definition.kind != CustomField.Kind.CHECKBOX else value,
                "checked": value in (True, "true", "on", "1"),
                "was": _was(definition, values.get(definition.key)),
                "errors": errors.get(name, []),
                # A refused value is shown back as typed, which a number input would blank out.
                "input_type": "text"
                if errors.get(name)
                else {"number": "number", "date": "date"}.get(definition.kind, "text"),
            }
        )
    return rows
