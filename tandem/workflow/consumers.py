"""WebSockets of working together: an agent's notification pushes, and presence on a ticket page.

Presence is gossip between the consumers of one ticket (the rules are in
`tandem.workflow.presence`): a page that joins announces itself and asks the others, who
answer it directly; heartbeats and typing changes go to the whole group; a page that
leaves says so, and one that dies silently expires. Only the channel layer carries it.
"""

from __future__ import annotations

import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tandem.workflow import presence
from tandem.workflow.notification_delivery import agent_group


def presence_group(number: int) -> str:
    return f"presence.{number}"


@database_sync_to_async
def _active_agent(user):
    from tandem.people.models import Agent

    if user is None or not user.is_authenticated:
        return None
    # Re-read from the database: the user in the scope is the one from connect time.
    return (
        Agent.objects.select_related("user").filter(user_id=user.pk, user__is_active=True).first()
    )


@database_sync_to_async
def _may_see(agent, number: int) -> bool:
    from tandem.tickets.queries import tickets_visible_to

    return tickets_visible_to(agent).filter(number=number).exists()


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Tells the agent's open pages that their notifications changed (the bell refetches)."""

    async def connect(self):
        agent = await _active_agent(self.scope.get("user"))
        if agent is None:
            await self.close(code=4403)
            return
        self.group = agent_group(agent.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def notifications_changed(self, event):
        await self.send_json({"type": "notifications.changed"})


class PresenceConsumer(AsyncJsonWebsocketConsumer):
    """One agent's open ticket page: announces them to the others and shows who else is here."""

    clock = staticmethod(time.monotonic)  # tests replace it to make time pass

    async def connect(self):
        self.number = int(self.scope["url_route"]["kwargs"]["number"])
        self.agent = await _active_agent(self.scope.get("user"))
        if self.agent is None or not await _may_see(self.agent, self.number):
            await self.close(code=4404)
            return
        self.group = presence_group(self.number)
        self.board: presence.Board = {}
        self.shown: list[dict] | None = None
        self.typing = False
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._send_viewers()
        await self._announce(ask=True)

    async def disconnect(self, code):
        if not hasattr(self, "group"):
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.channel_layer.group_send(
            self.group, {"type": "presence.leave", "channel": self.channel_name}
        )

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "typing":
            typing = content.get("typing") is True
            if typing != self.typing:
                self.typing = typing
                await self._announce()
            elif typing:
                await self._announce()  # still typing: renew it
        elif kind == "heartbeat":
            if not await _may_see(self.agent, self.number):
                await self.close(code=4404)
                return
            await self._announce()
            self.board = presence.expire(self.board, self.clock())
            await self._send_viewers()

    # --- group messages -------------------------------------------------------------

    async def presence_announce(self, event):
        if event["channel"] == self.channel_name:
            return
        self.board = presence.heard(
            self.board,
            channel=event["channel"],
            agent_id=event["agent"],
            name=event["name"],
            typing=event["typing"],
            now=self.clock(),
        )
        if event.get("ask"):
            await self.channel_layer.send(event["channel"], self._announcement(ask=False))
        await self._send_viewers()

    async def presence_leave(self, event):
        self.board = presence.left(self.board, event["channel"])
        await self._send_viewers()

    # --- helpers ------------------------------------------------------------------

    def _announcement(self, *, ask: bool) -> dict:
        return {
            "type": "presence.announce",
            "channel": self.channel_name,
            "agent": self.agent.pk,
            "name": self.agent.name,
            "typing": self.typing,
            "ask": ask,
        }

    async def _announce(self, *, ask: bool = False):
        await self.channel_layer.group_send(self.group, self._announcement(ask=ask))

    async def _send_viewers(self):
        current = presence.viewers(self.board, me=self.agent.pk, now=self.clock())
        if current != self.shown:
            self.shown = current
            await self.send_json({"type": "presence", "viewers": current})
