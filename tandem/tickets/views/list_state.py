"""Which inbox list an agent is working through: parsed from the query string, carried to tickets.

The inbox's view, filters and sort travel to a ticket page as one `in` query parameter
(the list's own query string, URL-encoded) plus `pos`, the keyset cursor of the row that
was clicked. Previous/next are then one indexed LIMIT 1 query each, from that position,
so stepping through a list stays cheap at any size and needs no session state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import QueryDict

from tandem.people.models import Track
from tandem.tickets.models import Channel, Priority, Status, Ticket
from tandem.tickets.queries import (
    INBOX_VIEWS,
    SORTS,
    InboxFilters,
    decode_cursor,
    encode_cursor,
)

DEFAULT_VIEW = "open"
DEFAULT_SORT = "updated"
FILTER_NAMES = ("status", "priority", "team", "assignee", "channel", "tag", "track")


def _id_or_none(raw: str) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


@dataclass
class ListState:
    view: str = DEFAULT_VIEW
    sort: str = DEFAULT_SORT
    filters: InboxFilters = field(default_factory=InboxFilters)

    @classmethod
    def from_query(cls, query: QueryDict) -> ListState:
        """Unknown or malformed values are dropped, never an error: a stale link still opens."""
        view = query.get("view", DEFAULT_VIEW)
        sort = query.get("sort", DEFAULT_SORT)
        assignee_raw = query.get("assignee", "")
        tag = query.get("tag", "").strip().lstrip("#")[:64]
        filters = InboxFilters(
            status=_choice(query.get("status", ""), Status.values),
            priority=_choice(query.get("priority", ""), Priority.values),
            team=_id_or_none(query.get("team", "")),
            assignee=0 if assignee_raw == "none" else _id_or_none(assignee_raw),
            channel=_choice(query.get("channel", ""), Channel.values),
            tag=tag,
            track=_choice(query.get("track", ""), Track.values),
        )
        return cls(
            view=view if view in INBOX_VIEWS else DEFAULT_VIEW,
            sort=sort if sort in SORTS else DEFAULT_SORT,
            filters=filters,
        )

    @classmethod
    def from_encoded(cls, encoded: str) -> ListState:
        return cls.from_query(QueryDict(encoded or ""))

    def params(self) -> dict[str, str]:
        """Only what differs from the defaults, so links stay short and readable."""
        params: dict[str, str] = {}
        if self.view != DEFAULT_VIEW:
            params["view"] = self.view
        f = self.filters
        for name in ("status", "priority", "channel", "tag", "track"):
            if getattr(f, name):
                params[name] = getattr(f, name)
        if f.team is not None:
            params["team"] = str(f.team)
        if f.assignee == 0:
            params["assignee"] = "none"
        elif f.assignee is not None:
            params["assignee"] = str(f.assignee)
        if self.sort != DEFAULT_SORT:
            params["sort"] = self.sort
        return params

    def query(self, **extra: str) -> str:
        params = self.params()
        params.update({k: v for k, v in extra.items() if v})
        return urlencode(params)

    @property
    def has_filters(self) -> bool:
        return any(name in self.params() for name in FILTER_NAMES)

    @property
    def title(self) -> str:
        return INBOX_VIEWS[self.view]

    @property
    def sort_column(self) -> str:
        return SORTS[self.sort][0]

    def position_of(self, ticket: Ticket) -> str:
        """The keyset cursor of this row: where 'next' and 'previous' count from."""
        return encode_cursor(getattr(ticket, self.sort_column), ticket.number)

    def valid_position(self, pos: str) -> bool:
        try:
            decode_cursor(pos, self.sort_column)
        except ValueError:
            return False
        return True


def _choice(raw: str, allowed) -> str:
    return raw if raw in allowed else ""
