"""The presence and notification WebSockets, through Channels' communicator and the real
in-memory channel layer; each test drives the async consumers from a sync test."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from channels.routing import URLRouter

from tandem.people import actions as people_actions
from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.workflow.ws_routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)

application = URLRouter(websocket_urlpatterns)


class Client(ApplicationCommunicator):
    """A WebSocket client for a consumer: Channels' own communicator lives in a package that
    imports daphne, which Tandem does not use (it serves with uvicorn)."""

    def __init__(self, path, user):
        scope = {
            "type": "websocket",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [],
            "subprotocols": [],
            "user": user,
        }
        super().__init__(application, scope)

    async def connect(self, timeout=2):
        await self.send_input({"type": "websocket.connect"})
        answer = await self.receive_output(timeout)
        if answer["type"] == "websocket.close":
            return False, answer.get("code", 1000)
        return True, None

    async def send_json_to(self, data):
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout=2):
        answer = await self.receive_output(timeout)
        assert answer["type"] == "websocket.send", answer
        return json.loads(answer["text"])

    async def disconnect(self, code=1000, timeout=2):
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def communicator(path, agent):
    return Client(path, agent.user)


async def connected(path, agent):
    client = communicator(path, agent)
    ok, code = await client.connect()
    assert ok, code
    return client


async def viewers(client):
    message = await client.receive_json_from(timeout=2)
    assert message["type"] == "presence"
    return [(v["name"], v["typing"]) for v in message["viewers"]]


def test_two_agents_see_each_other_typing_and_leaving(agent, admin, ticket):
    path = f"/ws/tickets/{ticket.number}/presence/"

    async def story():
        alex = await connected(path, agent)
        assert await viewers(alex) == []
        ada = await connected(path, admin)
        assert await viewers(ada) == []
        assert await viewers(alex) == [("Ada Admin", False)]  # Ada announced herself
        assert await viewers(ada) == [("Alex Agent", False)]  # Alex answered her ask

        await ada.send_json_to({"type": "typing", "typing": True})
        assert await viewers(alex) == [("Ada Admin", True)]
        await ada.send_json_to({"type": "typing", "typing": False})
        assert await viewers(alex) == [("Ada Admin", False)]

        await ada.disconnect()
        assert await viewers(alex) == []
        await alex.disconnect()

    async_to_sync(story)()


def test_same_agent_in_two_tabs_is_not_someone_else(agent, ticket):
    path = f"/ws/tickets/{ticket.number}/presence/"

    async def story():
        first = await connected(path, agent)
        assert await viewers(first) == []
        second = await connected(path, agent)
        assert await viewers(second) == []
        assert await first.receive_nothing(timeout=0.3)
        await first.disconnect()
        await second.disconnect()

    async_to_sync(story)()


def test_agent_who_may_not_see_the_ticket_is_refused(other_team_agent, ticket):
    async def story():
        client = communicator(f"/ws/tickets/{ticket.number}/presence/", other_team_agent)
        ok, code = await client.connect()
        assert (ok, code) == (False, 4404)

    async_to_sync(story)()


def test_deactivated_agent_is_refused(agent, admin, ticket):
    people_actions.update_agent(agent=agent, active=False)

    async def story():
        for path in (f"/ws/tickets/{ticket.number}/presence/", "/ws/notifications/"):
            client = communicator(path, agent)
            ok, _ = await client.connect()
            assert not ok

    async_to_sync(story)()


def test_notification_socket_hears_a_mention_after_commit(agent, admin, ticket):
    @database_sync_to_async
    def mention():
        actions.add_message(
            actor=Actor.for_agent(agent), ticket=ticket, body="@ada please", visibility="internal"
        )

    async def story():
        client = await connected("/ws/notifications/", admin)
        await mention()
        assert await client.receive_json_from(timeout=2) == {"type": "notifications.changed"}
        await client.disconnect()

    async_to_sync(story)()
