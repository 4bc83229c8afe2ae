"""Server-sent events: an incremental parser and the ``StreamCapture`` built from its events.

Why a hand-written parser rather than httpx-sse: a stream labelled ``text/plain``, an ``error``
event or bytes that are not UTF-8 must become findings, not exceptions, and the parser must
be fed raw pieces as they arrive so timing is measured per event. It follows the WHATWG
event-stream rules: lines end in CRLF, LF or CR; ``:`` starts a comment (keep-alives such as
``: ping`` or ``: OPENROUTER PROCESSING``: counted, and learned as framing, ``core.framing``);
``data:`` lines of one event join with ``\\n``; a blank line dispatches; ``event:`` names the
event; one space after the colon is dropped. Memory is bounded by the caller, which stops
feeding at its body cap.
"""

from __future__ import annotations

import codecs
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from monitor.core.depth import MAX_DEPTH, depth_exceeds
from monitor.core.observation import StreamCapture
from monitor.core.shape.body import NUL_ESCAPE, finite_float, without_nul

SSE_MEDIA_TYPE = "text/event-stream"
DONE = "[DONE]"
_LINE_END = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"
# Keys of a delta that carry generated output: the first chunk with one is the first token.
_OUTPUT_KEYS = ("content", "reasoning_content", "reasoning", "refusal", "tool_calls")


@dataclass(frozen=True)
class SseEvent:
    data: str
    event: str | None = None
    id: str | None = None


class SseParser:
    """Feed raw bytes as they arrive; get complete events back."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._consumed = 0  # bytes fed so far, to locate a decoding error
        self._buffer = ""
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._started = False
        self.comments = 0
        self.decode_error: str | None = None
        self.unterminated = False

    def feed(self, raw: bytes) -> list[SseEvent]:
        try:
            text = self._decoder.decode(raw)
        except UnicodeDecodeError as exc:
            if self.decode_error is None:
                self.decode_error = f"invalid UTF-8 at byte {self._consumed + exc.start}"
            # Keep reading with replacement characters: the rest of the stream is evidence too.
            self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
            text = self._decoder.decode(raw)
        self._consumed += len(raw)
        return self._feed_text(text)

    def close(self) -> list[SseEvent]:
        """End of stream: a last line without its newline still counts, and so does an event
        without its blank line (marked ``unterminated``) since a cut stream's tail is evidence."""
        text = self._decoder.decode(b"", final=True)
        events = self._feed_text(text)
        if self._buffer:
            # a CR held back in case an LF followed is, at the end, a line end of its own
            events.extend(self._line(self._buffer.removesuffix("\r")))
            self._buffer = ""
        if self._data:
            self.unterminated = True
            events.extend(self._dispatch())
        return events

    def _feed_text(self, text: str) -> list[SseEvent]:
        if not self._started and text:
            self._started = True
            text = text.removeprefix(_BOM)
        buffer = self._buffer + text
        events: list[SseEvent] = []
        if "\r" not in buffer:  # the common case, split in C: LF-only line ends
            *lines, self._buffer = buffer.split("\n")
            for line in lines:
                if line == "":
                    if self._data:
                        events.extend(self._dispatch())
                    else:
                        self._event = None
                elif line.startswith("data: "):
                    self._data.append(line[6:])
                else:
                    self._line(line)
            return events
        start = 0
        for match in _LINE_END.finditer(buffer):
            if match.group() == "\r" and match.end() == len(buffer):
                break  # a CR at the end may be the first half of a CRLF: wait for more
            events.extend(self._line(buffer[start : match.start()]))
            start = match.end()
        self._buffer = buffer[start:]
        return events

    def _line(self, line: str) -> list[SseEvent]:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            self.comments += 1
            return []
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value or None
        elif name == "id" and "\0" not in value:
            self._id = value
        return []  # "retry" and unknown fields are ignored, as the standard says

    def _dispatch(self) -> list[SseEvent]:
        data, event = self._data, self._event
        self._data, self._event = [], None
        if not data:
            return []
        return [SseEvent("\n".join(data), event, self._id)]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON number {name}")


# One decoder for every chunk: json.loads with options would build a new one per call.
_STRICT = json.JSONDecoder(parse_constant=_reject_constant, parse_float=finite_float)


def parse_chunk(data: str) -> tuple[Any, str | None]:
    """Strict JSON like a real client: NaN/Infinity and deep nesting are errors."""
    try:
        value = _STRICT.decode(data)
    except RecursionError:
        return None, "JSON nested too deeply"
    except ValueError as exc:
        return None, str(exc)
    if depth_exceeds(value, MAX_DEPTH):  # later walks recurse: bound them here, once
        return None, f"JSON nested deeper than {MAX_DEPTH}"
    return (without_nul(value) if NUL_ESCAPE in data else value), None


def carries_output(chunk: Any) -> bool:
    if not isinstance(chunk, dict):
        return False
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if isinstance(delta, dict) and any(delta.get(key) for key in _OUTPUT_KEYS):
            return True
    return False


def build_capture(
    events: Sequence[SseEvent],
    offsets_ms: Sequence[float],
    *,
    comments: int,
    duration_ms: float,
    cut_at_deadline: bool = False,
    media_type: str = SSE_MEDIA_TYPE,
    decode_error: str | None = None,
    unterminated: bool = False,
    truncated: bool = False,
) -> StreamCapture:
    """Parse every event once and derive time to first token and the inter-event gaps."""
    chunks: list[Any] = []
    errors: list[tuple[int, str]] = []
    done_seen = False
    first_output: float | None = None
    for index, (event, offset) in enumerate(zip(events, offsets_ms, strict=True)):
        if event.data.strip() == DONE:
            done_seen = True
            chunks.append(None)
            continue
        value, error = parse_chunk(event.data)
        if error is not None:
            errors.append((index, error))
        chunks.append(value)
        if first_output is None and carries_output(value):
            first_output = offset
    data_offsets = list(offsets_ms)
    ttft = first_output if first_output is not None else next(iter(data_offsets), None)
    gaps = tuple(later - earlier for earlier, later in itertools.pairwise(data_offsets))
    return StreamCapture(
        events=tuple(e.data for e in events),
        comments=comments,
        done_seen=done_seen,
        ttft_ms=ttft,
        gaps_ms=gaps,
        duration_ms=duration_ms,
        cut_at_deadline=cut_at_deadline,
        event_types=tuple(e.event for e in events),
        offsets_ms=tuple(offsets_ms),
        chunks=tuple(chunks),
        errors=tuple(errors),
        media_type=media_type,
        decode_error=decode_error,
        unterminated=unterminated,
        truncated=truncated,
    )
