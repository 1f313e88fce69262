"""The HTTP handler (vigil/core/http.py) at the ASGI level: an ordinary response, a file
streamed chunk by chunk from the pool, a bad request answered 400, a POST body, and the
whole request running in one pool thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from vigil.channels.chat.views import WIDGET_JS
from vigil.core.http import ThreadedASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


def _call(app: ThreadedASGIHandler, method: str, path: str, **extra: Any) -> dict[str, Any]:
    body: bytes = extra.pop("body", b"")
    headers = [(b"host", b"127.0.0.1"), *extra.pop("headers", [])]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async_to_sync(app)(scope, receive, send)
    start = sent[0]
    assert start["type"] == "http.response.start"
    chunks = [m for m in sent[1:] if m["type"] == "http.response.body"]
    return {
        "status": start["status"],
        "headers": {k.decode().lower(): v.decode() for k, v in start["headers"]},
        "body": b"".join(m.get("body", b"") for m in chunks),
        "chunks": len(chunks),
    }


@pytest.fixture
def app() -> ThreadedASGIHandler:
    return ThreadedASGIHandler(threads=2)


def test_an_ordinary_response(app: ThreadedASGIHandler) -> None:
    got = _call(app, "GET", "/healthz")
    assert got["status"] == 200
    assert b"ok" in got["body"].lower()


def test_a_file_is_streamed_whole_in_chunks(app: ThreadedASGIHandler) -> None:
    app.chunk_size = 4096  # the widget is ~60 KB: many chunks, each read in the pool
    got = _call(app, "GET", "/chat/widget.js")
    assert got["status"] == 200
    assert got["headers"]["content-type"].startswith("text/javascript")
    assert got["body"] == WIDGET_JS.read_bytes()
    assert got["chunks"] > 3


def test_a_bad_request_is_a_400_not_an_error(app: ThreadedASGIHandler) -> None:
    got = _call(app, "GET", "/healthz", headers=[(b"host", b"not allowed!")])
    assert got["status"] == 400


def test_a_post_body_reaches_the_view(app: ThreadedASGIHandler) -> None:
    got = _call(
        app,
        "POST",
        "/api/v1/tickets",
        body=b'{"subject": "x"}',
        headers=[(b"content-type", b"application/json")],
    )
    assert got["status"] == 401  # read, parsed, and refused for want of a token


def test_the_request_runs_in_one_pool_thread(app: ThreadedASGIHandler) -> None:
    seen: list[str] = []
    from django.core import signals

    def started(**_: Any) -> None:
        seen.append(threading.current_thread().name)

    def finished(**_: Any) -> None:
        seen.append(threading.current_thread().name)

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        assert _call(app, "GET", "/healthz")["status"] == 200
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert len(seen) == 2 and seen[0] == seen[1]
    assert seen[0].startswith("vigil-http")
