"""Evidence on real provider bodies (tests/fixtures, provenance in PROVENANCE.md).

Values are not shape: hundreds of value-only variants of a real body never produce a finding.
A field that comes and goes while learning is never reported. Switching one provider's body for
another's gives the findings a reader of both would list, with the taxonomy's severities.
"""

from __future__ import annotations

import copy
import json
import random
import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.judging import HEADERS, Series, fixture, kinds, make_spec, observe

OPENAI = "openai/ok-gpt-4.1-nano-raw-pretty.json"
MISTRAL = "mistral/ok-mistral-small-2025.json"
AZURE = "azure/ok-gpt-4.1-content-filter-jailbreak.json"
COMET = "cometapi/doc-example-ok-gpt-4.1-nano-2026.json"


def _vary(document: Any, rnd: random.Random) -> Any:
    """Change values only: text, counts, ids (same prefix), timestamps (same digits), order."""
    if isinstance(document, dict):
        items = [(k, _vary_member(k, v, rnd)) for k, v in document.items()]
        rnd.shuffle(items)  # key order is not shape
        return dict(items)
    if isinstance(document, list):
        return [_vary(v, rnd) for v in document]
    return document


def _vary_member(key: str, value: Any, rnd: random.Random) -> Any:
    if key == "id" and isinstance(value, str):
        prefix, sep, _rest = value.partition("-")
        tail = "".join(rnd.choices(string.ascii_letters + string.digits, k=rnd.randint(8, 30)))
        return f"{prefix}{sep}{tail}" if sep else tail
    if key == "created" and isinstance(value, int):
        return rnd.randint(1_600_000_000, 1_999_999_999)
    if key == "system_fingerprint" and isinstance(value, str):
        return "fp_" + "".join(rnd.choices("0123456789abcdef", k=10))
    if key in ("content", "refusal") and isinstance(value, str):
        return "".join(rnd.choices(string.printable, k=rnd.randint(1, 400)))
    if isinstance(value, bool) or key in ("finish_reason", "object", "role", "type", "model"):
        return value
    if isinstance(value, int):
        return rnd.randint(0, 100_000)
    return _vary(value, rnd)


def _learned(name: str, learn_runs: int = 5) -> Series:
    series = Series(spec=make_spec(learn_runs=learn_runs))
    rnd = random.Random(7)
    series.learn([_vary(fixture(name), rnd) for _ in range(learn_runs)])
    assert series.state.baselines, "the baseline was learned"
    return series


@settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), name=st.sampled_from([OPENAI, COMET]))
def test_value_only_variants_of_a_real_body_never_produce_a_finding(seed: int, name: str) -> None:
    series = _LEARNED[name]
    judgement = series.run(observe(_vary(fixture(name), random.Random(seed))))
    assert judgement.findings == ()
    assert judgement.outcome.value == "pass"


_LEARNED = {OPENAI: _learned(OPENAI), COMET: _learned(COMET)}


def test_a_field_that_comes_and_goes_while_learning_is_never_reported() -> None:
    with_fp = fixture(OPENAI)
    without = copy.deepcopy(with_fp)
    del without["system_fingerprint"]
    del without["service_tier"]
    series = Series(spec=make_spec(learn_runs=4))
    series.learn([with_fp, without, with_fp, without])
    assert series.state.baselines[next(iter(series.state.baselines))].is_active
    for body in (without, with_fp, without, without):
        judgement = series.run(observe(body))
        assert judgement.findings == (), judgement.findings


def test_openai_to_mistral_loses_fingerprint_and_service_tier_as_breaking() -> None:
    series = _learned(OPENAI)
    judgement = series.run(observe(fixture(MISTRAL)))
    found = kinds(judgement)
    assert ("property-removed", "system_fingerprint", "breaking") in found
    assert ("property-removed", "service_tier", "breaking") in found
    assert ("property-removed", "choices[].logprobs", "breaking") in found
    assert ("property-removed", "choices[].message.refusal", "breaking") in found
    assert ("property-removed", "usage.prompt_tokens_details", "breaking") in found
    # Mistral's `tool_calls: null` is new (info), its hex id has no `chatcmpl` prefix (warning)
    assert ("property-added", "choices[].message.tool_calls", "info") in found
    assert ("format-changed", "id", "warning") in found
    assert ("served-model-changed", "model", "info") in found
    assert all(f.verdict.value == "deployment_drift" for f in judgement.findings)
    assert judgement.outcome.value == "drift"


def test_azure_adds_prompt_filter_results_as_info_only() -> None:
    series = _learned(OPENAI)
    judgement = series.run(observe(fixture(AZURE)))
    found = kinds(judgement)
    assert ("property-added", "prompt_filter_results", "info") in found
    assert ("property-added", "choices[].content_filter_results", "info") in found
    # Azure drops service_tier: the one breaking difference a reader would list
    assert {f for f in found if f[2] == "breaking"} == {
        ("property-removed", "service_tier", "breaking")
    }


def test_removed_usage_field_is_breaking_drift_in_the_billing_category() -> None:
    series = _learned(OPENAI)
    body = fixture(OPENAI)
    del body["usage"]
    judgement = series.run(observe(body))
    (finding,) = judgement.findings
    assert (finding.kind, finding.path, finding.severity.value) == (
        "property-removed",
        "usage",
        "breaking",
    )
    assert finding.category.value == "usage_billing_assumption"
    assert finding.verdict.value == "deployment_drift"


def test_a_missing_header_every_baseline_response_had_is_a_warning() -> None:
    series = _learned(OPENAI)
    judgement = series.run(observe(fixture(OPENAI), headers={"content-type": "application/json"}))
    assert kinds(judgement) == {("header-removed", "header:x-request-id", "warning")}


def test_a_new_header_is_info_and_content_type_parameters_are_info() -> None:
    series = _learned(OPENAI)
    headers = {**HEADERS, "content-type": "application/json; charset=utf-8", "x-new": "1"}
    judgement = series.run(observe(fixture(OPENAI), headers=headers))
    assert kinds(judgement) == {
        ("header-added", "header:x-new", "info"),
        ("media-type-params-changed", "header:content-type", "info"),
    }


def test_bodies_round_trip_through_json_with_the_same_shape() -> None:
    # the variants generator itself keeps JSON validity (guards the property test above)
    body = _vary(fixture(OPENAI), random.Random(1))
    assert json.loads(json.dumps(body)) == body
