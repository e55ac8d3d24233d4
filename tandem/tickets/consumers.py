"""WebSocket pushes for an open ticket page: "this ticket changed, refresh what you show"."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tandem.core.live import ticket_group


class TicketConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.number = int(self.scope["url_route"]["kwargs"]["number"])
        if not await self._may_see():
            await self.close(code=4404)
            return
        self.group = ticket_group(self.number)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def ticket_changed(self, event):
        # Access is checked again on every push: a ticket moved to another team, or an
        # agent deactivated, goes quiet at once, not at the next page load.
        if not await self._may_see():
            await self.close(code=4404)
            return
        await self.send_json(
            {"type": "ticket.changed", "number": event["number"], "kind": event["kind"]}
        )

    @database_sync_to_async
    def _may_see(self) -> bool:
        from tandem.people.models import Agent
        from tandem.tickets.queries import tickets_visible_to

        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return False
        # Re-read from the database: the user in the scope is the one from connect time.
        agent = Agent.objects.select_related("user").filter(user_id=user.pk).first()
        return agent is not None and tickets_visible_to(agent).filter(number=self.number).exists()
