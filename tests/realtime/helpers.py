"""Helpers for driving the desk socket through vigil.asgi's real application stack."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from vigil.asgi import application


def session_cookie(user: Any) -> str:
    """A real session for `user`, as the login view would create it."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def desk_socket(
    cookie: str | None, *, origin: bytes = b"http://testserver"
) -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/desk/", headers=headers)


async def open_socket(
    cookie: str, since: int | None = None
) -> tuple[WebsocketCommunicator, list[dict[str, Any]]]:
    """Connect, say hello, and return the socket with every frame up to and including
    the ready or reset frame."""
    socket = desk_socket(cookie)
    connected, _ = await socket.connect(timeout=5)
    assert connected
    await socket.send_json_to({"type": "hello", "since": since})
    return socket, await frames_until(socket, {"ready", "reset"})


async def frames_until(
    socket: WebsocketCommunicator, kinds: set[str], *, timeout: float = 5
) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        frames.append(frame)
        if frame["type"] in kinds:
            return frames


async def events(socket: WebsocketCommunicator, count: int) -> list[dict[str, Any]]:
    """The next `count` frames, which must all be events."""
    frames = [await socket.receive_json_from(timeout=5) for _ in range(count)]
    assert all(f["type"] == "event" for f in frames), frames
    return frames


async def quiet(socket: WebsocketCommunicator, seconds: float = 0.4) -> bool:
    """True when nothing more arrives (no duplicate, no leak) for a moment."""
    return await socket.receive_nothing(timeout=seconds)


async def raw_send(
    socket: WebsocketCommunicator, text: str | None = None, data: bytes | None = None
) -> None:
    await socket.send_to(text_data=text, bytes_data=data)


def seqs(frames: list[dict[str, Any]]) -> list[int]:
    return [f["seq"] for f in frames if f["type"] == "event"]


def dumps(value: Any) -> str:
    return json.dumps(value)


async def settle() -> None:
    await asyncio.sleep(0.05)
