"""What storage may keep of an observation: secrets scrubbed, answer text withheld on request."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from monitor.config import parse_config
from monitor.config.secrets import header_secrets, redact_headers, run_secrets, url_secret_parts
from monitor.core.observation import AttemptRecord, Observation, TransportFailure
from monitor.core.policy.redact import redact_observation, scrub
from monitor.core.stream.sse import SseEvent, build_capture

KEY = "sk-canary-0123456789abcdef"
STARTED = datetime(2026, 5, 8, tzinfo=UTC)
ANSWER = {
    "id": "chatcmpl-1",
    "model": "gpt-4o-mini",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "secret plans", "refusal": None},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2},
}


def observation(body: bytes, **kw: object) -> Observation:
    return Observation(
        "p",
        "t",
        "POST",
        "https://h.test/v1/chat/completions",
        STARTED,
        1.0,
        status_code=200,
        body=body,
        **kw,
    )  # type: ignore[arg-type]


def test_an_echoed_key_is_scrubbed_from_body_headers_and_errors() -> None:
    obs = observation(
        json.dumps({"error": {"message": f"bad key {KEY}"}}).encode(),
        response_headers={"x-echo": KEY},
        failure=TransportFailure("read-error", f"lost {KEY}"),
        attempts=(AttemptRecord(1, "read-error", None, 1.0, error=f"lost {KEY}"),),
        request_body={"note": KEY},
    )
    stored = redact_observation(obs, response_text=False, secrets=[KEY])
    assert KEY not in repr(stored)
    assert b"bad key ***" in stored.body


def test_response_text_redaction_keeps_the_shape_and_drops_the_text() -> None:
    stored = redact_observation(
        observation(json.dumps(ANSWER).encode()), response_text=True, secrets=[]
    )
    document = json.loads(stored.body)
    assert document["choices"][0]["message"] == {
        "role": "assistant",
        "content": "***",
        "refusal": None,
    }
    assert document["usage"] == ANSWER["usage"]
    assert document["model"] == "gpt-4o-mini"


def test_response_text_redaction_rewrites_every_sse_data_line() -> None:
    raw = b': ping\n\ndata: {"choices":[{"delta":{"content":"secret"}}]}\n\ndata: [DONE]\n\n'
    capture = build_capture(
        [SseEvent('{"choices":[{"delta":{"content":"secret"}}]}'), SseEvent("[DONE]")],
        [1.0, 2.0],
        comments=1,
        duration_ms=3.0,
    )
    stored = redact_observation(observation(raw, stream=capture), response_text=True, secrets=[])
    assert b"secret" not in stored.body
    assert b": ping" in stored.body
    assert b"data: [DONE]" in stored.body
    assert stored.stream is not None
    assert "secret" not in "".join(stored.stream.events)


def test_a_body_that_is_not_json_is_withheld_whole_when_text_is_redacted() -> None:
    stored = redact_observation(observation(b"caf\xe9 secret"), response_text=True, secrets=[])
    assert stored.body == b"*** (11 bytes withheld by redact.response_text)"


def test_nothing_changes_without_secrets_or_redaction() -> None:
    obs = observation(json.dumps(ANSWER).encode())
    assert redact_observation(obs, response_text=False, secrets=[None]) == obs


def test_gateway_credentials_are_masked_by_name_and_rate_limit_headers_stay_readable() -> None:
    headers = {
        "helicone-auth": "Bearer pk-helicone-1",
        "x-portkey-api-key": "pk-portkey-2",
        "cf-aig-authorization": "Bearer cf-3",
        "x-goog-api-key": "goog-4",
        "x-session-token": "s-5",
        "x-ratelimit-remaining-tokens": "149984",
        "x-monitor-key-fingerprint": "1a2b3c4d",
        "x-portkey-config": "cfg-6",
        "openai-organization": "org-7",
    }
    shown = redact_headers(headers, masked=frozenset({"x-portkey-config"}))
    assert shown == {
        "helicone-auth": "Bearer ***",
        "x-portkey-api-key": "***",
        "cf-aig-authorization": "Bearer ***",
        "x-goog-api-key": "***",
        "x-session-token": "***",
        "x-ratelimit-remaining-tokens": "149984",
        "x-monitor-key-fingerprint": "1a2b3c4d",
        "x-portkey-config": "***",
        "openai-organization": "org-7",
    }
    assert sorted(header_secrets(headers, frozenset({"x-portkey-config"}))) == sorted(
        ["pk-helicone-1", "pk-portkey-2", "cf-3", "goog-4", "s-5", "cfg-6"]
    )


def test_the_loader_notes_which_header_values_came_from_the_environment() -> None:
    text = """\
