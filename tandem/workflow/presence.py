"""Who else has a ticket open and who is typing a reply: the rules, on plain values.

Presence travels as channel-layer group messages between the consumers of one ticket's
page (see `tandem.workflow.consumers`), so it works on one process with the in-memory
layer and across processes with Redis, and no process keeps a desk-wide table. Each
consumer keeps the board of the others it has heard from; a page that stops sending
heartbeats (its process died, its laptop slept) drops off after `STALE_AFTER`, and a
"typing" that is not renewed ends after `TYPING_FOR`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

HEARTBEAT_SECONDS = 15  # how often a page says "still here"
STALE_AFTER = 40.0  # seconds without a word: the page is gone (two missed heartbeats and slack)
TYPING_FOR = 8.0  # seconds a "typing" lasts unless the page renews it


@dataclass(frozen=True)
class Presence:
    """One open page (a channel) of one agent."""

    channel: str
    agent_id: int
    name: str
    typing_since: float | None
    seen_at: float

    def is_typing(self, now: float) -> bool:
        return self.typing_since is not None and now - self.seen_at < TYPING_FOR


Board = dict[str, Presence]  # channel name -> presence


def heard(
    board: Board, *, channel: str, agent_id: int, name: str, typing: bool, now: float
) -> Board:
    """A join, heartbeat or typing change from another page."""
    previous = board.get(channel)
    since = None
    if typing:
        since = previous.typing_since if previous and previous.typing_since else now
    updated = dict(board)
    updated[channel] = Presence(
        channel=channel, agent_id=agent_id, name=name, typing_since=since, seen_at=now
    )
    return updated


def left(board: Board, channel: str) -> Board:
    return {key: value for key, value in board.items() if key != channel}


def expire(board: Board, now: float) -> Board:
    """Drop pages gone quiet; end typings that were not renewed."""
    kept: Board = {}
    for channel, presence in board.items():
        if now - presence.seen_at >= STALE_AFTER:
            continue
        if presence.typing_since is not None and not presence.is_typing(now):
            presence = replace(presence, typing_since=None)
        kept[channel] = presence
    return kept


def viewers(board: Board, *, me: int, now: float) -> list[dict]:
    """Other agents on the page, once each however many tabs they have, typing if any tab is;
    sorted by name. The agent's own other tabs are not "someone else"."""
    people: dict[int, dict] = {}
    for presence in board.values():
        if presence.agent_id == me or now - presence.seen_at >= STALE_AFTER:
            continue
        entry = people.setdefault(
            presence.agent_id, {"id": presence.agent_id, "name": presence.name, "typing": False}
        )
        entry["typing"] = entry["typing"] or presence.is_typing(now)
    return sorted(people.values(), key=lambda entry: (entry["name"].lower(), entry["id"]))
