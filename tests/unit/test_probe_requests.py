"""What each probe kind sends and what evidence may show of it (pure: config in, request out)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitor.config.schema import ProbeConfig, TargetConfig
from monitor.core.observation import Observation
from monitor.probes import KINDS, ProbeContext
from monitor.probes.base import guard_url
from monitor.probes.cost import tokens_per_run
from monitor.probes.negative import INVALID_KEY
from monitor.probes.sdk_parser import sdk_findings, shape_path
from monitor.probes.shared_checks import endpoint_mismatch, error_in_200
from monitor.probes.token_field import token_body

KEY = "sk-canary-0123456789abcdef"
TARGET = TargetConfig(base_url="https://api.example.test", api_key_env="K")
MESSAGES = [{"role": "user", "content": "contract_probe redacted"}]


def probe(**kw: Any) -> ProbeConfig:
    base: dict[str, Any] = {"name": "p", "target": "t", "every": "60s", "model": "gpt-4o-mini"}
    return ProbeConfig.model_validate({**base, **kw})


def test_the_key_travels_only_in_the_authorization_header_and_evidence_shows_a_fingerprint() -> (
    None
):
    request = KINDS["chat_completion"].prepare(probe(messages=MESSAGES), TARGET, KEY)
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in request.url
    assert request.evidence_headers["authorization"] == "Bearer ***"
    assert request.evidence_headers["x-monitor-key-fingerprint"] == request.key_fingerprint
    assert len(request.key_fingerprint or "") == 8
    assert KEY not in repr(request.evidence_headers) + repr(request.evidence_body)


def test_a_key_in_the_query_string_refuses_the_request_and_is_masked_in_evidence() -> None:
    target = TargetConfig(base_url=f"https://api.example.test/?key={KEY}&region=eu")
    request = KINDS["chat_completion"].prepare(probe(messages=MESSAGES), target, KEY)
    assert request.refusal is not None
    assert request.refusal.kind == "key-in-query-string"
    assert KEY not in (request.evidence_url or "")
    assert "key=***" in (request.evidence_url or "")


def test_credential_looking_parameters_and_userinfo_are_masked_whatever_they_hold() -> None:
    shown, refusal = guard_url("https://u:pw@h.test/v1/x?api_key=other&api-version=2024", KEY)
    assert shown == "https://h.test/v1/x?api_key=***&api-version=2024"
    assert refusal is None


def test_stream_probe_asks_for_sse_and_redacts_messages_when_told() -> None:
    config = probe(kind="chat_completion_stream", messages=MESSAGES, redact={"messages": True})
    request = KINDS["chat_completion_stream"].prepare(config, TARGET, KEY)
    assert request.stream
    assert request.json_body["stream"] is True
    assert request.json_body["messages"] == MESSAGES
    assert request.evidence_body["messages"] == [{"role": "user", "content": "***"}]
    assert request.headers["accept"] == "text/event-stream"


def test_auth_rejection_sends_a_deliberately_invalid_key_never_the_real_one() -> None:
    config = probe(kind="auth_rejection", model=None)
    request = KINDS["auth_rejection"].prepare(config, TARGET, KEY, ProbeContext(("o3-mini",)))
    assert request.headers["authorization"] == f"Bearer {INVALID_KEY}"
    assert KEY not in repr(request)
    assert request.json_body["model"] == "o3-mini"
    assert request.json_body["max_tokens"] == 1
    assert KINDS["auth_rejection"].expected_status(config) == frozenset({401, 403})


def test_request_validation_sends_no_messages_and_expects_a_4xx() -> None:
    config = probe(kind="request_validation")
    request = KINDS["request_validation"].prepare(config, TARGET, KEY)
    assert "messages" not in request.json_body
    assert KINDS["request_validation"].expected_status(config) == frozenset({400, 422})


def test_token_field_sends_exactly_the_field_the_application_uses() -> None:
    config = probe(
        kind="token_field",
        params={"max_tokens": 64, "temperature": 0},
        assumes={"token_field": "max_completion_tokens"},
    )
    body = token_body(config)
    assert body["max_completion_tokens"] == 64
    assert "max_tokens" not in body
    assert body["temperature"] == 0


def test_models_probe_gets_v1_models() -> None:
    request = KINDS["models"].prepare(probe(kind="models", model=None), TARGET, KEY)
    assert (request.method, request.url) == ("GET", "https://api.example.test/v1/models")


def test_http_probe_sends_its_method_path_headers_and_body() -> None:
    config = probe(
        kind="http", method="put", path="/v1/things", headers={"X-Team": "a"}, body={"a": 1}
    )
    request = KINDS["http"].prepare(config, TARGET, KEY)
    assert (request.method, request.url) == ("PUT", "https://api.example.test/v1/things")
    assert request.headers["x-team"] == "a"
    assert request.json_body == {"a": 1}


def observed(url: str, method: str = "POST", status: int = 200) -> Observation:
    started = datetime(2026, 5, 8, tzinfo=UTC)
    return Observation("p", "t", method, url, started, 1.0, status_code=status)


def test_a_legacy_or_doubled_path_is_an_endpoint_mismatch() -> None:
    for url in (
        "https://h.test/v1/completions",
        "https://h.test/v1/v1/chat/completions",
        "https://h.test/chat/completions",
    ):
        finding = endpoint_mismatch(observed(url), "POST", "/v1/chat/completions")
        assert finding is not None, url
        assert finding.kind == "endpoint-mismatch"
    assert (
        endpoint_mismatch(
            observed("https://h.test/api/v1/chat/completions"), "POST", "/v1/chat/completions"
        )
        is None
    )
    assert (
        endpoint_mismatch(
            observed("https://h.test/v1/chat/completions", "GET"), "POST", "/v1/chat/completions"
        )
        is not None
    )


def test_an_error_envelope_in_a_200_is_a_parser_finding_with_the_request_id_kept() -> None:
    body = {"error": {"message": "upstream error (request id: 2026X)", "type": "comet_api_error"}}
    finding = error_in_200(observed("https://h.test/v1/chat/completions"), body)
    assert finding is not None
    assert finding.source.value == "parser"
    assert "comet_api_error: upstream error (request id: 2026X)" in finding.message
    assert error_in_200(observed("https://h.test/x", status=400), body) is None
    assert error_in_200(observed("https://h.test/x"), {"error": None, "choices": [{}]}) is None


def test_token_cost_is_prompt_plus_limit_for_generation_and_zero_for_refusals() -> None:
    assert tokens_per_run(probe(messages=MESSAGES, params={"max_tokens": 32})) > 32
    assert tokens_per_run(probe(kind="auth_rejection")) == 0
    assert tokens_per_run(probe(kind="models")) == 0


def test_the_openai_sdk_rejection_names_the_path_in_shape_notation() -> None:
    body = {
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "hi"},
                "finish_reason": "end_turn",
            }
        ],
    }
    (finding,) = sdk_findings("completion", [body])
    assert (finding.kind, finding.path, finding.after) == (
        "parser-rejected",
        "choices[].finish_reason",
        "end_turn",
    )
    body["choices"][0]["finish_reason"] = "stop"
    assert sdk_findings("completion", [body]) == []
    assert shape_path(("data", 3, "id"), "completion") == "data[].id"
