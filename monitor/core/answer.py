"""The answer stage of a judgement: read what came back, then learn it or compare it.

A JSON body is parsed strictly (``core.body``); a stream is read chunk by chunk
(``core.chunks``) into its chunk shape, its representative chunks and the reassembled completion.
Either way the shape is learned while the response class has no active baseline, and compared
with it (``core.diff``) once it has; nothing is learned from an answer that is not valid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from monitor.core.baseline import BaselineRecord, learn
from monitor.core.model import Finding, ResponseClass, Severity, Source
from monitor.core.observation import Observation
from monitor.core.shape.body import ParsedBody, is_json_media_type, parse_json_body
from monitor.core.shape.diff import diff_shapes, refine_null_only
from monitor.core.shape.framing import adopt_framing
from monitor.core.shape.required import missing_members
from monitor.core.shape.stats import Shape, infer_shape
from monitor.core.shape.watch import update_watch
from monitor.core.spec import ProbeSpec, ProbeState
from monitor.core.stream.chunks import read_stream


@dataclass
class Answer:
    """What the answer stage produced, from a JSON body or a stream alike."""

    findings: list[Finding] = field(default_factory=list)
    document: Any = None
    parsed: bool = False
    chunks: tuple[Any, ...] = ()  # a stream's representative chunks, for the contract
    shape: Shape | None = None
    response_class: ResponseClass | None = None
    baseline: BaselineRecord | None = None
    changed: bool = False


def read_answer(
    observation: Observation,
    spec: ProbeSpec,
    state: ProbeState,
    now: datetime,
    failure: list[Finding],
    kind_checks: Callable[[Any], Sequence[Finding]] | None,
) -> Answer:
    """The answer stage; after a ``failure`` only the error body is read (nothing learned)."""
    parsed = _parse(observation)
    body = Answer(findings=list(failure))
    if not failure:
        if observation.stream is not None:
            body = _judge_stream(observation, spec, state, now)
        else:
            body = _judge_body(observation, spec, state, now, parsed)
        if body.parsed and kind_checks is not None:
            checked = list(kind_checks(body.document))
            body.findings.extend(checked)
            if any(f.source is Source.PARSER for f in checked):
                _unlearn(body)  # e.g. an error envelope in a 200: no answer to compare or learn
        _require_members(body, observation, spec)
    elif parsed is not None and parsed.ok:
        body.document, body.parsed = parsed.value, True
    return body


def _require_members(body: Answer, observation: Observation, spec: ProbeSpec) -> None:
    """A success answer without its protocol's members is no answer (``core.shape.required``),
    unless a parser finding already said so (an error envelope in a 200, an array)."""
    if not body.parsed or body.response_class not in (ResponseClass.SUCCESS, ResponseClass.CHUNK):
        return
    if any(f.source is Source.PARSER for f in body.findings):
        return
    stream = observation.stream
    missing = missing_members(
        spec.required_members, body.document, stream.chunks if stream is not None else None
    )
    if missing is not None:
        body.findings.append(missing)
        _unlearn(body)


def _parse(observation: Observation) -> ParsedBody | None:
    if observation.failure is not None or not observation.body:
        return None
    if not is_json_media_type(observation.media_type):
        return None
    return parse_json_body(observation.body, truncated=observation.body_truncated)


def _judge_body(
    observation: Observation,
    spec: ProbeSpec,
    state: ProbeState,
    now: datetime,
    parsed: ParsedBody | None,
) -> Answer:
    if parsed is None:
        parsed = parse_json_body(observation.body, truncated=observation.body_truncated)
    out = Answer()
    if not parsed.ok:
        out.findings.append(
            Finding(
                kind=parsed.error_kind or "body-unparseable",
                path="",
                severity=Severity.BREAKING,
                source=Source.PARSER,
                message=f"the body is not valid JSON: {parsed.error}",
            )
        )
        return out
    out.document, out.parsed = parsed.value, True
    if parsed.duplicate_keys:
        keys = ", ".join(sorted(set(parsed.duplicate_keys)))
        out.findings.append(
            Finding(
                kind="duplicate-keys",
                path="",
                severity=Severity.WARNING,
                source=Source.PARSER,
                message=f"the body repeats keys ({keys}); strict parsers reject it",
                after=sorted(set(parsed.duplicate_keys)),
            )
        )
    status = observation.status_code or 0
    cls = ResponseClass.SUCCESS if status < 400 else ResponseClass.ERROR
    out.response_class = cls
    # A shape without headers is never compared on headers (``core.header_changes``).
    headers = observation.response_headers if observation.headers_captured else None
    out.shape = infer_shape(parsed.value, spec.enum_paths, headers)
    return _against_baseline(out, spec, state, now)


def _judge_stream(
    observation: Observation, spec: ProbeSpec, state: ProbeState, now: datetime
) -> Answer:
    """A streamed answer: one chunk shape per stream (its own baseline class), the deltas
    reassembled into the document, and what the stream alone shows (``core.chunks``)."""
    assert observation.stream is not None
    reading = read_stream(observation.stream, spec.enum_paths)
    out = Answer(findings=list(reading.findings), document=reading.document, chunks=reading.samples)
    if not reading.ok:
        return out  # no valid answer: nothing to compare or learn
    out.parsed, out.response_class, out.shape = True, ResponseClass.CHUNK, reading.shape
    return _against_baseline(out, spec, state, now)


def _unlearn(body: Answer) -> None:
    body.findings = [f for f in body.findings if f.source is not Source.BASELINE]
    body.baseline, body.changed = None, False


def _against_baseline(out: Answer, spec: ProbeSpec, state: ProbeState, now: datetime) -> Answer:
    cls = out.response_class
    assert cls is not None
    assert out.shape is not None
    current = state.baselines.get(cls)
    if current is not None and current.is_active:
        assumed = spec.assumed_paths | (
            spec.assumptions.assumed_paths if spec.assumptions else frozenset()
        )
        out.findings.extend(
            diff_shapes(
                current.shape,
                out.shape,
                response_class=cls,
                assumed_paths=assumed,
                watch=current.watch,
            )
        )
        refined = refine_null_only(current.shape, out.shape) or current.shape
        refined = adopt_framing(refined, out.shape) or refined
        watch = update_watch(current.watch, current.shape, out.shape)
        out.baseline = replace(current, shape=refined, watch=watch)
    else:
        out.baseline = learn(
            current,
            out.shape,
            probe=spec.name,
            request_hash=spec.request_hash,
            response_class=cls,
            now=now,
            policy=spec.learn,
            next_version=state.next_version.get(cls, 1),
        )
    out.changed = True
    return out
