"""The scenarios' ``mutate`` hooks: each edits an answer before it is serialised. ``objects`` is
``[completion]`` for a JSON answer or the list of chunks for a stream, so one mutator serves
both (a choice's ``message`` or a chunk's ``delta`` alike).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from monitor.simulator import payloads
from monitor.simulator.plan import Ctx

JSONDict = payloads.JSONDict
Mutate = Callable[[list[JSONDict], Ctx], list[JSONDict]]


def _messages(objects: list[JSONDict]) -> Iterator[dict[str, Any]]:
    """The `message` (JSON answer) or `delta` (stream chunk) of every choice."""
    for obj in objects:
        for choice in obj.get("choices") or []:
            for key in ("message", "delta"):
                if isinstance(choice.get(key), dict):
                    yield choice[key]


def _choices(objects: list[JSONDict]) -> Iterator[dict[str, Any]]:
    for obj in objects:
        yield from obj.get("choices") or []


def drop_usage(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for obj in objects:
        obj.pop("usage", None)
    return [o for o in objects if o.get("object") != "chat.completion.chunk" or o.get("choices")]


def new_finish_reason(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for choice in _choices(objects):
        if choice.get("finish_reason") == "stop":
            choice["finish_reason"] = "end_turn"
    return objects


def no_finish_reason(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for choice in _choices(objects):
        choice["finish_reason"] = None
    return objects


def null_content(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for message in _messages(objects):
        if "content" in message:
            message["content"] = None
    return objects


def content_array(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for message in _messages(objects):
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = [{"type": "text", "text": content}] if content else []
    return objects


def type_change(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for obj in objects:
        if "created" in obj:
            obj["created"] = str(obj["created"])
    return objects


def add_field(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for obj in objects:
        obj["provider"] = "sim"
        if isinstance(obj.get("usage"), dict):
            obj["usage"]["cost"] = 0.0001
    return objects


def nul_in_strings(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    # valid JSON (json.dumps writes \u0000) that PostgreSQL's text and JSONB cannot hold
    for choice in _choices(objects):
        if choice.get("finish_reason") == "stop":
            choice["finish_reason"] = "st\x00op"
    for obj in objects:
        obj["x\x00y"] = "a\x00b"
    return objects


def huge_numbers(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for obj in objects:
        usage = obj.get("usage")
        if isinstance(usage, dict):
            usage.update(prompt_tokens=10**20, completion_tokens=-(10**20), total_tokens=0)
        if "model" in obj:
            obj["model"] = "m" * 300
    return objects


HOSTILE_MARKUP = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def hostile_markup(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    # markup where a page would print provider values: the model, a new field, the text
    for obj in objects:
        obj["model"] = HOSTILE_MARKUP
        obj["x_note"] = HOSTILE_MARKUP
    for message in _messages(objects):
        if isinstance(message.get("content"), str):
            message["content"] = HOSTILE_MARKUP
    return objects


def nan(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    # json.dumps writes float('nan') and float('inf') as the non-standard NaN / Infinity.
    for obj in objects:
        usage = obj.get("usage")
        if isinstance(usage, dict):
            usage["prompt_tokens_details"]["cached_tokens"] = math.nan
            usage["completion_tokens_details"]["reasoning_tokens"] = math.inf
    return objects


def mark_content(marker: str, keep_text: bool) -> Mutate:
    def mutate(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
        for message in _messages(objects):
            content = message.get("content")
            if isinstance(content, str) and content:
                message["content"] = f"{content} {marker}" if keep_text else marker
                break
        return objects

    return mutate


def error_event(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    # Shaped like OpenRouter's mid-stream failure: HTTP 200 is long sent, so the error is data.
    error = {"error": {"message": "Provider returned error: upstream disconnected", "code": 502}}
    return [*objects[:2], error]
