"""A stand-in for Slack's Web API (``https://slack.com/api/``): ``chat.postMessage``,
``chat.update``, ``conversations.history``, ``conversations.replies`` and ``auth.test``.

Like Slack it answers HTTP 200 with ``{"ok": false, "error": ...}`` for API errors (a bad
token is ``invalid_auth``, an unknown channel ``channel_not_found``, blocks past its limits
``invalid_blocks``/``msg_blocks_too_long``), 429 with ``Retry-After`` when rate limited, and
needs a channel *id* for updates and history.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http_fake import FakeServer, Recorded, Reply

TOKEN = "xoxb-test-0123456789-abcdef"
CHANNELS = {"alerts": "C0ALERTS01", "platform": "C0PLATFRM1"}


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[Any]
    thread_ts: str | None
    metadata: dict[str, Any] | None
    updates: list[dict[str, Any]] = field(default_factory=list)

    def as_api(self, with_metadata: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if with_metadata and self.metadata:
            out["metadata"] = self.metadata
        return out

    @property
    def all_text(self) -> str:
        """Fallback text and every text inside the blocks, for assertions."""
        parts = [self.text]

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "text" and isinstance(value, str):
                        parts.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.blocks)
        return "\n".join(parts)


def blocks_error(blocks: Any) -> str | None:
    """Slack's refusal of blocks past its limits: 50 blocks, 3000 characters in a section's
    text, and (undocumented; about 12,000 in practice) the text of all blocks together."""
    if not isinstance(blocks, list):
        return None
    if len(blocks) > 50:
        return "invalid_blocks"
    sections = [b.get("text") for b in blocks if isinstance(b, dict) and b.get("type") == "section"]
    if any(isinstance(t, dict) and len(str(t.get("text", ""))) > 3000 for t in sections):
        return "invalid_blocks"
    if len(Message("", "", "", blocks, None, None).all_text) > 12_000:
        return "msg_blocks_too_long"
    return None


def ok_false(error: str, status: int = 200, **headers: str) -> Reply:
    return Reply(status, {"ok": False, "error": error}, dict(headers))


def rate_limited(retry_after: int) -> Reply:
    return ok_false("ratelimited", 429, **{"Retry-After": str(retry_after)})


class SlackApi(FakeServer):
    def __init__(self, *, not_in_channel: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.messages: list[Message] = []
        self.not_in_channel = not_in_channel
        self._ts = itertools.count(1)
        self._data_lock = threading.Lock()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def route(self, request: Recorded) -> str:
        return request.path.removeprefix("/api/")

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if self.route(r) == method]

    def top_level(self) -> list[Message]:
        with self._data_lock:
            return [m for m in self.messages if m.thread_ts is None]

    def thread(self, ts: str) -> list[Message]:
        with self._data_lock:
            return [m for m in self.messages if m.thread_ts == ts]

    def find(self, ts: str) -> Message:
        with self._data_lock:
            return next(m for m in self.messages if m.ts == ts)

    def _channel(self, name: Any, *, id_only: bool = False) -> str | None:
        text = str(name or "").lstrip("#")
        if text in CHANNELS.values():
            return text
        return None if id_only else CHANNELS.get(text)

    def respond(self, request: Recorded) -> Reply:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return ok_false("invalid_auth" if "authorization" in request.headers else "not_authed")
        method = self.route(request)
        params = request.params
        handler = {
            "chat.postMessage": self._post,
            "chat.update": self._update,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "auth.test": lambda _p: Reply(200, {"ok": True, "user_id": "U0MONITOR"}),
        }.get(method)
        if handler is None:
            return ok_false("unknown_method", 404)
        return handler(params)

    def _post(self, params: dict[str, Any]) -> Reply:
        channel = self._channel(params.get("channel"))
        if channel is None:
            return ok_false("channel_not_found")
        if channel in self.not_in_channel:
            return ok_false("not_in_channel")
        if not params.get("text") and not params.get("blocks"):
            return ok_false("no_text")
        refused = blocks_error(params.get("blocks"))
        if refused is not None:
            return ok_false(refused)
        thread_ts = params.get("thread_ts")
        with self._data_lock:
            if thread_ts and not any(m.ts == thread_ts for m in self.messages):
                return ok_false("thread_not_found")
            n = next(self._ts)
            message = Message(
                channel,
                f"{1_700_000_000 + n}.{n:06d}",
                str(params.get("text") or ""),
                list(params.get("blocks") or []),
                thread_ts,
                params.get("metadata"),
            )
            self.messages.append(message)
        return Reply(
            200,
            {"ok": True, "channel": channel, "ts": message.ts, "message": message.as_api(False)},
        )

    def _update(self, params: dict[str, Any]) -> Reply:
        channel = self._channel(params.get("channel"), id_only=True)
        if channel is None:
            return ok_false("channel_not_found")
        with self._data_lock:
            message = next((m for m in self.messages if m.ts == params.get("ts")), None)
            if message is None or message.channel != channel:
                return ok_false("message_not_found")
            message.updates.append({"text": message.text, "blocks": message.blocks})
            message.text = str(params.get("text") or message.text)
            message.blocks = list(params.get("blocks") or message.blocks)
        return Reply(200, {"ok": True, "channel": channel, "ts": message.ts, "text": message.text})

    def _history(self, params: dict[str, Any]) -> Reply:
        channel = self._channel(params.get("channel"), id_only=True)
        if channel is None:
            return ok_false("channel_not_found")
        meta = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._data_lock:
            found = [
                m.as_api(meta)
                for m in reversed(self.messages)
                if m.channel == channel and m.thread_ts is None
            ]
        return Reply(
            200,
            {"ok": True, "messages": found[: int(params.get("limit") or 100)], "has_more": False},
        )

    def _replies(self, params: dict[str, Any]) -> Reply:
        channel = self._channel(params.get("channel"), id_only=True)
        if channel is None:
            return ok_false("channel_not_found")
        meta = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        ts = params.get("ts")
        with self._data_lock:
            found = [
                m.as_api(meta)
                for m in self.messages
                if m.channel == channel and (m.ts == ts or m.thread_ts == ts)
            ]
        if not found:
            return ok_false("thread_not_found")
        return Reply(200, {"ok": True, "messages": found, "has_more": False})
