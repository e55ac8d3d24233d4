"""What triggers and automations do: each action kind validates its settings, says what it
would do (dry runs) and does it through the ticket and mail actions, never around them.

Mail a rule sends is automatic (`Auto-Submitted: auto-generated`) and is never sent in answer
to automatic mail; webhooks are rows first, POSTed after commit (webhooks.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.template import Context, Engine
from django.template.exceptions import TemplateSyntaxError

from tandem.core.errors import FieldError, InvalidInput
from tandem.mail.outbox import headers
from tandem.people.actors import Actor
from tandem.people.models import Agent, Team
from tandem.tickets import actions as ticket_actions
from tandem.tickets.actions.changes import support_tier
from tandem.tickets.models import Message, Priority, Status, Ticket
from tandem.workflow.models.notifications import NotificationKind

log = logging.getLogger(__name__)

SETTABLE_FIELDS = {"status", "priority", "team", "track", "category", "custom_fields"}
RULE_ACTOR = Actor.system()


@dataclass(frozen=True)
class RuleContext:
    """Who is acting: the rule (a Trigger or an Automation) and the time it acts at."""

    rule: Any
    at: dt.datetime
    kind: str  # "trigger" | "automation"

    def meta(self) -> dict:
        return {self.kind: self.rule.pk, "rule": self.rule.name}


@cache
def _engine() -> Engine:
    # Plain text from an admin's template: no template folders, no tag libraries, no escaping.
    return Engine(dirs=[], app_dirs=False, libraries={}, autoescape=False)


def render(template: str, ticket: Ticket) -> str:
    context = Context({"ticket": ticket, "contact": ticket.contact}, autoescape=False)
    return _engine().from_string(template).render(context)


def _check_template(value: Any, where: str, errors: list[FieldError]) -> None:
    if not isinstance(value, str) or not value.strip():
        errors.append(FieldError(where, "must be a non-empty text"))
        return
    try:
        _engine().from_string(value)
    except TemplateSyntaxError as error:
        errors.append(FieldError(where, f"template error: {error}"))


def _check_ids(value: Any, where: str, model, errors: list[FieldError]) -> None:
    ids = value if isinstance(value, list) else [value]
    if not all(isinstance(i, int) for i in ids):
        errors.append(FieldError(where, "must be ids"))
        return
    found = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = sorted(set(ids) - found)
    if missing:
        errors.append(FieldError(where, f"no such {model.__name__.lower()}: {missing}"))


def _validate_one(action: Any, where: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not isinstance(action, dict) or action.get("type") not in ACTION_TYPES:
        known = ", ".join(ACTION_TYPES)
        return [FieldError(f"{where}.type", f"must be one of {known}")]
    kind = action["type"]
    if kind == "set_fields":
        fields = action.get("fields")
        if not isinstance(fields, dict) or not fields:
            return [FieldError(f"{where}.fields", "must be an object of fields to set")]
        for name in sorted(set(fields) - SETTABLE_FIELDS):
            errors.append(FieldError(f"{where}.fields.{name}", "cannot be set by a rule"))
        if "status" in fields and fields["status"] not in Status.values:
            errors.append(FieldError(f"{where}.fields.status", "is not a status"))
        if "priority" in fields and fields["priority"] not in Priority.values:
            errors.append(FieldError(f"{where}.fields.priority", "is not a priority"))
        if fields.get("team") is not None and "team" in fields:
            _check_ids(fields["team"], f"{where}.fields.team", Team, errors)
    elif kind == "assign":
        if "agent" not in action and "team" not in action:
            errors.append(FieldError(f"{where}.agent", "name an agent or a team"))
        if action.get("agent") is not None:
            _check_ids(action["agent"], f"{where}.agent", Agent, errors)
        if action.get("team") is not None:
            _check_ids(action["team"], f"{where}.team", Team, errors)
    elif kind in ("add_tags", "remove_tags"):
        try:
            ticket_actions.changes.clean_tag_names(action.get("tags") or [], field=f"{where}.tags")
        except InvalidInput as error:
            errors += error.errors
        if not action.get("tags"):
            errors.append(FieldError(f"{where}.tags", "must list at least one tag"))
    elif kind == "add_note":
        _check_template(action.get("body"), f"{where}.body", errors)
    elif kind == "notify":
        if not action.get("agents") and not action.get("team"):
            errors.append(FieldError(f"{where}.agents", "name agents or a team to notify"))
        if action.get("agents"):
            _check_ids(action["agents"], f"{where}.agents", Agent, errors)
        if action.get("team"):
            _check_ids(action["team"], f"{where}.team", Team, errors)
        _check_template(action.get("subject"), f"{where}.subject", errors)
        _check_template(action.get("body"), f"{where}.body", errors)
    elif kind == "email_customer":
        _check_template(action.get("body"), f"{where}.body", errors)
    elif kind == "escalate":
        _check_template(action.get("note"), f"{where}.note", errors)
        if action.get("team") is not None:
            _check_ids(action["team"], f"{where}.team", Team, errors)
            team = Team.objects.filter(pk=action["team"]).first()
            if team is not None and support_tier(team) is None:
                errors.append(FieldError(f"{where}.team", f"{team.name} is not a support tier"))
    elif kind == "webhook":
        url = action.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            errors.append(FieldError(f"{where}.url", "must be an http(s) URL"))
        if not isinstance(action.get("secret", ""), str):
            errors.append(FieldError(f"{where}.secret", "must be text"))
    return errors


def validate_actions(actions: Any, *, field: str = "actions") -> list[FieldError]:
    if not isinstance(actions, list) or not actions:
        return [FieldError(field, "must be a non-empty list of actions")]
    errors = []
    for index, action in enumerate(actions):
        errors += _validate_one(action, f"{field}[{index}]")
    return errors


def _team(team_id: int | None) -> Team | None:
    return None if team_id is None else Team.objects.get(pk=team_id)


def _update(ticket: Ticket, ctx: RuleContext, **changes) -> None:
    ticket_actions.update_ticket(actor=RULE_ACTOR, ticket=ticket, at=ctx.at, **changes)


def _set_fields(action: dict, ticket: Ticket, ctx: RuleContext) -> dict:
    changes = dict(action["fields"])
    if "team" in changes:
        changes["team"] = _team(changes["team"])
    _update(ticket, ctx, **changes)
    return {"type": "set_fields", "fields": action["fields"]}


def _assign(action: dict, ticket: Ticket, ctx: RuleContext) -> dict:
    changes = {}
    if "team" in action:
        changes["team"] = _team(action["team"])
    if "agent" in action:
        changes["assignee"] = (
            None if action["agent"] is None else Agent.objects.get(pk=action["agent"])
        )
    _update(ticket, ctx, **changes)
    return {"type": "assign", "agent": action.get("agent"), "team": action.get("team")}


def _tags(action: dict, ticket: Ticket, ctx: RuleContext) -> dict:
    _update(ticket, ctx, **{action["type"]: action["tags"]})
    return {"type": action["type"], "tags": action["tags"]}


def _add_note(action: dict, ticket: Ticket, ctx: RuleContext) -> dict:
    body = render(action["body"], ticket)
    ticket_actions.add_message(
        actor=RULE_ACTOR,
        ticket=ticket,
        body=body,
        visibility=Message.Visibility.INTERNAL,
        meta=ctx.meta(),
        at=ctx.at,
    )
    return {"type": "add_note", "body": body}


def _notified_agents(action: dict) -> list[Agent]:
    agents = Agent.objects.filter(user__is_active=True)
    ids = list(action.get("agents") or [])
    chosen = agents.filter(pk__in=ids) if ids else agents.none()
    if action.get("team"):
        chosen = chosen | agents.filter(teams=action["team"])
    return list(chosen.distinct().order_by("pk"))


def _notify(action: dict, ticket: Ticket, ctx: RuleContext) -> dict:
    """An in-app notification per agent (bell, live push, and mail as each agent chose)."""
    from tandem.workflow.notification_actions import notify_agent

    agents = _notified_agents(action)
    if not agents:
        return {"type": "notify", "to": [], "skipped": "no active agent to notify"}
    subject = headers.one_line(render(action["subject"], ticket))
    body = render(action["body"], ticket).strip()
    text = f"{subject}: {body}" if body else subject
    notifications = [
        notify_agent(agent=agent, kind=NotificationKind.RULE, ticket=ticket, text=text, at=ctx.at)
        for agent in agents
    ]
    return {
        "type": "notify",
        "to": [a.email for a in agents],
        "notifications": [n.pk for n in notifications],
    }


def answers_automatic_mail(ticket: Ticket) -> bool:
    """True when the customer's latest message was automatic mail (RFC 3834: never answer it)."""
    latest = (
        ticket.messages.filter(author_kind=Message.AuthorKind.CONTACT)
        .order_by("-created_at", "-id")
        .values_list("meta", flat=True)
        .first()
    )
    return bool((latest or {}).get("automatic"))


