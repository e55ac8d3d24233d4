"""Django over ASGI with one thread hop per HTTP request, on a fixed pool of threads.

Django's own ASGIHandler runs the middleware in async mode: every sync middleware hook,
the request signals and the view each cross between the event loop and a thread, and
every request gets a thread of its own (a fresh ThreadSensitiveContext), so it starts a
thread and opens a database connection per request. Measured on a token-authenticated
API read that was most of the time. Here the whole request (signals, middleware, view,
response close) runs synchronously in one pooled thread, as under WSGI; only reading the
body and sending the response stay on the event loop. Threads are long-lived, so their
database connections are taken from and given back to the pools, not opened.

The thread pool is asgiref's SyncToAsync with an executor, so code inside a view that
calls async_to_sync (the channel layer's group_send) still runs on the server's event
loop, as it must for the in-memory channel layer.
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix


class PooledThreadASGIHandler(ASGIHandler):
    """An ASGIHandler whose requests run start to finish in one of `threads` threads.

    A slow request (an export, an LLM call) holds one thread; the others keep serving.
    Past `threads` concurrent requests, new ones wait for a free thread.
    """

    def __init__(self, threads: int):
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tandem-http")
        self._in_thread = sync_to_async(
            self._respond, thread_sensitive=False, executor=self._executor
        )
        self._close_in_thread = sync_to_async(
            self._close, thread_sensitive=False, executor=self._executor
        )

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await self._in_thread(scope, body_file)
            if response.streaming:
                # A streamed body (a file download) is read while sending, in a thread of
                # this request's own as under Django's handler; then closed.
                async with ThreadSensitiveContext():
                    await self._send(response, send)
                await self._close_in_thread(response)
            else:
                await self._send(response, send)
        finally:
            body_file.close()

    async def _send(self, response, send) -> None:
        with contextlib.suppress(asyncio.CancelledError):  # the client went away meanwhile
            await self.send_response(response, send)

    def _respond(self, scope, body_file):
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=ASGIHandler, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response = error_response if request is None else self.get_response(request)
        response._handler_class = ASGIHandler
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size  # the server chunks the body itself
        if not response.streaming:
            # The body is in memory: closing here, in the thread that served the request,
            # sends request_finished where this thread's database connection lives.
            self._close(response)
        return response

    @staticmethod
    def _close(response) -> None:
        response.close()
