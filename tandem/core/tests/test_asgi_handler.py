"""The HTTP side of `tandem serve`: Django in one pooled thread per request, and its processes."""

from __future__ import annotations

import asyncio
import io
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core.management import CommandError, call_command
from django.core.signals import request_finished, request_started
from django.http import FileResponse
from django.urls import path

from tandem.core.asgi_handler import PooledThreadASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


def _scope(path: str) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _call(handler, path: str) -> tuple[int, bytes]:
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    sent = []

    async def send(message):
        sent.append(message)

    await handler(_scope(path), receive, send)
    start, *bodies = sent
    return start["status"], b"".join(m.get("body", b"") for m in bodies)


def test_requests_are_answered_by_long_lived_pool_threads():
    handler = PooledThreadASGIHandler(threads=1)
    threads = []

    def note_thread(**kwargs):
        threads.append(threading.get_ident())

    async def three_requests():
        return [await _call(handler, "/healthz") for _ in range(3)], threading.get_ident()

    request_started.connect(note_thread)
    try:
        answers, loop_thread = asyncio.run(three_requests())
    finally:
        request_started.disconnect(note_thread)

    assert [status for status, _ in answers] == [200, 200, 200]
    assert b'"database": "ok"' in answers[0][1]
    # Signals, middleware and view ran off the event loop, all three in the same thread.
    assert len(threads) == 3 and len(set(threads)) == 1 and loop_thread not in threads


def test_an_unknown_url_still_gets_the_middleware_and_a_404():
    handler = PooledThreadASGIHandler(threads=1)

    status, _ = asyncio.run(_call(handler, "/no/such/page"))

    assert status == 404


def _download(request):
    return FileResponse(io.BytesIO(b"attached bytes"), as_attachment=True, filename="a.txt")


urlpatterns = [path("download", _download)]


def test_a_streamed_file_is_sent_whole_and_closed(settings):
    settings.ROOT_URLCONF = __name__
    handler = PooledThreadASGIHandler(threads=1)
    finished = []

    def note_finished(**kwargs):
        finished.append(kwargs)

    request_finished.connect(note_finished)
    try:
        status, body = asyncio.run(_call(handler, "/download"))
    finally:
        request_finished.disconnect(note_finished)

    assert (status, body) == (200, b"attached bytes")
    assert len(finished) == 1


def test_async_to_sync_inside_a_request_thread_runs_on_the_server_loop():
    """Pushes to the in-memory channel layer depend on it: its queues live on that loop."""
    handler = PooledThreadASGIHandler(threads=1)
    loops = []

    async def record_loop():
        loops.append(asyncio.get_running_loop())

    def in_request_thread():
        async_to_sync(record_loop)()

    async def main():
        await sync_to_async(in_request_thread, thread_sensitive=False, executor=handler._executor)()
        return asyncio.get_running_loop()

    server_loop = asyncio.run(main())

    assert loops == [server_loop]


def test_several_web_processes_need_redis_for_the_channel_layer(settings):
    settings.REDIS_URL = ""

    with pytest.raises(CommandError, match="--processes 2 needs TANDEM_REDIS_URL"):
        call_command("serve", "--processes", "2", "--no-worker", "--no-smtp")
