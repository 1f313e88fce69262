"""Driving the chat socket through vigil.asgi's real application stack."""

from __future__ import annotations

import json
from typing import Any

from channels.testing.websocket import WebsocketCommunicator

from vigil.asgi import application


def chat_socket(
    key: str, *, origin: bytes | None = b"https://shop.example", client: str = "203.0.113.7"
) -> WebsocketCommunicator:
    headers = [(b"host", b"testserver")]
    if origin is not None:
        headers.append((b"origin", origin))
    socket = WebsocketCommunicator(application, f"/ws/chat/{key}/", headers=headers)
    socket.scope["client"] = (client, 50000)
    return socket


async def connect(key: str, **kwargs: Any) -> WebsocketCommunicator:
    socket = chat_socket(key, **kwargs)
    connected, _ = await socket.connect(timeout=15)
    assert connected
    return socket


async def send(socket: WebsocketCommunicator, frame: dict[str, Any]) -> None:
    await socket.send_to(text_data=json.dumps(frame))


TRANSIENT = {"queue"}  # sent by the chat queue whenever it changes; skipped unless asked for


async def recv(
    socket: WebsocketCommunicator, timeout: float = 10, *, skip: set[str] = TRANSIENT
) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = await socket.receive_json_from(timeout=timeout)
        if frame["type"] not in skip:
            return frame


async def until(
    socket: WebsocketCommunicator, kinds: set[str], *, timeout: float = 10
) -> list[dict[str, Any]]:
    """Frames up to and including the first of a type in `kinds`."""
    frames: list[dict[str, Any]] = []
    while True:
        frame = await recv(socket, timeout)
        frames.append(frame)
        if frame["type"] in kinds:
            return frames


async def hello(
    socket: WebsocketCommunicator, token: str | None = None, since: int | None = None
) -> list[dict[str, Any]]:
    await send(socket, {"type": "hello", "token": token, "since": since, "locale": "en"})
    return await until(socket, {"ready", "reset"})


def start_frame(
    client_id: str = "c1", text: str = "Hello, my deposit is missing", **kw: Any
) -> dict[str, Any]:
    return {
        "type": "start",
        "client_id": client_id,
        "language": "en",
        "category": "deposit",
        "text": text,
        **kw,
    }


def events(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "event"]


async def quiet(socket: WebsocketCommunicator, seconds: float = 0.3) -> bool:
    """True when nothing but transient queue frames arrives for a moment."""
    while not await socket.receive_nothing(timeout=seconds):
        frame = await socket.receive_json_from(timeout=1)
        if frame["type"] not in TRANSIENT:
            return False
    return True
