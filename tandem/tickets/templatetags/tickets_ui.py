"""Small presentation pieces for the agent workspace: pills, badges, times and event sentences."""

from __future__ import annotations

import datetime as dt
import re

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from tandem.people.models import Track
from tandem.tickets.models import Priority, Status, TicketEvent

register = template.Library()

STATUS_LABELS = dict(Status.choices)
PRIORITY_LABELS = dict(Priority.choices)
TRACK_LABELS = dict(Track.choices)


@register.simple_tag
def status_pill(status: str):
    label = STATUS_LABELS.get(status, status)
    return format_html('<span class="pill status-{}">{}</span>', status, label)


@register.simple_tag
def priority_badge(priority: str):
    label = PRIORITY_LABELS.get(priority, priority)
    return format_html('<span class="prio prio-{}">{}</span>', priority, label)


@register.simple_tag
def track_badge(track: str):
    label = TRACK_LABELS.get(track, track)
    return format_html('<span class="track track-{}">{}</span>', track, label)


def short_relative(value: dt.datetime, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    seconds = int((now - value).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        amount = f"{max(1, round(seconds / 60))} min"
    elif seconds < 86400:
        amount = f"{seconds // 3600} h"
    elif seconds < 7 * 86400:
        amount = f"{seconds // 86400} d"
    else:
        local = timezone.localtime(value)
        same_year = local.year == timezone.localtime(now).year
        return local.strftime("%-d %b" if same_year else "%-d %b %Y")
    return f"in {amount}" if future else f"{amount} ago"


@register.simple_tag
def reltime(value: dt.datetime | None, now: dt.datetime | None = None):
    """A <time> with the relative form shown and the exact one in its title."""
    if value is None:
        return format_html('<span class="muted">{}</span>', "never")
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        local.strftime("%a %-d %b %Y, %H:%M %Z"),
        short_relative(value, now),
    )


@register.simple_tag
def url_or_none(name: str, *args):
    """The URL, or "" while the page it names does not exist yet (another app's pages)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


_REMOTE_IMAGE = re.compile(r"<img\b[^>]*\bsrc=\"(?:https?:)?//", re.IGNORECASE)


@register.filter
def has_remote_images(html: str) -> bool:
    """Whether sanitised HTML points at images elsewhere (the CSP keeps them from loading)."""
    return bool(html) and _REMOTE_IMAGE.search(html) is not None


@register.filter
def initials(name: str) -> str:
    parts = [p for p in (name or "").replace(".", " ").split() if p[:1].isalnum()]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


# --- event sentences -----------------------------------------------------------

Kind = TicketEvent.Kind


def actor_label(event: TicketEvent) -> str:
    if event.actor_agent_id:
        name = event.actor_agent.name
        return f"{name} (API)" if event.actor_kind == TicketEvent.ActorKind.API else name
    if event.actor_contact_id:
        return event.actor_contact.display_name
    if event.actor_kind == TicketEvent.ActorKind.API:
        return "The API"
    return "Tandem"


def _word(value, labels: dict | None = None) -> str:
    if value in (None, ""):
        return "none"
    return str(labels.get(value, value) if labels else value).lower()


def _tier_move(verb: str, data: dict) -> str:
    team = data.get("to_team_name")
    if team:
        return format_html("{} to <b>{}</b> (tier {})", verb, team, data.get("to_tier", "?"))
    return format_html("{} to tier <b>{}</b>", verb, data.get("to_tier", "?"))


def _from_to(what: str, data: dict, labels: dict | None = None):
    return format_html(
        "changed {} from <b>{}</b> to <b>{}</b>",
        what,
        _word(data.get("from"), labels),
        _word(data.get("to"), labels),
    )


def _named_change(what: str, data: dict):
    names = data.get("names") or {}
    before, after = names.get("from"), names.get("to")
    if before and after:
        return format_html("moved {} from <b>{}</b> to <b>{}</b>", what, before, after)
    if after:
        return format_html("set {} to <b>{}</b>", what, after)
    return format_html("removed {} <b>{}</b>", what, before or "")


def _assignee(data: dict):
    names = data.get("names") or {}
    before, after = names.get("from"), names.get("to")
    if after and before:
        return format_html("reassigned from <b>{}</b> to <b>{}</b>", before, after)
    if after:
        return format_html("assigned <b>{}</b>", after)
    return format_html("unassigned <b>{}</b>", before or "the ticket")


def _tags(data: dict):
    before, after = set(data.get("from") or []), set(data.get("to") or [])
    parts = []
    if added := sorted(after - before):
        parts.append(
            format_html(
                "added {} {}",
                "tag" if len(added) == 1 else "tags",
                format_html_join(", ", "<b>{}</b>", ((t,) for t in added)),
            )
        )
    if removed := sorted(before - after):
        parts.append(
            format_html(
                "removed {} {}",
                "tag" if len(removed) == 1 else "tags",
                format_html_join(", ", "<b>{}</b>", ((t,) for t in removed)),
            )
        )
    return format_html_join(" and ", "{}", ((p,) for p in parts)) if parts else "changed tags"


def _custom_fields(data: dict):
    before, after = data.get("from") or {}, data.get("to") or {}
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return (
        format_html(
            "changed {}",
            format_html_join(", ", "<b>{}</b>", ((k.replace("_", " "),) for k in keys)),
        )
        if keys
        else "changed custom fields"
    )


def _ticket_ref(number) -> str:
    try:
        return format_html('<a href="{}">#{}</a>', reverse("tickets:detail", args=[number]), number)
    except NoReverseMatch:
        return format_html("#{}", number)


def event_phrase(event: TicketEvent):
    data = event.data or {}
    kind = event.kind
    if kind == Kind.STATUS_CHANGED:
        phrase = _from_to("status", data, STATUS_LABELS)
        if data.get("reason") == "customer_message":
            phrase = format_html("{} (customer wrote back)", phrase)
        elif data.get("reason") == "merged":
            phrase = format_html("{} (merged)", phrase)
        return phrase
    if kind == Kind.PRIORITY_CHANGED:
        return _from_to("priority", data, PRIORITY_LABELS)
    if kind == Kind.TRACK_CHANGED:
        return _from_to("track", data, TRACK_LABELS)
    if kind == Kind.CATEGORY_CHANGED:
        return _from_to("category", data)
    if kind == Kind.SUBJECT_CHANGED:
        return format_html("renamed the ticket to <b>{}</b>", data.get("to", ""))
    if kind == Kind.ASSIGNEE_CHANGED:
        return _assignee(data)
    if kind == Kind.TEAM_CHANGED:
        return _named_change("the team", data)
    if kind == Kind.TAGS_CHANGED:
        return _tags(data)
    if kind == Kind.CUSTOM_FIELDS_CHANGED:
        return _custom_fields(data)
    if kind == Kind.ESCALATED:
        return _tier_move("escalated", data)
    if kind == Kind.DE_ESCALATED:
        return _tier_move("de-escalated", data)
    if kind == Kind.ROUTED:
        return format_html("routed the ticket: {}", data.get("reason", ""))
    if kind == Kind.MERGED:
        return format_html("merged this ticket into {}", _ticket_ref(data.get("target")))
    if kind == Kind.MERGED_IN:
        return format_html("merged {} into this ticket", _ticket_ref(data.get("source")))
    if kind == Kind.LINKED:
        return format_html("linked {}", _ticket_ref(data.get("other")))
    if kind == Kind.UNLINKED:
        return format_html("unlinked {}", _ticket_ref(data.get("other")))
    if kind == Kind.FOLLOWUP_CREATED:
        return format_html("opened follow-up {}", _ticket_ref(data.get("followup")))
    if kind == Kind.REQUESTER_CHANGED:
        return "changed the requester"
    if kind == Kind.SLA_APPLIED:
        return _sla_applied(data)
    if kind == Kind.SLA_BREACHED:
        target = str(data.get("metric", "")).replace("_", " ")
        return format_html("recorded a missed SLA target: <b>{}</b>", target)
    return event.get_kind_display().lower()


def _sla_applied(data: dict):
    if data.get("to") is None:
        return format_html(
            "removed SLA policy <b>{}</b> ({})", data.get("from"), data.get("because")
        )
    if data.get("from") not in (None, data.get("to")):
        return format_html(
            "moved from SLA policy <b>{}</b> to <b>{}</b> ({})",
            data.get("from"),
            data.get("to"),
            data.get("because"),
        )
    return format_html("applied SLA policy <b>{}</b> ({})", data.get("to"), data.get("because"))


@register.simple_tag
def event_sentence(event: TicketEvent):
    return format_html("<b>{}</b> {}", actor_label(event), event_phrase(event))
