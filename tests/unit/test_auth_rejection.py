"""A 401/403 from a target: the key was rejected. Success-body assumptions are not checked on
an error body, and the verdict is an account/vendor question unless the key changed on our side."""

from __future__ import annotations

from dataclasses import replace

from monitor.core.assumptions import Assumptions
from monitor.core.judge import judge
from monitor.core.model import Outcome
from tests.unit.judging import Series, fixture, make_spec, observe

ERROR_401 = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
CLIENT_READS = Assumptions(
    paths=("choices[].message.content", "usage.total_tokens", "id"),
    enums={"choices[].finish_reason": ("stop", "length")},
)


def _learned(key: str = "fp-old") -> Series:
    series = Series(spec=make_spec(learn_runs=2, assumptions=CLIENT_READS))
    body = fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")
    for _ in range(2):
        series.run(replace(observe(body), key_fingerprint=key))
    series.state = replace(series.state, last_pass_key=key)
    return series


def test_a_401_is_auth_mismatch_and_a_vendor_question_without_assumed_path_findings() -> None:
    series = _learned()
    judgement = series.run(replace(observe(ERROR_401, status=401), key_fingerprint="fp-old"))
    assert judgement.outcome is Outcome.FAIL
    assert [f.kind for f in judgement.findings] == ["status-changed"]
    (status,) = judgement.findings
    assert (status.category.value, status.verdict.value) == ("auth_mismatch", "vendor_question")
    assert (judgement.category, judgement.verdict) == (status.category, status.verdict)
    marks = {e.subject: (e.mark, e.reason) for e in judgement.ledger if e.kind in ("path", "enum")}
    assert marks == {
        "choices[].message.content": ("needs_confirmation", "no success body (HTTP 401)"),
        "usage.total_tokens": ("needs_confirmation", "no success body (HTTP 401)"),
        "id": ("needs_confirmation", "no success body (HTTP 401)"),
        "choices[].finish_reason": ("needs_confirmation", "no success body (HTTP 401)"),
    }


def test_a_403_after_the_key_changed_says_so_and_is_our_side() -> None:
    series = _learned("fp-old")
    judgement = series.run(replace(observe(ERROR_401, status=403), key_fingerprint="fp-new"))
    (status,) = judgement.findings
    assert "the key changed since the last pass (fingerprint fp-old -> fp-new)" in status.message
    assert status.extra["key_changed"] is True
    assert (status.category.value, status.verdict.value) == ("auth_mismatch", "client_bug")


def test_without_a_passing_run_a_401_is_not_blamed_on_a_key_change() -> None:
    spec = make_spec(assumptions=CLIENT_READS)
    obs = replace(observe(ERROR_401, status=401), key_fingerprint="fp-new")
    judgement = judge(obs, spec, replace(Series().state, last_pass_key=None), obs.started_at)
    (status,) = judgement.findings
    assert status.verdict.value == "vendor_question"
    assert "key changed" not in status.message
