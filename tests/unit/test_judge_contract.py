"""The judge with the shipped contract: documentation drift, evidence rules, assumptions.

Uses ``config/contracts/openai-chat-completions.yaml`` compiled once (real openapi-schema-validator
validators) and real provider bodies from tests/fixtures.
"""

from __future__ import annotations

import pytest

from monitor.core.assumptions import Assumptions
from monitor.core.judge import DOCUMENTATION_DRIFT
from monitor.core.model import EventState
from tests.unit.judging import REQUEST, Series, fixture, kinds, make_spec, observe
from tests.unit.judging import shipped_contract as contract


def test_a_real_openai_body_matches_the_shipped_contract() -> None:
    series = Series(contract=contract())
    judgement = series.run(observe(fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")))
    assert judgement.findings == ()


def test_documentation_drift_from_the_first_run_is_one_warning_event_not_a_stream() -> None:
    # Mistral never sends `logprobs` and `refusal`, which the published schema requires.
    series = Series(spec=make_spec(learn_runs=2), contract=contract())
    body = fixture("mistral/ok-mistral-small-2025.json")
    for _ in range(6):
        judgement = series.run(observe(body))
    contract_findings = [f for f in judgement.findings if f.source.value == "contract"]
    assert {(f.kind, f.path) for f in contract_findings} >= {
        ("property-removed", "choices[].logprobs"),
        ("property-removed", "choices[].message.refusal"),
    }
    assert {f.severity.value for f in contract_findings} == {"warning"}
    assert {f.verdict.value for f in contract_findings} == {"documentation_drift"}
    opened = [t for j in series.judgements for t in j.transitions if t.to_state is EventState.OPEN]
    assert [t.fingerprint for t in opened] == [f"chat|success|{DOCUMENTATION_DRIFT}|"]
    assert judgement.outcome.value == "drift"


def test_documentation_drift_touching_an_assumption_is_breaking() -> None:
    spec = make_spec(assumptions=Assumptions(paths=("choices[].message.refusal",)))
    series = Series(spec=spec, contract=contract())
    judgement = series.run(observe(fixture("mistral/ok-mistral-small-2025.json")))
    refusal = [f for f in judgement.findings if f.path == "choices[].message.refusal"]
    assert {(f.kind, f.severity.value, f.source.value) for f in refusal} == {
        ("property-removed", "breaking", "contract")
    }
    assert refusal[0].event_group is None  # its own event, not the grouped one
    marks = {e.subject: e.mark for e in judgement.ledger}
    assert marks["choices[].message.refusal"] == "unsupported"


def test_differs_from_the_baseline_but_matches_the_contract_is_deployment_drift() -> None:
    series = Series(spec=make_spec(learn_runs=2), contract=contract())
    body = fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")
    series.learn([body, body])
    changed = fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")
    changed["choices"][0]["message"]["content"] = None  # nullable in the contract
    judgement = series.run(observe(changed))
    (finding,) = judgement.findings
    assert (finding.kind, finding.source.value, finding.verdict.value) == (
        "null-appeared",
        "baseline",
        "deployment_drift",
    )


def test_differs_from_both_baseline_and_contract_is_deployment_drift() -> None:
    series = Series(spec=make_spec(learn_runs=2), contract=contract())
    body = fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")
    series.learn([body, body])
    changed = fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")
    changed["created"] = str(changed["created"])
    judgement = series.run(observe(changed))
    by_source = {f.source.value: f for f in judgement.findings if f.path == "created"}
    assert by_source["baseline"].kind == "type-changed"
    assert by_source["contract"].kind == "type-changed"
    assert {f.verdict.value for f in by_source.values()} == {"deployment_drift"}


def test_a_request_field_the_contract_does_not_document_is_a_client_bug() -> None:
    series = Series(contract=contract())
    request = {**REQUEST, "reasoning_budget": 5}
    judgement = series.run(
        observe(fixture("openai/ok-gpt-4.1-nano-raw-pretty.json"), request=request)
    )
    (finding,) = judgement.findings
    assert (finding.kind, finding.path, finding.verdict.value, finding.category.value) == (
        "request-undocumented-field",
        "request:reasoning_budget",
        "client_bug",
        "request_schema_mismatch",
    )


def test_a_request_the_contract_schema_rejects_is_a_client_bug_at_its_request_path() -> None:
    series = Series(contract=contract())
    body = fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")
    judgement = series.run(observe(body, request={"max_tokens": "five"}))
    found = {(f.kind, f.path, f.severity.value) for f in judgement.findings}
    assert found == {
        ("request-required-field-missing", "request:model", "breaking"),
        ("request-required-field-missing", "request:messages", "breaking"),
        ("request-type-mismatch", "request:max_tokens", "breaking"),
    }
    assert {(f.source.value, f.category.value, f.verdict.value) for f in judgement.findings} == {
        ("contract", "request_schema_mismatch", "client_bug")
    }
    assert (judgement.outcome.value, judgement.verdict.value) == ("drift", "client_bug")
    mistyped = next(f for f in judgement.findings if f.path == "request:max_tokens")
    assert (mistyped.before, mistyped.after) == ("integer", "string")


@pytest.mark.parametrize(
    ("request_body", "expected"),
    [
        (["not", "an", "object"], {("request-type-mismatch", "request:")}),
        (
            {**REQUEST, "model": None, "stop": 5},  # null where not nullable; neither alternative
            {("request-type-mismatch", "request:model"), ("request-type-mismatch", "request:stop")},
        ),
        (
            {**REQUEST, "messages": [{"role": "robot"}, {"content": "x"}], "temperature": 3},
            {
                ("request-schema-violation", "request:messages[].role"),
                ("request-required-field-missing", "request:messages[].role"),
                ("request-schema-violation", "request:temperature"),
            },
        ),
        ({**REQUEST, "max_tokens": None, "stop": ["a"]}, set()),  # nullable; one alternative
    ],
)
def test_request_body_validation_against_the_documented_request_schema(
    request_body: object, expected: set[tuple[str, str]]
) -> None:
    body = fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")
    judgement = Series(contract=contract()).run(observe(body, request=request_body))
    assert {(f.kind, f.path) for f in judgement.findings} == expected
    assert {f.verdict.value for f in judgement.findings} <= {"client_bug"}


def test_a_request_invalid_on_purpose_is_not_checked_against_the_request_schema() -> None:
    spec = make_spec(expected_status=frozenset({400}), request_invalid_on_purpose=True)
    series = Series(spec=spec, contract=contract())
    refused = fixture("openai/error-400-unsupported-parameter-max-tokens.json")
    sent = {"model": "gpt-4o-mini", "max_tokens": 1, "reasoning_budget": 5}  # no `messages`
    judgement = series.run(observe(refused, status=400, request=sent))
    assert [(f.kind, f.path) for f in judgement.findings] == [
        ("request-undocumented-field", "request:reasoning_budget")  # still said
    ]


def test_a_400_naming_a_parameter_accepted_before_is_request_schema_deployment_drift() -> None:
    series = Series(spec=make_spec(learn_runs=1), contract=contract())
    series.run(observe(fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")))
    refused = series.run(
        observe(fixture("openai/error-400-unsupported-parameter-max-tokens.json"), status=400)
    )
    lead = refused.findings[0]
    assert (lead.kind, lead.category.value, lead.verdict.value) == (
        "status-changed",
        "request_schema_mismatch",
        "deployment_drift",
    )
    assert "max_tokens" in lead.message
    assert refused.outcome.value == "fail"


def test_the_token_field_rejected_by_name_is_an_unsupported_assumption() -> None:
    spec = make_spec(assumptions=Assumptions(token_field="max_tokens"))
    series = Series(spec=spec, contract=contract())
    refused = series.run(
        observe(fixture("openai/error-400-unsupported-parameter-max-tokens.json"), status=400)
    )
    marks = {e.kind: (e.mark, e.reason) for e in refused.ledger}
    assert marks["token_field"] == ("unsupported", "rejected with HTTP 400")
    assert marks["status"][0] == "unsupported"


def test_ledger_marks_documented_optional_and_nullable_paths_as_needing_confirmation() -> None:
    spec = make_spec(
        assumptions=Assumptions(
            paths=("choices[].message.content", "id", "usage.total_tokens"),
            enums={"choices[].finish_reason": frozenset({"stop", "length", "tool_calls"})},
            token_field="max_tokens",
            headers=("x-request-id",),
            status=200,
        )
    )
    series = Series(spec=spec, contract=contract())
    judgement = series.run(observe(fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")))
    marks = {(e.kind, e.subject): e.mark for e in judgement.ledger}
    assert marks == {
        ("path", "choices[].message.content"): "needs_confirmation",  # nullable
        ("path", "id"): "supported",
        ("path", "usage.total_tokens"): "needs_confirmation",  # usage is optional
        ("enum", "choices[].finish_reason"): "needs_confirmation",  # content_filter documented
        ("token_field", "max_tokens"): "needs_confirmation",  # deprecated in the contract
        ("header", "x-request-id"): "needs_confirmation",  # not documented
        ("status", "200"): "supported",
    }
    assert judgement.findings == ()


def test_an_undocumented_status_is_a_contract_finding_on_the_failed_run() -> None:
    series = Series(contract=contract())
    judgement = series.run(observe({"error": {"message": "teapot"}}, status=418))
    assert ("status-undocumented", "", "warning") in kinds(judgement)
    assert judgement.outcome.value == "fail"


REAL_BODIES = {
    "openai/ok-gpt-4.1-nano-raw-pretty.json": set(),
    "openai/ok-gpt-4o-2024-08-06-annotations-refusal.json": set(),
    "openai/ok-o3-mini-reasoning-tokens-no-logprobs-key.json": {
        ("property-removed", "choices[].logprobs")
    },
    "openai/ok-gpt-3.5-turbo-0301-2023-legacy.json": {
        ("property-removed", "choices[].logprobs"),
        ("property-removed", "choices[].message.refusal"),
    },
    "azure/ok-gpt-4.1-content-filter-jailbreak.json": set(),
    "azure/ok-gpt-4o-2024-11-20-protected-material.json": set(),
    "mistral/ok-mistral-large-tool-calls-null.json": {
        ("property-removed", "choices[].logprobs"),
        ("property-removed", "choices[].message.refusal"),
        ("null-appeared", "choices[].message.tool_calls"),
    },
    "groq/ok-llama-3.3-70b-instructions.json": {("property-removed", "choices[].message.refusal")},
    "deepseek/ok-deepseek-v4-flash-vercel-fixture.json": {
        ("property-removed", "choices[].message.refusal")
    },
    "openrouter/ok-gemini-flash-lite-provider-google.json": set(),
    "cometapi/doc-example-ok-gpt-4o-2024-08-06-empty-details.json": {
        ("property-removed", "choices[].logprobs"),
        ("property-removed", "choices[].message.refusal"),
    },
    "cometapi/doc-example-ok-gpt-4.1-nano-2026.json": set(),
}


@pytest.mark.parametrize("name", sorted(REAL_BODIES))
def test_each_real_provider_body_shows_only_its_documentation_drift(name: str) -> None:
    judgement = Series(contract=contract()).run(observe(fixture(name)))
    warnings = {(f.kind, f.path) for f in judgement.findings if f.severity.value != "info"}
    assert warnings == REAL_BODIES[name]
    assert all(f.source.value == "contract" for f in judgement.findings)
    assert all(f.severity.value in ("info", "warning") for f in judgement.findings)
    assert judgement.outcome.value in ("pass", "drift")


def test_the_cometapi_error_envelope_matches_the_documented_error_response() -> None:
    series = Series(spec=make_spec(expected_status=frozenset({400})), contract=contract())
    judgement = series.run(
        observe(fixture("cometapi/doc-observed-error-400-model-required.json"), status=400)
    )
    assert [f for f in judgement.findings if f.severity.value != "info"] == []
