"""Every write to macros: create, update, delete, and applying one to a ticket.

Who may manage which macro is decided in tandem/kb/macro_queries.py (`may_manage`).
A macro's templates are compiled and rendered against a sample ticket on every save,
so a broken template is refused with an error naming the field, not found at send time.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tandem.core.errors import FieldError, InvalidInput, NotAllowed
from tandem.kb.macro_context import context_for, sample_context
from tandem.kb.macro_preview import FieldRenderError, planned_actions, render_field
from tandem.kb.macro_queries import may_manage_macro
from tandem.kb.models import Macro
from tandem.people.actors import Actor
from tandem.people.models import Agent, Team
from tandem.tickets import actions as ticket_actions
from tandem.tickets.actions.changes import clean_tag_names
from tandem.tickets.models import Message, Priority, Status, Ticket

Scope = Macro.Scope

EDITABLE = {
    "title",
    "body",
    "scope",
    "team",
    "set_status",
    "set_priority",
    "set_team",
    "add_tags",
    "remove_tags",
    "internal_note",
}

NOT_ALLOWED = "You may not manage this macro: shared ones are for admins, team ones for the team."


def _clean(macro: Macro, changes: dict[str, Any], *, agent: Agent) -> dict[str, Any]:
    errors: list[FieldError] = []
    errors += [FieldError(name, "cannot be changed") for name in sorted(set(changes) - EDITABLE)]
    cleaned = dict(changes)
    if "title" in changes:
        title = (changes["title"] or "").strip()
        if not title:
            errors.append(FieldError("title", "may not be empty"))
        elif len(title) > 200:
            errors.append(FieldError("title", "is longer than 200 characters"))
        cleaned["title"] = title
    if "body" in changes:
        cleaned["body"] = (changes["body"] or "").strip()
        if not cleaned["body"]:
            errors.append(FieldError("body", "may not be empty"))
    if "internal_note" in changes:
        cleaned["internal_note"] = (changes["internal_note"] or "").strip()
    if "scope" in changes and changes["scope"] not in Scope.values:
        errors.append(FieldError("scope", f"must be one of {', '.join(Scope.values)}"))
    for name in ("team", "set_team"):
        value = changes.get(name)
        if value is not None and not isinstance(value, Team):
            errors.append(FieldError(name, "is not a team"))
    if changes.get("set_status") and changes["set_status"] not in Status.values:
        errors.append(FieldError("set_status", f"must be one of {', '.join(Status.values)}"))
    if changes.get("set_priority") and changes["set_priority"] not in Priority.values:
        errors.append(FieldError("set_priority", f"must be one of {', '.join(Priority.values)}"))
    for name in ("add_tags", "remove_tags"):
        if name in changes:
            if not isinstance(changes[name], list | tuple):
                errors.append(FieldError(name, "must be a list of tag names"))
                continue
            try:
                cleaned[name] = clean_tag_names(changes[name], field=name)
            except InvalidInput as error:
                errors += error.errors
    if errors:
        raise InvalidInput(errors)

    scope = cleaned.get("scope", macro.scope)
    team = cleaned.get("team", macro.team)
    if scope == Scope.TEAM and team is None:
        raise InvalidInput.single("team", "a team macro needs a team")
    return cleaned


def _check_templates(macro: Macro, *, agent: Agent) -> None:
    """Syntax, the sandbox's rules and a render against a sample ticket, for both templates."""
    context = sample_context(agent)
    errors = []
    for name in ("body", "internal_note"):
        if name == "internal_note" and not macro.internal_note:
            continue
        try:
            render_field(macro, name, context)
        except FieldRenderError as error:
            errors.append(FieldError(error.field, error.message))
    if errors:
        raise InvalidInput(errors)


def _place(macro: Macro, cleaned: dict[str, Any], *, agent: Agent) -> None:
    """Scope, team and owner kept consistent (the table's check constraint says the same)."""
    scope = cleaned.get("scope", macro.scope)
    macro.scope = scope
    if scope == Scope.EVERYONE:
        macro.team, macro.owner = None, None
    elif scope == Scope.TEAM:
        macro.team, macro.owner = cleaned.get("team", macro.team), None
    else:
        # A personal macro belongs to whoever made it personal; nobody files one for another.
        macro.team = None
        macro.owner = macro.owner if macro.owner_id else agent


