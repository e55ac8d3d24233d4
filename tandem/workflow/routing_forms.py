"""Settings forms for routing rules and assignment; conditions are typed one per line."""

from __future__ import annotations

from django import forms

from tandem.people.forms import WorkspaceForm
from tandem.people.models import Team, Track
from tandem.workflow.conditions import LIST, ROUTING_FACTS, ROUTING_OPERATORS, field_kind
from tandem.workflow.models import RoutingRule

CONDITION_HELP = (
    "One per line: field, operator, value, e.g. <code>subject contains invoice</code> or "
    "<code>priority in high, urgent</code>. Fields: "
    + ", ".join(ROUTING_FACTS)
    + ", custom_fields.&lt;key&gt;. Operators: "
    + ", ".join(ROUTING_OPERATORS)
    + ". No lines: every ticket matches."
)
LIST_OPS = {"in", "includes", "excludes"}


def conditions_to_lines(conditions: dict) -> str:
    lines = []
    for rule in conditions.get("rules", []):
        value = rule["value"]
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        lines.append(f"{rule['field']} {rule['op']} {shown}")
    return "\n".join(lines)


def lines_to_conditions(text: str, match: str) -> dict:
    """Parsing only; the condition validator judges fields and operators."""
    rules = []
    for line in text.splitlines():
        parts = line.strip().split(None, 2)
        if not parts:
            continue
        field, op, value = (parts + ["", ""])[:3]
        if op in LIST_OPS or field_kind(field) == LIST:
            value = [v.strip() for v in value.split(",") if v.strip()]
        rules.append({"field": field, "op": op, "value": value})
    return {"match": match, "rules": rules}


class RoutingRuleForm(WorkspaceForm):
    name = forms.CharField(max_length=120)
    position = forms.IntegerField(min_value=0, required=False, help_text="Lower runs first.")
    active = forms.BooleanField(required=False, initial=True)
    match = forms.ChoiceField(
        choices=[("all", "All conditions"), ("any", "Any condition")], initial="all"
    )
    conditions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text=CONDITION_HELP
    )
    set_team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, label="Set team"
    )
    set_track = forms.ChoiceField(
        choices=[("", "Keep")] + list(Track.choices), required=False, label="Set track"
    )
    set_priority = forms.ChoiceField(
        choices=[("", "Keep")] + list(RoutingRule.Priority.choices),
        required=False,
        label="Set priority",
    )
    add_tags = forms.CharField(required=False, help_text="Comma-separated.")
    require_skill = forms.CharField(
        max_length=60, required=False, help_text="Only agents with this skill get the ticket."
    )

    @classmethod
    def for_rule(cls, rule: RoutingRule, data=None) -> RoutingRuleForm:
        return cls(
            data,
            initial={
                "name": rule.name,
                "position": rule.position,
                "active": rule.active,
                "match": rule.conditions.get("match", "all"),
                "conditions": conditions_to_lines(rule.conditions),
                "set_team": rule.set_team_id,
                "set_track": rule.set_track,
                "set_priority": rule.set_priority,
                "add_tags": ", ".join(rule.add_tags),
                "require_skill": rule.require_skill,
            },
        )

    def rule_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["conditions"] = lines_to_conditions(data["conditions"], data.pop("match"))
        data["add_tags"] = [t.strip() for t in data["add_tags"].split(",") if t.strip()]
        if data["position"] is None:
            data.pop("position")
        return data


class TeamAssignmentForm(WorkspaceForm):
    assignment_strategy = forms.ChoiceField(choices=Team.Assignment.choices, label="Assignment")
    reassign_when_offline = forms.BooleanField(
        required=False, label="Reassign new unanswered tickets when an agent goes offline"
    )


class AgentAssignmentForm(WorkspaceForm):
    capacity = forms.IntegerField(min_value=0, required=False, help_text="Empty: no limit.")
    skills = forms.CharField(required=False, help_text="Comma-separated, e.g. de, mobile-app.")
