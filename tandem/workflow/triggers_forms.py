"""Settings forms for triggers and automations: conditions typed one per line, actions as plain
fields (set this, tag that, notify them), turned into the rules' JSON for the write actions."""

from __future__ import annotations

from django import forms

from tandem.core.errors import InvalidInput
from tandem.people.forms import WorkspaceForm
from tandem.people.models import Agent, Team
from tandem.tickets.models import Priority, Status
from tandem.workflow.conditions import CHANGE_OPS, TRIGGER_FACTS, TRIGGER_OPERATORS
from tandem.workflow.models import Automation, TimeCondition, Trigger, TriggerEvent

CONDITION_HELP = (
    "One per line: field, operator, value, e.g. <code>priority is urgent</code>, "
    "<code>tags includes vip, gold</code> or <code>status changed_to solved</code>. Fields: "
    + ", ".join(TRIGGER_FACTS)
    + ", custom_fields.&lt;key&gt;. Operators: "
    + ", ".join([*TRIGGER_OPERATORS, *sorted(CHANGE_OPS)])
    + "."
)
LIST_OPS = {"in", "not_in", "includes", "excludes", "changed_to", "changed_from"}
NO_VALUE_OPS = {"present", "absent", "changed"}
WAITING_STATUSES = {Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD}
BOOL_FIELDS = {"business_hours", "message_automatic"}

# Where an action's FieldError ("actions[0].fields.status") is shown: (type, rest) -> form field.
ACTION_ERROR_FIELDS = {
    ("set_fields", "fields.status"): "set_status",
    ("set_fields", "fields.priority"): "set_priority",
    ("set_fields", "fields.team"): "set_team",
    ("assign", "agent"): "assign_agent",
    ("add_tags", "tags"): "add_tags",
    ("remove_tags", "tags"): "remove_tags",
    ("add_note", "body"): "add_note",
    ("notify", "agents"): "notify_agents",
    ("notify", "team"): "notify_team",
    ("notify", "subject"): "notify_subject",
    ("notify", "body"): "notify_body",
    ("email_customer", "body"): "email_customer",
    ("webhook", "url"): "webhook_url",
    ("webhook", "secret"): "webhook_secret",
    ("escalate", "team"): "escalate_team",
    ("escalate", "note"): "escalate_note",
}


def _value_of(field: str, op: str, text: str):
    if op in NO_VALUE_OPS:
        return None
    if op in LIST_OPS:
        return [v.strip() for v in text.split(",") if v.strip()]
    if field in BOOL_FIELDS and text.strip().lower() in ("true", "false", "yes", "no"):
        return text.strip().lower() in ("true", "yes")
    return text.strip()


def lines_to_conditions(text: str) -> list[dict]:
    """Parsing only; validate_conditions judges fields and operators."""
    conditions = []
    for line in text.splitlines():
        parts = line.strip().split(None, 2)
        if not parts:
            continue
        field, op, value = (parts + ["", ""])[:3]
        condition = {"field": field, "op": op}
        parsed = _value_of(field, op, value)
        if parsed is not None:
            condition["value"] = parsed
        conditions.append(condition)
    return conditions


def conditions_to_lines(conditions: list[dict]) -> str:
    lines = []
    for condition in conditions:
        value = condition.get("value")
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        else:
            shown = "" if value is None else str(value)
        lines.append(f"{condition['field']} {condition['op']} {shown}".rstrip())
    return "\n".join(lines)


FORM_SET_FIELDS = {"status", "priority", "team"}


def actions_the_form_cannot_show(actions: list[dict]) -> list[str]:
    """What saving through the form would drop: a second action of a kind, or settings the
    form has no field for (track, category, custom fields, assigning a team)."""
    lost, seen = [], set()
    for action in actions:
        kind = action.get("type")
        if kind in seen:
            lost.append(f"a second {kind}")
        seen.add(kind)
        if kind == "set_fields":
            lost += [f"set {name}" for name in sorted(set(action["fields"]) - FORM_SET_FIELDS)]
        if kind == "assign" and ("team" in action or action.get("agent") is None):
            lost.append("assign (team or unassign)")
    return lost


def _tag_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


