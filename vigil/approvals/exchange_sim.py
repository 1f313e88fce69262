"""A small exchange that speaks the action contract, for tests and the demo
(`vigil exchange-sim --port 8700 --secret ...`). See
docs/architecture.md#sensitive-actions-and-approvals.

It checks the signature and the replay window (401), stores each action by idempotency key
and answers a repeated key with the stored answer (the action happens once), and can be told
to fail the next calls with a status, to answer the next calls too late (after doing the
action, as a real exchange whose answer was lost), or to reject the next actions.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vigil.approvals.gateway import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_valid

MAX_BODY = 64 * 1024


@dataclass
class SimState:
    secret: str
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> stored answer
    executed: list[dict[str, Any]] = field(default_factory=list)  # each action done, once
    requests: int = 0
    fail_next: list[int] = field(default_factory=list)  # statuses to answer, in order
    slow_next: list[float] = field(default_factory=list)  # seconds to wait after doing it
    reject_next: list[str] = field(default_factory=list)  # messages to reject with
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        state = self.server.state
        if self.path.rstrip("/") != "/v1/actions":
            self._answer(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._answer(413, {"error": "too large"})
            return
        body = self.rfile.read(length)
        with state.lock:
            state.requests += 1
            fail = state.fail_next.pop(0) if state.fail_next else None
        if not signature_valid(
            state.secret,
            timestamp=self.headers.get(TIMESTAMP_HEADER, ""),
            signature=self.headers.get(SIGNATURE_HEADER, ""),
            body=body,
        ):
            self._answer(401, {"error": "bad signature or timestamp"})
            return
        if fail is not None:
            self._answer(fail, {"error": "simulated failure"})
            return
        try:
            command = json.loads(body)
            key = str(command["idempotency_key"])
        except (ValueError, KeyError, TypeError):
            self._answer(400, {"error": "not the contract's JSON"})
            return
        answer, delay = self._do(state, key, command)
        if delay:
            time.sleep(delay)
        self._answer(200, answer)

    @staticmethod
    def _do(state: SimState, key: str, command: dict[str, Any]) -> tuple[dict[str, Any], float]:
        with state.lock:
            stored = state.actions.get(key)
            if stored is not None:
                return stored, 0.0
            if state.reject_next:
                answer = {
                    "status": "rejected",
                    "reference": "",
                    "message": state.reject_next.pop(0),
                }
            else:
                answer = {
                    "status": "done",
                    "reference": f"EX-{uuid.uuid4().hex[:12]}",
                    "message": f"{command.get('action')} done for {command.get('uid')}",
                }
                state.executed.append(command)
            state.actions[key] = answer
            return answer, state.slow_next.pop(0) if state.slow_next else 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: SimState) -> None:
        super().__init__(address, _Handler)
        self.state = state


class ExchangeSim:
    """Start with `ExchangeSim(secret).start()`; `url` is its base URL; `stop()` ends it."""

    def __init__(self, secret: str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = SimState(secret=secret)
        self.server = _Server((host, port), self.state)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ExchangeSim:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def serve_forever(self) -> None:
        self.server.serve_forever()
