"""SSE framing against the chunk baseline: comment lines and `event:` fields that appear."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from monitor.core.baseline import ACTIVE
from monitor.core.model import Outcome, ResponseClass, Severity, Source
from monitor.core.observation import StreamCapture
from monitor.core.shape.stats import Shape, merge_shapes
from monitor.core.stream.sse import SseEvent, SseParser, build_capture
from tests.unit.judging import Series, observe_stream


def _chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1770933883,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )


DATAS = [
    _chunk({"role": "assistant", "content": ""}),
    _chunk({"content": "hi"}),
    _chunk({}, "stop"),
]


def stream(*, comments: int = 0, event: str | None = None) -> StreamCapture:
    """A healthy stream with ``comments`` comment lines and every event named ``event``."""
    events = [SseEvent(d, event) for d in DATAS] + [SseEvent("[DONE]")]
    offsets = [float(i) for i in range(len(events))]
    return build_capture(events, offsets, comments=comments, duration_ms=10)


def learned(*captures: StreamCapture) -> Series:
    series = Series()
    for capture in captures:
        series.run(observe_stream(capture))
    assert series.state.baselines[ResponseClass.CHUNK].state == ACTIVE
    return series


def framing_findings(series: Series, capture: StreamCapture) -> list[tuple[str, str, str]]:
    judgement = series.run(observe_stream(capture))
    return [(f.kind, f.path, f.severity.value) for f in judgement.findings]


def test_comment_lines_a_data_only_baseline_never_saw_are_one_info_finding() -> None:
    series = learned(stream(), stream(), stream())
    judgement = series.run(observe_stream(stream(comments=3)))
    (finding,) = judgement.findings
    assert (finding.kind, finding.path, finding.severity) == (
        "sse-framing-changed",
        "sse:comments",
        Severity.INFO,
    )
    assert (finding.source, finding.response_class) == (Source.BASELINE, ResponseClass.CHUNK)
    assert "`: comment` lines (3 in this run" in finding.message
    assert "3 stream(s) had none" in finding.message
    assert (finding.before, finding.after) == ("absent", 3)
    assert finding.category.value == "response_parser_mismatch"


def test_an_info_framing_finding_passes_the_run_and_never_opens_an_event() -> None:
    series = learned(stream(), stream(), stream())
    for _ in range(4):  # the gate opens warnings after 2 runs in 3: info never reaches it
        judgement = series.run(observe_stream(stream(comments=2)))
        assert judgement.outcome is Outcome.PASS
        assert [f.kind for f in judgement.findings] == ["sse-framing-changed"]
        assert judgement.transitions == ()
    assert series.state.events == {}


def test_event_fields_appearing_are_named_as_their_own_feature() -> None:
    series = learned(stream(comments=1), stream(comments=1), stream(comments=1))
    judgement = series.run(observe_stream(stream(comments=1, event="message")))
    (finding,) = judgement.findings
    assert (finding.kind, finding.path) == ("sse-framing-changed", "sse:event-field")
    assert "`event:` fields (3 in this run" in finding.message


def test_a_baseline_learned_with_comments_finds_nothing_with_or_without_them() -> None:
    # Seen in one learning stream of three: comments are known framing, not a change.
    series = learned(stream(), stream(comments=1), stream())
    assert framing_findings(series, stream(comments=5)) == []
    assert framing_findings(series, stream()) == []  # gone again: breaks no parser


def test_a_real_openrouter_stream_records_its_keepalive_comments_as_framing() -> None:
    raw = b": OPENROUTER PROCESSING\n\n" + b"".join(f"data: {d}\n\n".encode() for d in DATAS)
    parser = SseParser()
    events = parser.feed(raw + b"data: [DONE]\n\n") + parser.close()
    capture = build_capture(
        events, [float(i) for i in range(len(events))], comments=parser.comments, duration_ms=5
    )
    shape = Series().run(observe_stream(capture)).shape
    assert shape is not None
    assert (shape.framing_samples, shape.framing, shape.framing_lines) == (
        1,
        {"comments": 1},
        {"comments": 1},
    )


def test_framing_is_learned_like_headers_and_round_trips_through_json() -> None:
    one = Shape(
        samples=1, framing_samples=1, framing={"comments": 1}, framing_lines={"comments": 4}
    )
    other = Shape(samples=1, framing_samples=1)
    merged = merge_shapes(one, other)
    assert (merged.framing_samples, merged.framing, merged.framing_lines) == (
        2,
        {"comments": 1},
        {"comments": 4},
    )
    assert Shape.from_json(merged.to_json()) == merged
    assert "framing" not in Shape(samples=3).to_json()  # JSON bodies store what they did before


STORED_BEFORE_FRAMING = {  # a chunk baseline as stored before framing was recorded
    "samples": 5,
    "paths": {
        "id": {"present": 5, "nulls": 0, "types": {"string": 5}, "formats": {"prefix:chatcmpl": 5}},
        "object": {"present": 5, "nulls": 0, "types": {"string": 5}, "values": {"x": 5}},
    },
}


def test_a_baseline_stored_before_framing_loads_and_adopts_its_first_streams_framing() -> None:
    old = Shape.from_json(STORED_BEFORE_FRAMING)
    assert (old.samples, old.framing_samples, old.framing) == (5, 0, {})
    assert old.to_json() == STORED_BEFORE_FRAMING

    series = learned(stream(), stream(), stream())
    chunk = series.state.baselines[ResponseClass.CHUNK]
    pre_framing = replace(chunk, shape=Shape(samples=chunk.shape.samples, paths=chunk.shape.paths))
    series.state = replace(series.state, baselines={ResponseClass.CHUNK: pre_framing})
    # The first stream after the upgrade: nothing to compare, its framing is adopted...
    assert framing_findings(series, stream(comments=2)) == []
    adopted = series.state.baselines[ResponseClass.CHUNK].shape
    assert (adopted.framing_samples, adopted.framing) == (1, {"comments": 1})
    # ...so a later change in framing is found.
    assert framing_findings(series, stream(comments=2, event="message")) == [
        ("sse-framing-changed", "sse:event-field", "info")
    ]