def _email_customer(action: dict, ticket: Ticket, ctx: RuleContext) -> dict:
    if answers_automatic_mail(ticket):
        return {"type": "email_customer", "skipped": "the customer's last message was automatic"}
    body = render(action["body"], ticket)
    # A public system message: the outbox mails it as an automatic notification
    # ("[#N] subject", Auto-Submitted: auto-generated).
    message = ticket_actions.add_message(
        actor=RULE_ACTOR, ticket=ticket, body=body, meta=ctx.meta(), at=ctx.at
    )
    return {"type": "email_customer", "message": message.pk}


def _escalate(action: dict, ticket: Ticket, ctx: RuleContext) -> dict:
    """Up one tier (or to the chosen higher team) with the rule's note, like an agent would.

    A ticket that cannot climb (already at the top, closed, the team not above it) is
    skipped, not failed, so the rule's other actions (notify the lead) still run."""
    team = _team(action.get("team"))
    note = render(action["note"], ticket)
    before = ticket.team.name if ticket.team else None
    try:
        moved = ticket_actions.escalate_ticket(
            actor=RULE_ACTOR, ticket=ticket, note=note, team=team, at=ctx.at
        )
    except InvalidInput as error:
        return {"type": "escalate", "skipped": "; ".join(e.message for e in error.errors)}
    moved.refresh_from_db(fields=["team"])
    return {"type": "escalate", "from": before, "to": moved.team.name, "note": note}


