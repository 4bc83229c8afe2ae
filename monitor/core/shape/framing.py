"""A stream's SSE framing as shape features, and ``sse-framing-changed`` when a new one appears.

Standard SSE clients ignore comment lines and route ``event:`` names, but a hand-rolled line
parser that expects nothing but ``data:`` lines breaks on either. The features, learned into the
chunk shape like headers (samples carrying each, and its lines summed over them):

- ``comments``: lines starting with ``:`` (keep-alives such as ``: OPENROUTER PROCESSING``);
- ``event-field``: events that carry an ``event:`` field.

A feature the baseline never saw is one info finding (it never changes the outcome or alerts);
one that stops appearing is none: a parser that copes with it copes without it, and keep-alives
come and go with the provider's latency anyway. Baselines stored before framing was recorded
(``framing_samples == 0``) compare nothing and take the framing of their first stream instead.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from monitor.core.model import Finding, Source
from monitor.core.observation import StreamCapture
from monitor.core.shape.stats import Shape
from monitor.core.taxonomy import make_finding

COMMENTS = "comments"
EVENT_FIELD = "event-field"
_WHAT = {
    COMMENTS: "`: comment` lines",
    EVENT_FIELD: "`event:` fields",
}
_finding = partial(make_finding, source=Source.BASELINE)


def framing_lines(capture: StreamCapture) -> dict[str, int]:
    """The lines of each framing feature in one stream (features it does not have left out)."""
    lines = {
        COMMENTS: capture.comments,
        EVENT_FIELD: sum(1 for kind in capture.event_types if kind is not None),
    }
    return {feature: n for feature, n in lines.items() if n}


def with_framing(shape: Shape, capture: StreamCapture) -> Shape:
    """``shape`` (one stream's sample) with that stream's framing recorded."""
    lines = framing_lines(capture)
    return replace(shape, framing_samples=1, framing=dict.fromkeys(lines, 1), framing_lines=lines)


def framing_changes(baseline: Shape, observed: Shape) -> list[Finding]:
    if not baseline.framing_samples or not observed.framing_samples:
        return []  # a JSON body, or a baseline stored before framing was recorded
    out = []
    for feature in sorted(set(observed.framing) - set(baseline.framing)):
        lines = observed.framing_lines.get(feature, 0)
        what = _WHAT.get(feature, f"`{feature}`")
        out.append(
            _finding(
                "sse-framing-changed",
                f"sse:{feature}",
                f"the stream now carries {what} ({lines} in this run; the baseline's "
                f"{baseline.framing_samples} stream(s) had none); a line parser that expects "
                "only `data:` lines breaks on them",
                "absent",
                lines,
            )
        )
    return out


def adopt_framing(baseline: Shape, observed: Shape) -> Shape | None:
    """A baseline stored before framing was recorded takes its first stream's (no finding)."""
    if baseline.framing_samples or not observed.framing_samples:
        return None
    return replace(
        baseline,
        framing_samples=observed.framing_samples,
        framing=observed.framing,
        framing_lines=observed.framing_lines,
    )
