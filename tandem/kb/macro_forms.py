"""The macro editor's form: parses what the page posts into macro_actions' arguments."""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.kb.models import Macro
from tandem.people.forms import WorkspaceForm
from tandem.people.models import Agent, Team
from tandem.tickets.models import Priority, Status

VARIABLES_HELP = (
    "Variables: {{ contact.first_name }}, {{ contact.name }}, {{ organization.name }}, "
    "{{ ticket.number }}, {{ ticket.subject }}, {{ ticket.url }}, {{ agent.first_name }}, "
    "{{ agent.signature }}, {{ ticket.custom_fields.KEY }}, {{ article_url(ID) }}. "
    "See docs/macros.md."
)


def _tag_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class MacroForm(WorkspaceForm):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), help_text=VARIABLES_HELP, strip=False
    )
    scope = forms.ChoiceField(label="Shared with", choices=Macro.Scope.choices)
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, help_text="For a team macro only."
    )
    set_status = forms.ChoiceField(
        label="Set status", choices=[("", "Keep"), *Status.choices], required=False
    )
    set_priority = forms.ChoiceField(
        label="Set priority", choices=[("", "Keep"), *Priority.choices], required=False
    )
    set_team = forms.ModelChoiceField(
        label="Move to team", queryset=Team.objects.all(), required=False, empty_label="Keep"
    )
    add_tags = forms.CharField(required=False, help_text="Comma-separated.")
    remove_tags = forms.CharField(required=False, help_text="Comma-separated.")
    internal_note = forms.CharField(
        label="Add an internal note",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="A template too; added to the ticket when the reply is sent.",
    )

    def __init__(self, *args, agent: Agent, macro: Macro | None = None, **kwargs):
        if macro is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": macro.title,
                    "body": macro.body,
                    "scope": macro.scope,
                    "team": macro.team_id,
                    "set_status": macro.set_status,
                    "set_priority": macro.set_priority,
                    "set_team": macro.set_team_id,
                    "add_tags": ", ".join(macro.add_tags),
                    "remove_tags": ", ".join(macro.remove_tags),
                    "internal_note": macro.internal_note,
                },
            )
        else:
            default = Macro.Scope.EVERYONE if agent.is_admin else Macro.Scope.PERSONAL
            kwargs.setdefault("initial", {"scope": default})
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.all() if agent.is_admin else agent.teams.all()
        if not agent.is_admin:
            # Agents share with their teams or keep macros to themselves (macro_queries.py).
            self.fields["scope"].choices = [
                c for c in Macro.Scope.choices if c[0] != Macro.Scope.EVERYONE
            ]

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["add_tags"] = _tag_list(data["add_tags"])
        data["remove_tags"] = _tag_list(data["remove_tags"])
        if data["scope"] != Macro.Scope.TEAM:
            data.pop("team")
        return data