class RuleForm(WorkspaceForm):
    """What triggers and automations share: name, on/off, conditions and actions."""

    name = forms.CharField(max_length=120)
    active = forms.BooleanField(required=False, initial=True)
    all_conditions = forms.CharField(
        label="All of these hold",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=CONDITION_HELP,
    )
    any_conditions = forms.CharField(
        label="And at least one of these (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    set_status = forms.ChoiceField(
        choices=[("", "Keep")] + list(Status.choices), required=False, label="Then set status"
    )
    set_priority = forms.ChoiceField(
        choices=[("", "Keep")] + list(Priority.choices), required=False, label="Set priority"
    )
    set_team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, label="Set team"
    )
    assign_agent = forms.ModelChoiceField(
        queryset=Agent.objects.filter(user__is_active=True).order_by("name"),
        required=False,
        label="Assign to agent",
    )
    add_tags = forms.CharField(required=False, help_text="Comma-separated.")
    remove_tags = forms.CharField(required=False, help_text="Comma-separated.")
    add_note = forms.CharField(
        label="Add internal note",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Text; <code>{{ ticket.number }}</code>, <code>{{ ticket.subject }}</code> "
        "and <code>{{ contact.name }}</code> are filled in.",
    )
    notify_agents = forms.ModelMultipleChoiceField(
        queryset=Agent.objects.filter(user__is_active=True).order_by("name"),
        required=False,
        label="Notify agents",
        help_text="They get an in-app notification (and mail, as each one chose).",
    )
    notify_team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, label="Notify a team"
    )
    notify_subject = forms.CharField(required=False, label="Notification subject")
    notify_body = forms.CharField(
        required=False, label="Notification text", widget=forms.Textarea(attrs={"rows": 2})
    )
    email_customer = forms.CharField(
        label="Email the customer",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Never sent in answer to automatic mail.",
    )
    escalate = forms.BooleanField(required=False, label="Escalate the ticket")
    escalate_team = forms.ModelChoiceField(
        queryset=Team.objects.filter(tier__isnull=False).order_by("tier", "name"),
        required=False,
        label="Escalate to",
        empty_label="The next tier",
    )
    escalate_note = forms.CharField(
        required=False,
        label="Escalation note",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when escalating: why the ticket moves tiers.",
    )
    webhook_url = forms.URLField(
        required=False, label="Call webhook URL", max_length=2000, assume_scheme="https"
    )
    webhook_secret = forms.CharField(
        required=False, label="Webhook secret", help_text="Signs the call (HMAC-SHA256)."
    )

    @staticmethod
    def initial_for(rule: Trigger | Automation) -> dict:
        initial = {
            "name": rule.name,
            "active": rule.active,
            "all_conditions": conditions_to_lines(rule.conditions.get("all", [])),
            "any_conditions": conditions_to_lines(rule.conditions.get("any", [])),
        }
        for action in rule.actions:
            kind = action.get("type")
            if kind == "set_fields":
                fields = action.get("fields", {})
                initial.update(
                    set_status=fields.get("status", ""),
                    set_priority=fields.get("priority", ""),
                    set_team=fields.get("team"),
                )
            elif kind == "assign":
                initial["assign_agent"] = action.get("agent")
                initial.setdefault("set_team", action.get("team"))
            elif kind in ("add_tags", "remove_tags"):
                initial[kind] = ", ".join(action.get("tags", []))
            elif kind == "add_note":
                initial["add_note"] = action.get("body", "")
            elif kind == "notify":
                initial.update(
                    notify_agents=action.get("agents", []),
                    notify_team=action.get("team"),
                    notify_subject=action.get("subject", ""),
                    notify_body=action.get("body", ""),
                )
            elif kind == "email_customer":
                initial["email_customer"] = action.get("body", "")
            elif kind == "escalate":
                initial.update(
                    escalate=True,
                    escalate_team=action.get("team"),
                    escalate_note=action.get("note", ""),
                )
            elif kind == "webhook":
                initial.update(
                    webhook_url=action.get("url", ""), webhook_secret=action.get("secret", "")
                )
        return initial

    def conditions(self) -> dict:
        data = self.cleaned_data
        conditions = {"all": lines_to_conditions(data["all_conditions"])}
        any_of = lines_to_conditions(data["any_conditions"])
        if any_of:
            conditions["any"] = any_of
        return conditions

    def actions(self) -> list[dict]:
        """The actions in the order they run: fields first, then notes, messages and calls."""
        data = self.cleaned_data
        actions: list[dict] = []
        fields = {}
        if data["set_status"]:
            fields["status"] = data["set_status"]
        if data["set_priority"]:
            fields["priority"] = data["set_priority"]
        if data["set_team"]:
            fields["team"] = data["set_team"].pk
        if fields:
            actions.append({"type": "set_fields", "fields": fields})
        if data["assign_agent"]:
            actions.append({"type": "assign", "agent": data["assign_agent"].pk})
        for kind in ("add_tags", "remove_tags"):
            if _tag_list(data[kind]):
                actions.append({"type": kind, "tags": _tag_list(data[kind])})
        if data["add_note"].strip():
            actions.append({"type": "add_note", "body": data["add_note"]})
        if data["notify_agents"] or data["notify_team"]:
            notify = {
                "type": "notify",
                "subject": data["notify_subject"],
                "body": data["notify_body"],
            }
            if data["notify_agents"]:
                notify["agents"] = [a.pk for a in data["notify_agents"]]
            if data["notify_team"]:
                notify["team"] = data["notify_team"].pk
            actions.append(notify)
        if data["email_customer"].strip():
            actions.append({"type": "email_customer", "body": data["email_customer"]})
        if data["escalate"]:
            escalate = {"type": "escalate", "note": data["escalate_note"]}
            if data["escalate_team"]:
                escalate["team"] = data["escalate_team"].pk
            actions.append(escalate)
        if data["webhook_url"]:
            actions.append(
                {"type": "webhook", "url": data["webhook_url"], "secret": data["webhook_secret"]}
            )
        return actions

    def show_errors(self, error: InvalidInput, actions: list[dict]) -> None:
        """Each FieldError of the write action next to the form field it came from."""
        for item in error.errors:
            name, where = self._form_field_of(item.field, actions)
            message = f"{where}: {item.message}" if where else item.message
            if item.field == "actions":
                self.add_error(None, "Choose at least one action (set a field, tag, notify, ...).")
            elif name in self.fields:
                self.add_error(name, message)
            else:
                self.add_error(None, f"{item.field}: {item.message}")

    def _form_field_of(self, path: str, actions: list[dict]) -> tuple[str | None, str]:
        for group, form_field in (("all", "all_conditions"), ("any", "any_conditions")):
            prefix = f"conditions.{group}["
            if path.startswith(prefix):
                index, _, rest = path.removeprefix(prefix).partition("]")
                part = rest.lstrip(".") or "condition"
                return form_field, f"line {int(index) + 1} ({part})"
        if path.startswith("actions["):
            index, _, rest = path.removeprefix("actions[").partition("]")
            kind = actions[int(index)].get("type")
            return ACTION_ERROR_FIELDS.get((kind, rest.lstrip("."))), ""
        return path, ""