def _webhook(action: dict, ticket: Ticket, ctx: RuleContext) -> dict:
    from tandem.workflow.webhooks import queue_webhook

    delivery = queue_webhook(
        url=action["url"], secret=action.get("secret", ""), ticket=ticket, ctx=ctx
    )
    return {"type": "webhook", "url": action["url"], "delivery": delivery.pk}


ACTION_TYPES = {
    "set_fields": _set_fields,
    "assign": _assign,
    "add_tags": _tags,
    "remove_tags": _tags,
    "add_note": _add_note,
    "notify": _notify,
    "email_customer": _email_customer,
    "escalate": _escalate,
    "webhook": _webhook,
}


def apply_action(action: dict, *, ticket: Ticket, ctx: RuleContext) -> dict:
    return ACTION_TYPES[action["type"]](action, ticket, ctx)


def describe_action(action: dict, *, ticket: Ticket) -> dict:
    """What the action would do, computed without writing anything (dry runs)."""
    kind = action["type"]
    if kind == "set_fields":
        return {
            "type": kind,
            "changes": {
                name: {"from": _current(ticket, name), "to": value}
                for name, value in action["fields"].items()
                if _current(ticket, name) != value
            },
        }
    if kind == "assign":
        return {"type": kind, "agent": action.get("agent"), "team": action.get("team")}
    if kind in ("add_tags", "remove_tags"):
        return {"type": kind, "tags": action["tags"]}
    if kind == "add_note":
        return {"type": kind, "body": render(action["body"], ticket)}
    if kind == "notify":
        return {"type": kind, "to": [a.email for a in _notified_agents(action)]}
    if kind == "email_customer":
        if answers_automatic_mail(ticket):
            return {"type": kind, "skipped": "the customer's last message was automatic"}
        return {"type": kind, "body": render(action["body"], ticket)}
    if kind == "escalate":
        team = _team(action.get("team"))
        return {
            "type": kind,
            "to": team.name if team else "the next tier",
            "note": render(action["note"], ticket),
        }
    return {"type": kind, "url": action["url"]}


def _current(ticket: Ticket, name: str):
    if name == "team":
        return ticket.team_id
    return getattr(ticket, name)
