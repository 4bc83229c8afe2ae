"""The completion a stream's deltas add up to, so a streamed answer can be read like a JSON one.

Text members are concatenated, tool-call fragments merged by their ``index``, the last
``finish_reason`` and the ``usage`` chunk kept. Mistral streams ``content`` as a string in some
chunks and as a list of typed parts ("thinking", "text") in others; once a list has been seen
the text is kept as a list of parts, so mixed streams reassemble instead of raising.
"""

from __future__ import annotations

from typing import Any

_TEXT_KEYS = ("content", "reasoning_content", "reasoning", "refusal")
_TOP_KEYS = ("id", "object", "created", "model", "system_fingerprint", "service_tier")


def reassemble(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """The completion the deltas add up to: text concatenated, the last finish_reason, usage."""
    document: dict[str, Any] = {}
    choices: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        for key in _TOP_KEYS:
            if key in chunk and key not in document:
                document[key] = chunk[key]
        if isinstance(chunk.get("usage"), dict):
            document["usage"] = chunk["usage"]
        for choice in chunk.get("choices") or ():
            if isinstance(choice, dict):
                _absorb(choices, choice)
    document["choices"] = [choices[i] for i in sorted(choices)]
    return document


def _absorb(choices: dict[int, dict[str, Any]], choice: dict[str, Any]) -> None:
    raw_index = choice.get("index")
    index = raw_index if isinstance(raw_index, int) else 0
    target = choices.setdefault(index, {"index": index, "message": {}, "finish_reason": None})
    message = target["message"]
    delta = choice.get("delta")
    for key, value in delta.items() if isinstance(delta, dict) else ():
        if key in _TEXT_KEYS and isinstance(value, str | list):
            message[key] = _joined(message.get(key), value)
        elif key == "tool_calls" and isinstance(value, list):
            _merge_tool_calls(message.setdefault("tool_calls", []), value)
        elif value is not None or key not in message:
            message[key] = value
    if choice.get("finish_reason") is not None:
        target["finish_reason"] = choice["finish_reason"]


def _joined(before: Any, value: str | list[Any]) -> Any:
    if not isinstance(before, list) and not isinstance(value, list):
        return (before if isinstance(before, str) else "") + value
    return [*_parts(before), *_parts(value)]


def _parts(value: Any) -> list[Any]:
    """Text as a list of typed parts, the form providers use once text is not a plain string."""
    if isinstance(value, list):
        return value
    return [{"type": "text", "text": value}] if isinstance(value, str) and value else []


def _merge_tool_calls(calls: list[dict[str, Any]], deltas: list[Any]) -> None:
    for delta in deltas:
        if not isinstance(delta, dict):
            continue
        index = delta.get("index")
        if not isinstance(index, int) or not 0 <= index < 64:
            index = len(calls)
        while len(calls) <= index:
            calls.append({"function": {"name": "", "arguments": ""}})
        call = calls[index]
        for key in ("id", "type"):
            if delta.get(key):
                call[key] = delta[key]
        function = delta.get("function")
        if isinstance(function, dict):
            for key in ("name", "arguments"):
                if isinstance(function.get(key), str):
                    call["function"][key] += function[key]