class TriggerForm(RuleForm):
    events = forms.MultipleChoiceField(
        choices=TriggerEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Runs when",
        help_text="Pick one or more events.",
    )
    field_order = ["name", "active", "events"]

    @classmethod
    def for_trigger(cls, trigger: Trigger, data=None) -> TriggerForm:
        return cls(data, initial={**cls.initial_for(trigger), "events": trigger.events})

    def rule_values(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "active": self.cleaned_data["active"],
            "events": list(self.cleaned_data["events"]),
            "conditions": self.conditions(),
            "actions": self.actions(),
        }


class AutomationForm(RuleForm):
    time_condition = forms.ChoiceField(choices=TimeCondition.choices, label="Runs on tickets")
    status = forms.ChoiceField(
        choices=[("", "—")] + [(s, label) for s, label in Status.choices if s in WAITING_STATUSES],
        required=False,
        help_text="For “In a status with no activity for”: which status.",
    )
    minutes = forms.IntegerField(min_value=1, help_text="How long, in minutes (1 day = 1440).")
    business_hours = forms.BooleanField(
        required=False, label="Count only the team's business hours"
    )
    field_order = ["name", "active", "time_condition", "status", "minutes", "business_hours"]

    @classmethod
    def for_automation(cls, automation: Automation, data=None) -> AutomationForm:
        initial = {
            **cls.initial_for(automation),
            "time_condition": automation.time_condition,
            "status": automation.status,
            "minutes": automation.minutes,
            "business_hours": automation.business_hours,
        }
        return cls(data, initial=initial)

    def rule_values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "active": data["active"],
            "time_condition": data["time_condition"],
            "status": data["status"],
            "minutes": data["minutes"],
            "business_hours": data["business_hours"],
            "conditions": self.conditions(),
            "actions": self.actions(),
        }
