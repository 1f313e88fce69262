"""Django's HTTP requests in one thread hop each. See docs/architecture.md#entry-points.

Django's own ASGIHandler runs the middleware chain in async mode. There each of the desk's
MiddlewareMixin middleware crosses into a thread and back for its `process_request` and
`process_response`, WhiteNoise (sync only) wraps the rest of the chain in `async_to_sync`, the
request_started and request_finished receivers run through `sync_to_async`, and every request
starts a thread of its own (`ThreadSensitiveContext`). That is about twenty crossings between
the event loop and a thread per request, and each waits its turn on the loop that also serves
every WebSocket: under bench.chat_load agent replies queued for tens of seconds while the server
used a quarter of a core.

Every Vigil view is synchronous, so this handler reads the body on the event loop, then runs
the whole request (signals, middleware, view and, for an ordinary response, its close) in one
call on a fixed pool of threads, as a WSGI server would, and sends the response from the loop.
Each pool thread keeps its own database connection (CONN_MAX_AGE applies as under WSGI).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any, TypeVar

from asgiref.sync import SyncToAsync
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.urls import set_script_prefix

T = TypeVar("T")

_DONE = object()


class ThreadedASGIHandler(ASGIHandler):
    """ASGI HTTP application: Django's sync request path on a pool of `threads` threads."""

    def __init__(self, threads: int) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="vigil-http")

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        # thread_sensitive=False with our executor: any pool thread, and async_to_sync inside
        # the call still reaches this event loop (asgiref records it for the thread).
        call = SyncToAsync(fn, thread_sensitive=False, executor=self.executor)
        result: T = await call(*args)
        return result

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP here, not {scope['type']}")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with closing(body_file):
            response = await self._run(self._respond, scope, body_file)
            if not response.streaming:
                await self.send_response(response, send)
                return
            assert isinstance(response, StreamingHttpResponse)
            try:
                if not response.is_async:
                    # Django would read a sync iterator (a file) whole in its one shared
                    # thread; read it chunk by chunk in the pool instead.
                    response.streaming_content = self._parts(iter(response.streaming_content))  # type: ignore[arg-type]
                await self.send_response(response, send)
            finally:
                await self._run(response.close)

    def _respond(self, scope: Any, body_file: Any) -> HttpResponseBase:
        """The request from start to response, in a pool thread. An ordinary response is closed
        here too, so request_finished runs in the thread that served the request; a streaming
        one is closed once it has been sent."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response = self.get_response(request) if request is not None else error_response
        assert response is not None
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        if not response.streaming:
            response.close()
        elif isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        return response

    async def _parts(self, parts: Iterator[bytes]) -> AsyncIterator[bytes]:
        while (part := await self._run(next, parts, _DONE)) is not _DONE:
            yield part
