"""Every URL and every API operation, tried by every role (DESIGN.md, "Security rules").

The rows live in tests/permission_matrix_cases.py. Each (row, role) is one test: it checks
the status, where a redirect goes, and which tables changed: exactly the row's for an allowed
write, none at all otherwise (every table but sessions is compared). Further tests try the
same rows as a deactivated admin, without CSRF tokens, and the API with a browser session;
lists are checked for what they show, and the live-update WebSocket for whom it admits. The
completeness tests walk the URL resolver, the API schema and the WebSocket routes, so a new
URL without a row fails the suite.
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from django.urls.resolvers import RegexPattern

from tandem.api.api import api
from tandem.api.auth import INVALID, MISSING
from tandem.kb.models import Article
from tandem.mail.models import Mailbox
from tandem.people import actions as people_actions
from tandem.people.actors import Actor
from tandem.people.models import Agent, Contact, Organization, Team
from tandem.tickets import actions as ticket_actions
from tandem.tickets.models import Ticket
from tests.permission_matrix_cases import (
    ADMIN,
    AGENT,
    AGENTS,
    ANONYMOUS,
    CUSTOMER_A,
    CUSTOMER_B,
    CUSTOMERS,
    DEPARTED,
    LIGHT,
    LOGIN,
    OTHER_TEAM,
    PORTAL_SIGN_IN,
    ROLES,
    ROWS,
    Outcome,
    Row,
    World,
    build_world,
    changed_tables,
    fill,
    snapshot,
)

# --- the desk, made once for the module ----------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built in a transaction that is rolled back after the module; each test runs in a
    savepoint inside it (pytest-django's `db`), so writes by allowed roles never leak."""
    media = str(tmp_path_factory.mktemp("matrix-media"))
    fast = override_settings(
        MEDIA_ROOT=media,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        cache.clear()
        yield build_world(media)
        transaction.set_rollback(True)
    cache.clear()


@pytest.fixture(autouse=True)
def _in_the_world(world, db, settings):
    settings.MEDIA_ROOT = world.media_root  # where the module's attachments were stored
    cache.clear()  # rate limits and cached sessions start fresh for every case


# --- one request -----------------------------------------------------------------------------


def _speaks_api(row: Row) -> bool:
    return row.is_api or row.name.startswith("api:")


def _send(client, row: Row, path: str, headers: dict, world: World):
    data = fill(row.data, world.ids) if row.data is not None else None
    if row.method == "GET":
        return client.get(path, headers=headers)
    if row.body == "multipart":
        upload = SimpleUploadedFile("shot.png", b"\x89PNG", content_type="image/png")
        return client.post(path, {**data, "attachments": [upload]}, headers=headers)
    if row.is_api:
        body = "" if data is None else json.dumps(data)
        return client.generic(
            row.method, path, body, content_type="application/json", headers=headers
        )
    return client.post(path, data or {}, headers=headers)


def _created_ids(ids: dict) -> dict:
    """What a redirect to something the request made may name."""
    latest = {
        "new_ticket": Ticket.objects.order_by("-number").values_list("number", flat=True),
        "new_contact": Contact.objects.order_by("-pk").values_list("pk", flat=True),
        "new_organization": Organization.objects.order_by("-pk").values_list("pk", flat=True),
        "new_mailbox": Mailbox.objects.order_by("-pk").values_list("pk", flat=True),
        "new_article": Article.objects.order_by("-pk").values_list("pk", flat=True),
    }
    return {**ids, **{name: query.first() for name, query in latest.items()}}


def _expected_location(target: str, method: str, path: str, ids: dict) -> str:
    if target == LOGIN:
        return "/login/?next=" + quote(path, safe="/")
    if target == PORTAL_SIGN_IN:
        # A GET comes back after signing in; a POST's form data would be lost anyway.
        return "/portal/sign-in/" + (f"?{urlencode({'next': path})}" if method == "GET" else "")
    return fill(target, _created_ids(ids) if "{new_" in target else ids)


def _check_location(response, expected: str) -> None:
    location = response["Location"]
    if "?" in expected:
        assert location == expected
    else:  # only the path: the rest carries list context (cursors made of timestamps)
        parts = urlsplit(location)
        assert (parts.scheme, parts.netloc, parts.path) == ("", "", expected), location


def _check_api_body(response, status: int, detail: str | None = None) -> None:
    if status == 204:
        assert response.content == b""
        return
    if response.has_header("Content-Disposition"):  # a file, saved and never shown
        assert response["Content-Disposition"].startswith("attachment;")
        return
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if status == 401:
        assert body == {"detail": detail or MISSING}
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    elif status == 422:  # a refusal about the input names the fields (tandem/api/errors.py)
        assert set(body) == {"detail", "errors"}, body
    elif status >= 400:
        assert set(body) == {"detail"}, body


def _param(row: Row, role: str):
    reason = row.xfail.get(role)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(row, role, id=f"{row.label} as {role}", marks=marks)


CASES = [_param(row, role) for row in ROWS for role in ROLES]


def _answer_is(world: World, row: Row, role: str, expected: Outcome, *, detail=None) -> None:
    """Send the row's request as `role`; check status, redirect, JSON body and every table."""
    client, headers = world.client(role, api=_speaks_api(row))
    path = row.path(world)
    before = snapshot()

    response = _send(client, row, path, headers, world)
    if response.streaming:  # a download: reading it to the end lets the client close it
        b"".join(response.streaming_content)
    after = snapshot()

    assert response.status_code == expected.status, f"expected {expected}: {response.content[:300]}"
    if expected.to is not None:
        _check_location(response, _expected_location(expected.to, row.method, path, world.ids))
    else:
        assert not response.has_header("Location")
    if row.is_api:
        _check_api_body(response, expected.status, detail)
    changed = changed_tables(before, after)
    if expected.writes:
        assert row.changes <= changed <= row.changes | row.also
    else:
        assert changed == set()


@pytest.mark.parametrize(("row", "role"), CASES)
def test_each_role_gets_exactly_what_it_may(world, row, role):
    _answer_is(world, row, role, row.expect[role])


API_ROWS = [row for row in ROWS if row.is_api]


@pytest.mark.parametrize("row", API_ROWS, ids=[row.label for row in API_ROWS])
def test_a_workspace_session_never_authenticates_the_api(world, row):
    """The API takes only tokens: a browser's admin session (and its cookie, which a forged
    cross-site request would carry) is no credential there."""
    client, _ = world.client(ADMIN)
    before = snapshot()
    response = _send(client, row, row.path(world), {}, world)
    assert response.status_code == 401
    assert response.json() == {"detail": MISSING}
    assert snapshot() == before


@pytest.mark.parametrize("row", ROWS, ids=[row.label for row in ROWS])
def test_a_deactivated_admin_is_anonymous_everywhere(world, row):
    """Their old session and old token open nothing that anonymous visitors cannot."""
    _answer_is(world, row, DEPARTED, row.expect[ANONYMOUS], detail=INVALID)


def test_deactivation_takes_effect_on_the_very_next_request(world):
    """Sessions are cached and tokens remembered: neither may outlive the agent's access."""
    browser, _ = world.client(AGENT)
    script, token = world.client(AGENT, api=True)
    assert browser.get("/inbox/").status_code == 200
    assert script.get("/api/v1/tickets", headers=token).status_code == 200

    people_actions.update_agent(agent=Agent.objects.get(pk=world.ids["agent"]), active=False)

    response = browser.get("/inbox/")
    assert (response.status_code, response["Location"]) == (302, "/login/?next=/inbox/")
    response = script.get("/api/v1/tickets", headers=token)
    assert (response.status_code, response.json()) == (401, {"detail": INVALID})


FORM_POSTS = [row for row in ROWS if row.method == "POST" and not _speaks_api(row)]


def _writer(row: Row) -> str:
    """The role for whom the post would work, so the refusal is the CSRF check's alone."""
    writers = [role for role in ROLES if row.expect[role].writes]
    return ADMIN if not writers or ADMIN in writers else writers[0]


@pytest.mark.parametrize("row", FORM_POSTS, ids=[row.label for row in FORM_POSTS])
def test_every_form_post_needs_the_csrf_token(world, row):
    role = _writer(row)
    client, _ = world.client(role)
    client.handler.enforce_csrf_checks = True
    before = snapshot()
    response = _send(client, row, row.path(world), {}, world)
    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert snapshot() == before


# --- lists show only what the role may open --------------------------------------------------


def _numbers(items) -> set[int]:
    return {getattr(item, "number", None) or item["number"] for item in items}


LISTS = {
    # name: (role kind, path, how to read the ticket numbers off the response)
    "inbox": ("agent", "/inbox/", lambda r: _numbers(row.ticket for row in r.context["rows"])),
    "api tickets": ("api", "/api/v1/tickets", lambda r: _numbers(r.json()["items"])),
    "api contact tickets": (
        "api",
        "/api/v1/contacts/{customer_a}/tickets",
        lambda r: _numbers(r.json()["items"]),
    ),
    "contact page": (
        "agent",
        "/contacts/{customer_a}/",
        lambda r: _numbers(r.context["profile"].summary.recent),
    ),
    "organization page": (
        "agent",
        "/organizations/{organization}/",
        lambda r: _numbers(r.context["profile"].recent),
    ),
    "portal requests": (
        "customer",
        "/portal/requests/",
        lambda r: _numbers(r.context["page"].object_list),
    ),
}
TEAM_X, TEAM_Y = ("T", "T2", "T3"), ("U",)
# What each role sees of all tickets, and of customer A's (who is Acme's, as are her tickets).
SEES = {
    LIGHT: {"all": TEAM_X, "of A": TEAM_X},
    OTHER_TEAM: {"all": TEAM_Y, "of A": ()},
    AGENT: {"all": TEAM_X + TEAM_Y, "of A": TEAM_X},
    ADMIN: {"all": TEAM_X + TEAM_Y, "of A": TEAM_X},
    CUSTOMER_A: {"all": TEAM_X},
    CUSTOMER_B: {"all": TEAM_Y},
}
LIST_CASES = [
    pytest.param(name, role, id=f"{name} as {role}")
    for name, (kind, _, _) in LISTS.items()
    for role in (CUSTOMERS if kind == "customer" else AGENTS)
]


@pytest.mark.parametrize(("name", "role"), LIST_CASES)
def test_lists_show_each_role_only_the_tickets_it_may_open(world, name, role):
    kind, path, numbers_of = LISTS[name]
    client, headers = world.client(role, api=kind == "api")
    response = client.get(fill(path, world.ids), headers=headers)
    assert response.status_code == 200
    scope = "of A" if "{customer_a}" in path or "{organization}" in path else "all"
    assert numbers_of(response) == {world.ids[key] for key in SEES[role][scope]}


# --- the live-update socket --------------------------------------------------------------------

SOCKET = "ws/tickets/<int:number>/"
SOCKET_ACCEPTS = {LIGHT, AGENT, ADMIN}  # who may see ticket T


def _socket_routes(app=None, prefix: str = "") -> list[str]:
    """Every WebSocket route of the ASGI application, through its middleware."""
    from channels.routing import URLRouter

    from tandem.asgi import application

    if app is None:
        app = application.application_mapping["websocket"]
        while not isinstance(app, URLRouter):
            app = getattr(app, "application", None) or app.inner
    routes = []
    for route in app.routes:
        inner = getattr(route.callback, "application", route.callback)
        if isinstance(inner, URLRouter):
            routes += _socket_routes(inner, prefix + str(route.pattern))
        else:
            routes.append(prefix + str(route.pattern))
    return routes


def _socket_scope(path: str, cookie: str | None, origin: str = "http://testserver") -> dict:
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return {
        "type": "websocket",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "subprotocols": [],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


def _connect(path: str, *, cookie: str | None, origin: str = "http://testserver"):
    """(accepted, close code) of a WebSocket handshake through the real ASGI application.

    asgiref's communicator rather than channels.testing, which needs daphne installed."""
    from asgiref.sync import async_to_sync
    from asgiref.testing import ApplicationCommunicator

    from tandem.asgi import application

    async def attempt():
        communicator = ApplicationCommunicator(application, _socket_scope(path, cookie, origin))
        await communicator.send_input({"type": "websocket.connect"})
        answer = await communicator.receive_output(timeout=5)
        assert answer["type"] in ("websocket.accept", "websocket.close"), answer
        # The server hears the socket end either way, as from a real browser.
        await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await communicator.wait(timeout=5)
        if answer["type"] == "websocket.close":
            return False, answer.get("code")
        return True, None

    return async_to_sync(attempt)()


@pytest.fixture
def _sockets_share_the_test_transaction(monkeypatch):
    # Channels closes "old" database connections around each sync call; inside the test's
    # transaction that would drop it (on PostgreSQL), so the housekeeping is switched off.
    import channels.db

    monkeypatch.setattr(channels.db, "close_old_connections", lambda: None)


@pytest.mark.usefixtures("_sockets_share_the_test_transaction")
@pytest.mark.parametrize("role", (*ROLES, DEPARTED))
def test_ticket_socket_opens_only_for_agents_who_may_see_the_ticket(world, role):
    accepted, code = _connect(f"/ws/tickets/{world.ids['T']}/", cookie=world.sessions.get(role))
    if role in SOCKET_ACCEPTS:
        assert accepted is True
    else:
        assert (accepted, code) == (False, 4404)  # as for a ticket that does not exist


@pytest.mark.usefixtures("_sockets_share_the_test_transaction")
def test_ticket_socket_refuses_other_sites_even_for_an_admin(world):
    accepted, _ = _connect(
        f"/ws/tickets/{world.ids['T']}/",
        cookie=world.sessions[ADMIN],
        origin="https://evil.example",
    )
    assert accepted is False


def _ticket_moves_to_team_x(world):
    ticket_actions.update_ticket(
        actor=Actor.for_agent(Agent.objects.get(pk=world.ids["admin"])),
        ticket=Ticket.objects.get(pk=world.ids["U"]),
        team=Team.objects.get(pk=world.ids["team_x"]),
    )


def _agent_is_deactivated(world):
    agent = Agent.objects.get(pk=world.ids["other_team_agent"])
    people_actions.update_agent(agent=agent, active=False)


@pytest.mark.usefixtures("_sockets_share_the_test_transaction")
@pytest.mark.parametrize(
    "lose_sight",
    [_ticket_moves_to_team_x, _agent_is_deactivated],
    ids=["ticket moved to another team", "agent deactivated"],
)
def test_ticket_socket_goes_quiet_for_an_agent_who_lost_sight_of_it(
    world, django_capture_on_commit_callbacks, lose_sight
):
    """Team Y's agent watches U (team Y). Once U is a 404 to them, its socket must not keep
    telling them what happens to U."""
    from asgiref.sync import async_to_sync, sync_to_async
    from asgiref.testing import ApplicationCommunicator

    from tandem.asgi import application

    number = world.ids["U"]

    @sync_to_async
    def in_the_desk(write):
        with django_capture_on_commit_callbacks(execute=True):  # pushes go after commit
            write(world)

    def admin_changes_priority(priority):
        def write(world):
            ticket_actions.update_ticket(
                actor=Actor.for_agent(Agent.objects.get(pk=world.ids["admin"])),
                ticket=Ticket.objects.get(pk=number),
                priority=priority,
            )

        return write

    async def heard(socket):
        if await socket.receive_nothing(timeout=0.3):
            return []
        return [await socket.receive_output(timeout=1)]

    async def story():
        scope = _socket_scope(f"/ws/tickets/{number}/", world.sessions[OTHER_TEAM])
        socket = ApplicationCommunicator(application, scope)
        await socket.send_input({"type": "websocket.connect"})
        assert (await socket.receive_output(timeout=5))["type"] == "websocket.accept"

        # While they may see U, they hear of its changes: the pipe works.
        await in_the_desk(admin_changes_priority("high"))
        notice = {"type": "ticket.changed", "number": number, "kind": "updated"}
        assert [json.loads(m["text"]) for m in await heard(socket)] == [notice]

        await in_the_desk(lose_sight)
        while told := await heard(socket):  # the news of the loss itself may still arrive
            if told[0]["type"] == "websocket.close":
                return
        await in_the_desk(admin_changes_priority("urgent"))
        after = await heard(socket)
        await socket.send_input({"type": "websocket.disconnect", "code": 1000})
        await socket.wait(timeout=5)
        assert [m for m in after if m["type"] != "websocket.close"] == []

    async_to_sync(story)()


def test_every_socket_route_is_tried():
    assert _socket_routes() == [SOCKET, NOTIFICATION_SOCKET, PRESENCE_SOCKET]


# --- the working-together sockets (tandem.workflow) ---------------------------------------------

NOTIFICATION_SOCKET = "ws/notifications/"
PRESENCE_SOCKET = "ws/tickets/<int:number>/presence/"


@pytest.mark.usefixtures("_sockets_share_the_test_transaction")
@pytest.mark.parametrize("role", (*ROLES, DEPARTED))
def test_presence_socket_opens_only_for_agents_who_may_see_the_ticket(world, role):
    path = f"/ws/tickets/{world.ids['T']}/presence/"
    accepted, code = _connect(path, cookie=world.sessions.get(role))
    if role in SOCKET_ACCEPTS:
        assert accepted is True
    else:
        assert (accepted, code) == (False, 4404)


@pytest.mark.usefixtures("_sockets_share_the_test_transaction")
@pytest.mark.parametrize("role", (*ROLES, DEPARTED))
def test_notification_socket_opens_for_every_active_agent_only(world, role):
    accepted, code = _connect("/ws/notifications/", cookie=world.sessions.get(role))
    if role in AGENTS:
        assert accepted is True
    else:
        assert (accepted, code) == (False, 4403)


def test_health_check_is_public_and_tells_only_health(world, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "jobs": "ok"}


# --- nothing without a row -------------------------------------------------------------------

# URLs the matrix leaves alone, each with the reason.
ALLOW_LIST = {
    # Django's admin site: superusers (the desk's admins) only, checked by Django itself for
    # every one of its pages; its index is in the matrix as the proof.
    "namespace admin": "django.contrib.admin",
}
# Static and media files are served by the web server (or runserver with DEBUG); a pattern for
# them, should one appear, is no page of ours.
FILE_PREFIXES = tuple(
    prefix.lstrip("/") for prefix in (settings.STATIC_URL, settings.MEDIA_URL) if prefix
)


def _patterns(resolver=None, prefix: str = "", namespace: str = ""):
    """(route, qualified name, pattern) for every URL, through every include."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n)
            yield from _patterns(pattern, prefix + str(pattern.pattern), inner)
        else:
            assert isinstance(pattern, URLPattern)
            name = ":".join(n for n in (namespace, pattern.name) if n) if pattern.name else None
            yield prefix + str(pattern.pattern), name, namespace, pattern


def _ninja_operations(pattern: URLPattern):
    """The (method, path view) operations behind a ninja URL, or None for any other view."""
    for cell in getattr(pattern.callback, "__closure__", None) or ():
        operations = getattr(cell.cell_contents, "operations", None)
        if operations is not None:
            return operations
    return None


def _openapi_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


ROW_NAMES = {row.name for row in ROWS}


def _uncovered_urls(resolver=None) -> list[str]:
    missing = []
    for route, name, namespace, pattern in _patterns(resolver):
        outer = namespace.split(":")[0]
        if f"namespace {outer}" in ALLOW_LIST or route.startswith(FILE_PREFIXES):
            continue
        if name in ROW_NAMES:
            continue
        operations = _ninja_operations(pattern)
        if operations is not None:
            missing += [
                f"{method} {_openapi_path(route)}"
                for operation in operations
                for method in operation.methods
                if f"{method} {_openapi_path(route)}" not in ROW_NAMES
            ]
        else:
            missing.append(f"{name or '(no name)'} {route}")
    return sorted(set(missing))


def test_every_url_has_a_row():
    assert _uncovered_urls() == []


def test_every_operation_of_the_api_schema_has_a_row():
    schema = api.get_openapi_schema()
    operations = {
        f"{method.upper()} {route}"
        for route, methods in schema["paths"].items()
        for method in methods
    }
    assert operations - ROW_NAMES == set()


def test_every_api_row_is_a_real_operation():
    """A row for an operation that was removed or renamed would test nothing."""
    real = set()
    for route, _, _, pattern in _patterns():
        for operation in _ninja_operations(pattern) or ():
            real |= {f"{method} {_openapi_path(route)}" for method in operation.methods}
    assert {row.name for row in API_ROWS} - real == set()


def test_the_completeness_check_notices_a_new_url():
    """The walk goes through includes and namespaces: a page added to an app is reported."""
    app_urls = ([path("tickets/<int:number>/secret/", _nowhere, name="secret")], "tickets")
    urlconf = SimpleNamespace(
        urlpatterns=[*get_resolver().url_patterns, path("", include(app_urls))]
    )
    resolver = URLResolver(RegexPattern(r"^/"), urlconf)
    assert set(_uncovered_urls(resolver)) - set(_uncovered_urls()) == {
        "tickets:secret tickets/<int:number>/secret/"
    }


def _nowhere(request):
    raise AssertionError("never called")