targets:
  gw:
    base_url: "https://gateway.example"
    headers: {x-portkey-config: "${GW}", x-title: "probe", x-mixed: "a-${GW:-d}"}
probes:
  - name: raw
    target: gw
    kind: http
    every: 1h
    path: /v1/models
    headers: {X-Trace: "${TRACE:-none}", X-Gw: "${GW}"}
"""
    loaded = parse_config(text, "c.yaml", {"GW": "secret-gw-value"})
    assert loaded.config.targets["gw"].env_headers == {"x-portkey-config", "x-mixed"}
    assert loaded.config.probes[0].env_headers == {"x-gw"}  # a default is not from the env


def test_the_loader_notes_environment_values_where_a_credential_can_hide() -> None:
    text = """\
targets:
  gw:
    base_url: "https://gateway.example/acct/${ACCOUNT}"
    headers: {x-portkey-config: "${GW}"}
probes:
  - name: raw
    target: gw
    kind: http
    every: 1h
    path: "/v1/things?sig=${SIG}"
    body: {metadata: {session: "${SESSION}"}, model: "${MODEL}"}
  - name: chat
    target: gw
    every: 1h
    model: "${MODEL}"
    messages: [{role: user, content: "${PROMPT}"}]
    params: {max_tokens: 8}
"""
    env = {
        "ACCOUNT": "acct-123456",
        "GW": "gw-secret-value",
        "SIG": "sig-abcdef",
        "SESSION": "sess-778899",
        "MODEL": "gpt-4o-mini",
        "PROMPT": "contract_probe",
    }
    config = parse_config(text, "c.yaml", env).config
    assert config.targets["gw"].env_secrets == {"acct-123456", "gw-secret-value"}
    # an http probe's body is free-form: every value from the environment in it is scrubbed
    # (one that is no secret, like this model name, can be written literally instead)
    assert config.probes[0].env_secrets == {"sig-abcdef", "sess-778899", "gpt-4o-mini"}
    # a model name or a prompt is not a credential: masking it would mangle its echoes
    assert config.probes[1].env_secrets == frozenset()


def test_a_run_scrubs_the_longest_secret_first() -> None:
    url = f"https://gw.example/acct/{KEY}-tail"
    observation = Observation(
        probe="p",
        target="t",
        method="POST",
        url=url,
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        latency_ms=1.0,
        body=f"echo {url}/x".encode(),
    )
    scrubbed = redact_observation(observation, response_text=False, secrets=[KEY, f"{KEY}-tail"])
    assert scrubbed.body == b"echo https://gw.example/acct/***/x"
    assert scrubbed.url == "https://gw.example/acct/***"


def test_a_secret_is_scrubbed_in_its_percent_encoded_forms_too() -> None:
    text = """\
targets:
  fn:
    base_url: "https://fn.example/api?code=${FUNC_KEY}"
probes:
  - name: raw
    target: fn
    kind: http
    every: 1h
    path: /v1/things
"""
    config = parse_config(text, "c.yaml", {"FUNC_KEY": "a1b2c3+d4e5/f6=="}).config
    secrets = run_secrets(None, {}, config.targets["fn"], config.probes[0])
    shown = "https://fn.example/api?code=a1b2c3%2Bd4e5/f6%3D%3D and a1b2c3%2Bd4e5%2Ff6%3D%3D"
    assert scrub(shown, secrets) == "https://fn.example/api?code=*** and ***"


def test_a_whole_base_url_from_the_environment_masks_only_its_path_and_query() -> None:
    text = """\
targets:
  gw:
    base_url: "${GATEWAY_URL}"
probes:
  - {name: chat, target: gw, every: 1h, model: m, messages: [{role: user, content: hi}],
     params: {max_tokens: 8}}
"""
    url = "https://gw.example.com/acct-77f3e1/v2?token=tk-991a&region=eu"
    config = parse_config(text, "c.yaml", {"GATEWAY_URL": url}).config
    secrets = run_secrets(None, {}, config.targets["gw"], config.probes[0])
    assert "https://gw.example.com" not in " ".join(s for s in secrets if s)
    shown = scrub(f"{url.split('?')[0]}/chat/completions?token=tk-991a&region=eu", secrets)
    assert shown.startswith("https://gw.example.com/***/chat/completions?")
    assert "acct-77f3e1" not in shown
    assert "tk-991a" not in shown


def test_a_host_from_the_environment_is_not_a_secret() -> None:
    assert url_secret_parts("https://gw.example.com/v1", "gw.example.com") == []
    assert url_secret_parts("https://gw.example.com/a/SECRET", "SECRET") == ["SECRET"]
    whole = "https://h.example/acct-1?k=tk-2"
    assert url_secret_parts(whole, whole) == ["acct-1", "k=tk-2", "tk-2"]
