"""What the widget's browser tests share: a loopback TCP proxy whose connections the test can
cut (a real network drop: the browser's sockets see their TCP connection die), the widget
account, the widget's file.

The widget draws itself in a *closed* shadow root, which no selector can enter. The browser
tests open it: `OPEN_SHADOW` (an init script) makes `attachShadow` create open roots, which
isolate styles exactly as closed ones do (the mode only decides whether page scripts may
reach in). test_widget_browser.py also checks the widget as shipped, closed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from tests.factories import chat
from vigil.channels.models import ChannelAccount

WIDGET_JS = Path(__file__).resolve().parents[3] / "vigil/channels/chat/static/chat/widget.js"

OPEN_SHADOW = """
(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    return attach.call(this, Object.assign({}, init, {mode: "open"}));
  };
})();
"""

# Rates high enough for a test that opens several chats from one loopback address.
RELAXED_LIMITS = {"starts_per_ip": [100, 600], "starts_per_socket": [100, 600]}


def make_widget() -> ChannelAccount:
    """A chat widget open to every origin, titled like an exchange's help desk."""
    account = chat.make_widget(limits=RELAXED_LIMITS)
    account.settings = {**account.settings, "title": "Exchange help"}
    account.save(update_fields=["settings"])
    return account


class TcpProxy:
    """127.0.0.1:<port> → 127.0.0.1:<upstream>, byte for byte, in a thread of its own.

    `cut()` aborts every connection (RST: the browser's WebSocket closes at once) and refuses
    new ones until `restore()`; the server sees its side die too."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="tcp-proxy", daemon=True)
        self.down = False
        self.connections: set[asyncio.StreamWriter] = set()
        self.accepted = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    def start(self) -> TcpProxy:
        self.thread.start()
        self.server = self._run(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = int(self.server.sockets[0].getsockname()[1])
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run[T](self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.transport.abort()
            return
        self.accepted += 1
        self.connections.update((writer, up_writer))
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
            )
        finally:
            self.connections.difference_update((writer, up_writer))

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.transport.abort()

    def cut(self) -> int:
        """Drop every connection now and refuse new ones; returns how many were dropped."""

        async def cut() -> int:
            self.down = True
            dropped = list(self.connections)
            for writer in dropped:
                writer.transport.abort()
            return len(dropped)

        return self._run(cut())

    def restore(self) -> None:
        async def restore() -> None:
            self.down = False

        self._run(restore())

    def stop(self) -> None:
        async def stop() -> None:
            if self.server is not None:
                self.server.close()
            for writer in list(self.connections):
                writer.transport.abort()

        try:
            self._run(stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)
