"""The SSE parser and capture builder (pure core): framing rules, timing, real provider bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.core.shape.body import parse_json_body
from monitor.core.stream.sse import SseEvent, SseParser, build_capture, parse_chunk

FIXTURES = Path(__file__).parent.parent / "fixtures"


def parse_all(*pieces: bytes) -> tuple[list[SseEvent], SseParser]:
    parser = SseParser()
    events = []
    for piece in pieces:
        events += parser.feed(piece)
    events += parser.close()
    return events, parser


def test_data_lines_dispatch_on_a_blank_line_with_one_leading_space_dropped() -> None:
    events, _ = parse_all(b'data: {"a":1}\n\ndata:  two spaces\n\n')
    assert [e.data for e in events] == ['{"a":1}', " two spaces"]


def test_multi_line_data_joins_with_newlines() -> None:
    events, _ = parse_all(b"data: first\ndata: second\ndata\n\n")
    assert [e.data for e in events] == ["first\nsecond\n"]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending_the_standard_allows_is_understood(newline: bytes) -> None:
    raw = newline.join([b"data: x", b"", b"data: y", b"", b""])
    events, _ = parse_all(raw)
    assert [e.data for e in events] == ["x", "y"]


def test_a_crlf_split_across_two_reads_is_one_line_end() -> None:
    events, _ = parse_all(b"data: x\r", b"\n\r", b"\ndata: y\r\n\r\n")
    assert [e.data for e in events] == ["x", "y"]


def test_events_split_anywhere_between_reads_come_out_whole() -> None:
    raw = b'data: {"k": "caf\xc3\xa9"}\n\n: ping\n\nevent: error\ndata: {"error": 1}\n\n'
    whole, _ = parse_all(raw)
    for cut in range(1, len(raw)):
        split, _ = parse_all(raw[:cut], raw[cut:])
        assert split == whole
    assert whole == [SseEvent('{"k": "café"}'), SseEvent('{"error": 1}', event="error")]


def test_comments_are_counted_and_never_events() -> None:
    events, parser = parse_all(b": ping\n\n: OPENROUTER PROCESSING\n\ndata: [DONE]\n\n")
    assert [e.data for e in events] == ["[DONE]"]
    assert parser.comments == 2


def test_a_byte_order_mark_at_the_start_is_ignored() -> None:
    events, _ = parse_all(b"\xef\xbb\xbfdata: x\n\n")
    assert [e.data for e in events] == ["x"]


def test_a_last_event_without_its_blank_line_is_kept_and_marked_unterminated() -> None:
    events, parser = parse_all(b"data: x\n\ndata: tail")
    assert [e.data for e in events] == ["x", "tail"]
    assert parser.unterminated


def test_invalid_utf8_is_noted_with_its_offset_and_reading_goes_on() -> None:
    events, parser = parse_all(b"data: ok\n\ndata: caf\xe9\n\ndata: after\n\n")
    assert parser.decode_error == "invalid UTF-8 at byte 19"
    assert [e.data for e in events] == ["ok", "caf\ufffd", "after"]


def test_capture_times_first_token_from_the_first_chunk_with_output() -> None:
    role = SseEvent('{"choices":[{"delta":{"role":"assistant","content":""}}]}')
    token = SseEvent('{"choices":[{"delta":{"content":"Hi"}}]}')
    done = SseEvent("[DONE]")
    capture = build_capture(
        [role, token, done], [100.0, 350.0, 400.0], comments=1, duration_ms=410.0
    )
    assert capture.ttft_ms == 350.0
    assert capture.gaps_ms == (250.0, 50.0)
    assert capture.done_seen
    assert capture.chunks[2] is None
    assert capture.errors == ()


def test_capture_lists_events_that_are_not_json_and_rejects_nan() -> None:
    capture = build_capture(
        [SseEvent("{not json"), SseEvent('{"x": NaN}')], [1.0, 2.0], comments=0, duration_ms=3
    )
    assert [index for index, _ in capture.errors] == [0, 1]
    assert "NaN" in capture.errors[1][1]


def test_openai_stream_fixture_parses_into_chunks_and_done() -> None:
    raw = (FIXTURES / "openai/stream-text-gpt-4o-mini-obfuscation.sse").read_bytes()
    events, parser = parse_all(*(raw[i : i + 97] for i in range(0, len(raw), 97)))
    assert events[-1].data == "[DONE]"
    assert parser.comments == 0
    capture = build_capture(
        events, [float(i) for i in range(len(events))], comments=0, duration_ms=99
    )
    assert capture.errors == ()
    assert capture.chunks[0]["object"] == "chat.completion.chunk"


def test_openrouter_keepalive_comments_are_counted_not_parsed() -> None:
    raw = (FIXTURES / "openrouter/stream-minimax-midstream-error-comments.sse").read_bytes()
    events, parser = parse_all(raw)
    assert parser.comments >= 17
    assert all(not e.data.startswith(":") for e in events)
    assert events[-1].data == "[DONE]"


def test_a_non_finite_number_in_a_chunk_or_a_body_is_an_error_not_infinity() -> None:
    value, error = parse_chunk('{"created": 1e999999}')
    assert value is None
    assert error is not None
    assert "not finite" in error
    parsed = parse_json_body(b'{"created": -1e999999}')
    assert parsed.error_kind == "body-unparseable"
    assert parse_json_body(b'{"created": 1.5e3}').value == {"created": 1500.0}
