"""A hostile chat-completions upstream on 127.0.0.1: it echoes the credential it receives in
the forms a scrub can miss, and sends the answers that broke the judge (issue #16).

``mode`` picks the answer of ``POST /v1/chat/completions``:

- ``valid``: a plain chat completion (``usage`` as set in ``usage``);
- ``truncated``: a 302 whose ``Location`` carries the bearer token minus its last 2 chars;
- ``basic``: a 401 quoting the token base64-encoded as Basic credentials (``user:token``),
  base64 of the whole ``Bearer`` header, and the token upper-cased and JSON-escaped;
- ``empty``: ``{}`` with 200; ``empty-stream``: an SSE stream of ``{}`` chunks;
- ``echo-stream``: an HTTP 200 stream whose error event quotes the bearer token;
- ``deep``: 100 000 nested ``[`` with 200; ``infinite``: a chat completion with ``1e999999``;
- ``escape``: a 500 whose ``x-request-id`` and message carry terminal escape sequences.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.fakes.http_fake import FakeServer, Recorded, Reply

ESCAPE = "req\x1b]0;PWNED\x07\x1b[2J"


def completion(usage: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-hostile",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "ok", "refusal": None},
                "finish_reason": "stop",
            }
        ],
        "usage": usage or {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
    }


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class HostileUpstream(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.mode = "valid"
        self.usage: dict[str, Any] | None = None

    def route(self, request: Recorded) -> str:
        return "chat"

    def respond(self, request: Recorded) -> Reply:
        auth = request.headers.get("authorization", "")
        token = auth.partition(" ")[2]
        if self.mode == "truncated":
            location = f"{self.base_url}/v1/chat/completions?k={token[:-2]}"
            return Reply(302, "moved", {"location": location})
        if self.mode == "basic":
            message = (
                f"credentials Basic {_b64('user:' + token)} rejected "
                f"(header {_b64(auth)}; key {token.upper()}; json {json.dumps(token)})"
            )
            headers = {"www-authenticate": f'Basic realm="{_b64("api:" + token)}"'}
            return Reply(401, {"error": {"message": message, "type": "auth"}}, headers)
        if self.mode == "empty":
            return Reply(200, {})
        if self.mode == "echo-stream":
            error = {"error": {"message": f"quota exhausted for key {token}", "type": "quota"}}
            body = f"data: {json.dumps(error)}\n\ndata: [DONE]\n\n"
            return Reply(200, body.encode(), {"content-type": "text/event-stream"})
        if self.mode == "empty-stream":
            body = "data: {}\n\ndata: {}\n\ndata: [DONE]\n\n"
            return Reply(200, body.encode(), {"content-type": "text/event-stream"})
        if self.mode == "deep":
            return Reply(200, b"[" * 100_000, {"content-type": "application/json"})
        if self.mode == "infinite":
            text = json.dumps(completion()).replace('"created": 1767225600', '"created": 1e999999')
            return Reply(200, text.encode(), {"content-type": "application/json"})
        if self.mode == "escape":
            body = {"error": {"message": f"upstream {ESCAPE} failed", "type": "server_error"}}
            return Reply(500, body, {"x-request-id": ESCAPE})
        return Reply(200, completion(self.usage))
