"""The judge on plain observations: learning, drift, failures, outcomes and events."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.core.baseline import LearnPolicy
from monitor.core.events import EventGate
from monitor.core.judge import ProbeSpec, ProbeState, health_fingerprint, judge
from monitor.core.model import EventState, Outcome, ResponseClass
from monitor.core.observation import Observation, TransportFailure

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
T0 = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)
BODY = json.loads((FIXTURES / "openai" / "ok-gpt-4.1-nano-raw-pretty.json").read_text())
SPEC = ProbeSpec(
    name="chat",
    target="sim",
    request_hash="abc",
    learn=LearnPolicy(learn_runs=2),
    gate=EventGate(open_after=2, window=3, resolve_after=2),
)


def _obs(body: Any = None, status: int = 200, **kw: Any) -> Observation:
    raw = json.dumps(BODY if body is None else body).encode()
    return Observation(
        probe="chat",
        target="sim",
        method="POST",
        url="http://sim/v1/chat/completions",
        started_at=T0,
        latency_ms=12.0,
        status_code=status,
        response_headers={"content-type": "application/json"},
        body=raw,
        **kw,
    )


def _raw(body: bytes, content_type: str = "application/json") -> Observation:
    return Observation(
        probe="chat",
        target="sim",
        method="POST",
        url="http://sim",
        started_at=T0,
        latency_ms=5,
        status_code=200,
        response_headers={"content-type": content_type},
        body=body,
    )


def _learned() -> ProbeState:
    state = ProbeState()
    for minute in range(2):
        verdict = judge(_obs(), SPEC, state, T0 + timedelta(minutes=minute))
        assert verdict.baseline is not None
        state = ProbeState(baselines={ResponseClass.SUCCESS: verdict.baseline})
    assert state.baselines[ResponseClass.SUCCESS].is_active
    return state


def test_learning_runs_pass_without_findings_and_activate_the_baseline() -> None:
    first = judge(_obs(), SPEC, ProbeState(), T0)
    assert first.outcome is Outcome.PASS
    assert first.findings == ()
    assert first.baseline is not None
    assert first.baseline.state == "learning"
    assert _learned().baselines[ResponseClass.SUCCESS].shape.samples == 2


def test_removed_usage_field_is_breaking_drift_classified_as_billing() -> None:
    body = copy.deepcopy(BODY)
    del body["usage"]
    verdict = judge(_obs(body), SPEC, _learned(), T0 + timedelta(minutes=5))
    assert verdict.outcome is Outcome.DRIFT
    (finding,) = verdict.findings
    assert (finding.kind, finding.path, finding.severity.value) == (
        "property-removed",
        "usage",
        "breaking",
    )
    assert finding.category.value == "usage_billing_assumption"
    assert finding.verdict.value == "deployment_drift"
    assert [e.state for e in verdict.events] == [EventState.SUSPECTED]


def test_value_only_changes_never_produce_findings() -> None:
    body = copy.deepcopy(BODY)
    body["id"] = "chatcmpl-other"
    body["created"] = body["created"] + 999
    body["choices"][0]["message"]["content"] = "something else entirely"
    body["usage"]["total_tokens"] = 12345
    body = dict(reversed(list(body.items())))  # key order is not shape
    verdict = judge(_obs(body), SPEC, _learned(), T0 + timedelta(minutes=5))
    assert verdict.outcome is Outcome.PASS
    assert verdict.findings == ()


def test_new_finish_reason_is_a_warning_keyed_by_its_value() -> None:
    body = copy.deepcopy(BODY)
    body["choices"][0]["finish_reason"] = "end_turn"
    verdict = judge(_obs(body), SPEC, _learned(), T0 + timedelta(minutes=5))
    (finding,) = verdict.findings
    assert finding.kind == "enum-value-added"
    assert finding.severity.value == "warning"
    assert finding.fingerprint("chat").endswith("|end_turn")


def test_a_new_enum_value_the_client_switches_on_is_breaking() -> None:
    spec = ProbeSpec(**{**SPEC.__dict__, "assumed_paths": frozenset({"choices[].finish_reason"})})
    body = copy.deepcopy(BODY)
    body["choices"][0]["finish_reason"] = "end_turn"
    verdict = judge(_obs(body), spec, _learned(), T0 + timedelta(minutes=5))
    assert verdict.findings[0].severity.value == "breaking"


def test_an_unexpected_status_fails_the_run_and_moves_only_the_health_event() -> None:
    error = {"error": {"message": "bad key", "type": "invalid_request_error", "code": "x"}}
    verdict = judge(_obs(error, status=401), SPEC, _learned(), T0)
    assert verdict.outcome is Outcome.FAIL
    assert verdict.findings[0].kind == "status-changed"
    assert verdict.category is not None
    assert verdict.category.value == "auth_mismatch"
    assert [e.fingerprint for e in verdict.events] == [health_fingerprint("chat")]


def test_a_transport_failure_is_a_failed_run_not_an_exception() -> None:
    obs = Observation(
        probe="chat",
        target="sim",
        method="POST",
        url="http://sim",
        started_at=T0,
        latency_ms=30000,
        failure=TransportFailure("timeout", "no complete response within the 30s deadline"),
    )
    verdict = judge(obs, SPEC, ProbeState(), T0)
    assert verdict.outcome is Outcome.FAIL
    assert verdict.category is not None
    assert verdict.category.value == "timeout_retry_mismatch"


def test_an_html_page_with_status_200_is_a_parser_failure() -> None:
    verdict = judge(_raw(b"<html>hello</html>", "text/html"), SPEC, _learned(), T0)
    assert verdict.outcome is Outcome.FAIL
    assert verdict.findings[0].kind == "media-type-changed"


def test_truncated_nan_and_invalid_utf8_bodies_are_parser_findings() -> None:
    for body in (b'{"id": "x", "choi', b'{"a": NaN}', b'{"a": "\xff\xfe"}', b"[" * 100_000):
        verdict = judge(_raw(body), SPEC, ProbeState(), T0)
        assert verdict.outcome is Outcome.FAIL, body[:20]
        assert verdict.findings[0].source.value == "parser"
