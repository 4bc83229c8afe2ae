"""The shared machinery of the stand-in servers: a threaded HTTP server on 127.0.0.1 that
records every request and answers from a script (queued replies per route) before falling back
to the service's normal behaviour."""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Recorded:
    """One request as the server received it (header names lower-case)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)

    @property
    def params(self) -> dict[str, Any]:
        """JSON body or form fields, whichever the client sent."""
        return self.json if isinstance(self.json, dict) else dict(self.form)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = b""  # bytes, str, or anything JSON-serialisable
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # answer only after this many seconds (a slow service)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json; charset=utf-8"


class FakeServer:
    """Subclasses implement ``route(request)`` (a script key) and ``respond(request)``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        self._script: dict[str, deque[Reply]] = defaultdict(deque)
        self._closing = threading.Event()
        self.base_url = ""

    # scripting
    def answer(self, route: str, *replies: Reply) -> None:
        """The next calls of ``route`` get these replies, in order; then normal behaviour."""
        with self._lock:
            self._script[route].extend(replies)

    def _scripted(self, route: str) -> Reply | None:
        with self._lock:
            queue = self._script.get(route)
            return queue.popleft() if queue else None

    # recording
    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._script.clear()

    # behaviour
    def route(self, request: Recorded) -> str:
        return request.path

    def respond(self, request: Recorded) -> Reply:
        return Reply(404, {"error": "not found"})

    def _handle(self, request: Recorded) -> Reply:
        with self._lock:
            self._requests.append(request)
        return self._scripted(self.route(request)) or self.respond(request)

    @contextmanager
    def serve(self) -> Iterator[str]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                parsed: Any = None
                form: dict[str, str] = {}
                ctype = headers.get("content-type", "")
                if "json" in ctype and body:
                    parsed = json.loads(body)
                elif "x-www-form-urlencoded" in ctype:
                    form = dict(parse_qsl(body.decode()))
                split = urlsplit(self.path)
                form.update(dict(parse_qsl(split.query)))
                request = Recorded(self.command, split.path, headers, body, parsed, form)
                reply = fake._handle(request)
                if reply.delay:
                    fake._closing.wait(reply.delay)
                data, default_type = reply.encoded()
                self.send_response(reply.status)
                headers_out = {"content-type": default_type, **reply.headers}
                for name, value in headers_out.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _any
            do_POST = _any

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name=type(self).__name__)
        thread.start()
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self.base_url
        finally:
            self._closing.set()
            server.shutdown()
            server.server_close()
            thread.join(5)
