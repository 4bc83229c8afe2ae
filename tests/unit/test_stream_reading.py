"""Judging a captured stream (pure core): chunk shape, reassembly and stream findings."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from monitor.core.judge import ProbeSpec, ProbeState, judge
from monitor.core.model import Outcome, ResponseClass
from monitor.core.observation import Observation, StreamCapture
from monitor.core.stream.chunks import read_stream
from monitor.core.stream.sse import SseEvent, build_capture
from tests.unit.judging import stream_fixture

NOW = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return json.dumps(body)


def capture_of(
    datas: list[str], offsets: list[float] | None = None, duration: float = 100.0, **kw: Any
) -> StreamCapture:
    events = [SseEvent(d) for d in datas]
    offsets = offsets if offsets is not None else [float(i) for i in range(len(datas))]
    return build_capture(events, offsets, comments=0, duration_ms=duration, **kw)


HEALTHY = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "Hel"}),
    chunk({"content": "lo"}),
    chunk({}, "stop"),
    json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "choices": [],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
        }
    ),
    "[DONE]",
]


def kinds(capture: StreamCapture) -> list[str]:
    return [f.kind for f in read_stream(capture).findings]


def test_a_healthy_stream_has_no_findings_and_reassembles_to_a_completion() -> None:
    reading = read_stream(capture_of(HEALTHY))
    assert reading.findings == ()
    assert reading.document["choices"] == [
        {"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}
    ]
    assert reading.document["usage"]["total_tokens"] == 7
    assert reading.document["model"] == "gpt-4o-mini"


def test_the_chunk_shape_is_one_sample_per_stream_with_usage_present_once() -> None:
    shape = read_stream(capture_of(HEALTHY)).shape
    assert shape.samples == 1
    assert shape.paths["usage"].present == 1
    assert shape.paths["choices[].delta.content"].present == 1
    assert "[]" not in shape.paths


def test_a_stream_without_done_is_a_parser_finding_so_the_run_fails() -> None:
    reading = read_stream(capture_of(HEALTHY[:-1]))
    assert [f.kind for f in reading.findings] == ["sse-terminator-missing"]
    assert not reading.ok


def test_an_error_object_inside_a_200_stream_is_reported_with_its_message() -> None:
    datas = [*HEALTHY[:2], json.dumps({"error": {"message": "upstream died", "code": 502}})]
    reading = read_stream(capture_of(datas))
    assert [f.kind for f in reading.findings] == ["sse-error-event", "sse-terminator-missing"]
    assert "502 upstream died" in reading.findings[0].message


def test_openrouter_midstream_error_with_choices_beside_it_is_an_error_event() -> None:
    reading = read_stream(stream_fixture("openrouter/stream-minimax-midstream-error-comments.sse"))
    assert [f.kind for f in reading.findings] == ["sse-error-event"]
    assert "Token limit reached" in reading.findings[0].message


def test_no_finish_reason_in_any_chunk_is_a_warning() -> None:
    datas = [chunk({"content": "a"}), chunk({"content": "b"}), "[DONE]"]
    assert kinds(capture_of(datas)) == ["sse-finish-reason-missing"]


def test_everything_arriving_at_once_after_a_wait_is_streamed_in_name_only() -> None:
    offsets = [1000.0, 1000.5, 1001.0, 1001.0, 1001.2, 1001.3]
    reading = read_stream(capture_of(HEALTHY, offsets, duration=1002.0))
    assert [f.kind for f in reading.findings] == ["streamed-in-name-only"]
    assert reading.ok


def test_a_real_stream_spread_over_time_is_not_a_burst() -> None:
    offsets = [100.0, 300.0, 500.0, 700.0, 720.0, 730.0]
    assert kinds(capture_of(HEALTHY, offsets, duration=740.0)) == []


def test_keepalive_comments_are_no_stream_finding_on_their_own() -> None:
    capture = build_capture(
        [SseEvent(d) for d in HEALTHY], [float(i) for i in range(6)], comments=40, duration_ms=9
    )
    assert kinds(capture) == []


def test_a_stream_labelled_text_plain_is_a_media_type_warning() -> None:
    reading = read_stream(capture_of(HEALTHY, media_type="text/plain"))
    assert [(f.kind, f.severity.value) for f in reading.findings] == [
        ("media-type-changed", "warning")
    ]


def test_a_stream_cut_at_the_cap_says_truncated_and_nothing_about_its_end() -> None:
    assert kinds(capture_of(HEALTHY[:2], truncated=True)) == ["body-truncated"]


def test_tool_call_arguments_are_reassembled_across_chunks() -> None:
    first = {
        "tool_calls": [
            {
                "index": 0,
                "id": "call_1",
                "type": "function",
                "function": {"name": "get", "arguments": '{"a"'},
            }
        ]
    }
    second = {"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]}
    document = read_stream(
        capture_of([chunk(first), chunk(second, "tool_calls"), "[DONE]"])
    ).document
    call = document["choices"][0]["message"]["tool_calls"][0]
    assert call == {
        "function": {"name": "get", "arguments": '{"a": 1}'},
        "id": "call_1",
        "type": "function",
    }


def test_the_judge_learns_streams_as_chunk_class_and_diffs_a_changed_chunk() -> None:
    spec = ProbeSpec(name="s", target="t", request_hash="h")
    first = judge(streamed(capture_of(HEALTHY)), spec, ProbeState(), NOW)
    assert first.response_class is ResponseClass.CHUNK
    assert first.baseline is not None
    active = replace(first.baseline, state="active")
    state = ProbeState(baselines={ResponseClass.CHUNK: active})
    changed = [c.replace('"created": 1', '"created": "1"') for c in HEALTHY]
    later = judge(streamed(capture_of(changed)), spec, state, NOW)
    assert later.outcome is Outcome.DRIFT
    assert [(f.kind, f.path, f.response_class) for f in later.findings] == [
        ("type-changed", "created", ResponseClass.CHUNK)
    ]


def test_the_judge_fails_a_stream_without_done_and_learns_nothing() -> None:
    spec = ProbeSpec(name="s", target="t", request_hash="h")
    judgement = judge(streamed(capture_of(HEALTHY[:-1])), spec, ProbeState(), NOW)
    assert judgement.outcome is Outcome.FAIL
    assert judgement.baseline is None


def streamed(capture: StreamCapture) -> Observation:
    return Observation(
        probe="s",
        target="t",
        method="POST",
        url="http://x/v1/chat/completions",
        started_at=NOW,
        latency_ms=10,
        status_code=200,
        response_headers={"content-type": "text/event-stream"},
        body=b"...",
        stream=capture,
    )


def test_content_switching_between_text_and_parts_reassembles_into_parts() -> None:
    # Mistral's thinking stream: "" and text deltas around lists of typed parts.
    capture = stream_fixture(
        "mistral/stream-mistral-small-thinking-content-array-p-padding.chunks.txt"
    )
    reading = read_stream(capture)
    assert reading.ok
    content = reading.document["choices"][0]["message"]["content"]
    assert content[0] == {
        "type": "thinking",
        "thinking": [{"type": "text", "text": "Okay, the"}],
        "closed": True,
    }
    assert content[-2:] == [{"type": "text", "text": "3"}, {"type": "text", "text": "91"}]
    assert reading.document["choices"][0]["finish_reason"] == "stop"


def test_text_deltas_after_a_plain_string_start_join_as_one_string() -> None:
    datas = [chunk({"content": "Hel"}), chunk({"content": None}), chunk({"content": "lo"}, "stop")]
    message = read_stream(capture_of([*datas, "[DONE]"])).document["choices"][0]["message"]
    assert message == {"content": "Hello"}
