"""The SSE parser agrees with a reference decoder (httpx-sse's, a dev dependency only) on
random framings: every line ending, comments, ``event``/``id``/``retry`` and unknown fields,
values with colons and leading spaces, a last event without its blank line or its line end,
and the bytes cut anywhere between reads."""

from __future__ import annotations

from httpx_sse._decoders import SSEDecoder, SSELineDecoder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.core.stream.sse import SseParser

VALUE = st.text(alphabet=st.sampled_from(list('ab :{}"é1\t')), max_size=8)
NEWLINE = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def field_line(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(["data", "data", "event", "id", "retry", "x-other", ""]))
    if name == "":
        return ":" + draw(VALUE)  # a comment (keep-alive)
    separator = draw(st.sampled_from([":", ": ", ":  ", ""]))
    return name + separator + (draw(VALUE) if separator else "")


@st.composite
def stream(draw: st.DrawFn) -> tuple[str, list[int]]:
    text = ""
    for _ in range(draw(st.integers(1, 5))):
        lines = [*draw(st.lists(field_line(), max_size=3)), "data: " + draw(VALUE)]
        lines += draw(st.lists(field_line(), max_size=2))
        lines = draw(st.permutations(lines))
        text += "".join(line + draw(NEWLINE) for line in lines) + draw(NEWLINE)
    if draw(st.booleans()):  # the stream is cut: a last event without its blank line
        text += "data: " + draw(VALUE) + draw(st.sampled_from(["", "\n", "\r", "\r\n"]))
    raw = text.encode("utf-8")
    cuts = sorted(draw(st.lists(st.integers(0, len(raw)), max_size=6)))
    return text, cuts


class _DataOnly(SSEDecoder):
    """httpx-sse also dispatches a blank line after only ``event``/``id``/``retry`` lines; the
    standard does not (an empty data buffer dispatches nothing), and neither do we."""

    def __init__(self) -> None:
        super().__init__()
        self.has_data = False

    def decode(self, line: str) -> object:
        if line.partition(":")[0] == "data" and not line.startswith(":"):
            self.has_data = True
        event = super().decode(line)
        if not line:
            has_data, self.has_data = self.has_data, False
            return event if has_data else None
        return event


def reference(text: str) -> list[tuple[str, str, str]]:
    # A cut stream's last event is kept by our parser (marked unterminated); the reference
    # dispatches only on a blank line, so it is given one.
    lines, decoder, out = SSELineDecoder(), _DataOnly(), []
    for line in [*lines.decode(text + "\n\n"), *lines.flush()]:
        event = decoder.decode(line)
        if event is not None:
            out.append((event.data, event.event, event.id))
    return out


def ours(raw: bytes, cuts: list[int]) -> list[tuple[str, str, str]]:
    parser, events = SseParser(), []
    for start, end in zip([0, *cuts], [*cuts, len(raw)], strict=True):
        events += parser.feed(raw[start:end])
    events += parser.close()
    # the reference reads a missing type as "message" and a missing id as "", ours as None
    return [(e.data, e.event or "message", e.id or "") for e in events]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream())
def test_parser_agrees_with_the_reference_decoder_on_random_framings(
    case: tuple[str, list[int]],
) -> None:
    text, cuts = case
    assert ours(text.encode("utf-8"), cuts) == reference(text)


def test_a_stream_ending_in_a_lone_cr_does_not_keep_the_cr() -> None:
    assert ours(b"data: x\r", []) == [("x", "message", "")]
    assert ours(b"data: x\r\rdata: y\r", [8]) == [("x", "message", ""), ("y", "message", "")]
