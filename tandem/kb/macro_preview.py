"""A macro rendered for one ticket: its text, its note and the changes it would make.

Shared by the composer's preview and the API's render endpoint; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tandem.kb.macro_context import context_for
from tandem.kb.macro_sandbox import MacroTemplateError, render
from tandem.kb.models import Macro
from tandem.people.models import Agent
from tandem.tickets.models import Priority, Status, Ticket


@dataclass
class RenderedMacro:
    body: str
    internal_note: str
    actions: dict = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)  # the actions in words, for people


def planned_actions(macro: Macro) -> dict:
    """What applying the macro changes, in the API's words: only what it sets."""
    actions: dict = {}
    if macro.set_status:
        actions["status"] = macro.set_status
    if macro.set_priority:
        actions["priority"] = macro.set_priority
    if macro.set_team_id:
        actions["team"] = macro.set_team_id
    if macro.add_tags:
        actions["add_tags"] = list(macro.add_tags)
    if macro.remove_tags:
        actions["remove_tags"] = list(macro.remove_tags)
    if macro.internal_note.strip():
        actions["internal_note"] = True
    return actions


def describe_actions(macro: Macro) -> list[str]:
    lines = []
    if macro.set_status:
        lines.append(f"Set status to {Status(macro.set_status).label}")
    if macro.set_priority:
        lines.append(f"Set priority to {Priority(macro.set_priority).label}")
    if macro.set_team_id:
        lines.append(f"Move to team {macro.set_team.name}")
    if macro.add_tags:
        lines.append("Add tags " + ", ".join(macro.add_tags))
    if macro.remove_tags:
        lines.append("Remove tags " + ", ".join(macro.remove_tags))
    if macro.internal_note.strip():
        lines.append("Add an internal note")
    return lines


def render_field(macro: Macro, name: str, context: dict) -> str:
    """One template field rendered; the error names the field (`body`, `internal_note`)."""
    try:
        return render(getattr(macro, name), context)
    except MacroTemplateError as error:
        raise FieldRenderError(name, str(error)) from None


class FieldRenderError(Exception):
    def __init__(self, field_name: str, message: str):
        self.field = field_name
        self.message = message
        super().__init__(f"{field_name}: {message}")


def rendered_for(macro: Macro, ticket: Ticket, agent: Agent) -> RenderedMacro:
    context = context_for(ticket, agent)
    note = render_field(macro, "internal_note", context) if macro.internal_note.strip() else ""
    actions = planned_actions(macro)
    if note:
        actions["internal_note"] = note
    return RenderedMacro(
        body=render_field(macro, "body", context),
        internal_note=note,
        actions=actions,
        lines=describe_actions(macro),
    )