def _write(macro: Macro, cleaned: dict[str, Any], *, agent: Agent) -> Macro:
    for name in EDITABLE - {"scope", "team"}:
        if name in cleaned:
            setattr(macro, name, cleaned[name] if cleaned[name] is not None else _empty(name))
    _place(macro, cleaned, agent=agent)
    if not may_manage_macro(agent, macro):
        raise NotAllowed(NOT_ALLOWED)
    _check_templates(macro, agent=agent)
    macro.save()
    return macro


def _empty(name: str):
    return None if name == "set_team" else [] if name.endswith("_tags") else ""


@transaction.atomic
def create_macro(*, agent: Agent, title: str, body: str, **fields: Any) -> Macro:
    """A new macro. Without a scope, an admin's macro is shared with everyone and an agent's
    is personal (agents cannot share with everyone)."""
    if "scope" not in fields or fields["scope"] is None:
        fields["scope"] = Scope.EVERYONE if agent.is_admin else Scope.PERSONAL
    macro = Macro(created_by=agent, scope=fields["scope"])
    cleaned = _clean(macro, {"title": title, "body": body, **fields}, agent=agent)
    return _write(macro, cleaned, agent=agent)


@transaction.atomic
def update_macro(*, agent: Agent, macro: Macro, **changes: Any) -> Macro:
    """Change what is passed. The agent must be allowed to manage it before and after."""
    locked = Macro.objects.select_for_update().get(pk=macro.pk)
    if not may_manage_macro(agent, locked):
        raise NotAllowed(NOT_ALLOWED)
    cleaned = _clean(locked, changes, agent=agent)
    return _write(locked, cleaned, agent=agent)


@transaction.atomic
def delete_macro(*, agent: Agent, macro: Macro) -> None:
    if not may_manage_macro(agent, macro):
        raise NotAllowed(NOT_ALLOWED)
    macro.delete()


def _ticket_changes(macro: Macro, *, keep_status: bool) -> dict[str, Any]:
    """The macro's planned actions as update_ticket arguments (the note is added apart)."""
    changes = planned_actions(macro)
    changes.pop("internal_note", None)
    if keep_status:
        changes.pop("status", None)
    if "team" in changes:
        changes["team"] = macro.set_team
    return changes


@transaction.atomic
def apply_macro(
    *, actor: Actor, macro: Macro, ticket: Ticket, status_chosen: bool = False
) -> Ticket:
    """Make the macro's changes through the ticket actions (so they write the usual events),
    add its internal note, and count the use. `status_chosen`: the agent picked a status
    for the reply themselves, which wins over the macro's."""
    if actor.agent is None or actor.is_light_agent:
        raise NotAllowed("Only agents apply macros.")
    note = ""
    if macro.internal_note.strip():
        try:
            note = render_field(macro, "internal_note", context_for(ticket, actor.agent))
        except FieldRenderError as error:
            raise InvalidInput.single("macro", f"{macro.title}: {error}") from None
    changes = _ticket_changes(macro, keep_status=status_chosen)
    if changes:
        try:
            ticket = ticket_actions.update_ticket(actor=actor, ticket=ticket, **changes)
        except InvalidInput as error:
            raise InvalidInput(
                [FieldError("macro", f"{macro.title}: {e.field} {e.message}") for e in error.errors]
            ) from None
    if note.strip():
        ticket_actions.add_message(
            actor=actor, ticket=ticket, body=note, visibility=Message.Visibility.INTERNAL
        )
    Macro.objects.filter(pk=macro.pk).update(
        usage_count=F("usage_count") + 1, last_used_at=timezone.now()
    )
    return ticket


@transaction.atomic
def reply_with_macro(
    *, actor: Actor, macro: Macro, ticket: Ticket, status: str | None = None, **message: Any
) -> Message:
    """The composer's send: the agent's message, then the macro applied, all or nothing."""
    reply = ticket_actions.add_message(actor=actor, ticket=ticket, status=status, **message)
    apply_macro(actor=actor, macro=macro, ticket=reply.ticket, status_chosen=status is not None)
    return reply
