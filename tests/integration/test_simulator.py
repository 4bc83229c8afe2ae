"""The provider simulator over real HTTP: a uvicorn server on 127.0.0.1 and an httpx client,
one test per observable behaviour of each scenario, plus control endpoints, TLS and shutdown."""

from __future__ import annotations

import asyncio
import json
import math
import re
import signal
import ssl
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from monitor.simulator import SCENARIOS, Simulator

API_KEY = "sk-sim-test"
AUTH = {"authorization": f"Bearer {API_KEY}"}
CHAT = "/v1/chat/completions"
BODY: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "Reply with a short fact."}],
}
STREAM_BODY: dict[str, Any] = {**BODY, "stream": True, "stream_options": {"include_usage": True}}
SLOW_SECONDS = 0.5
TRICKLE_INTERVAL = 0.002


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Simulator, str]]:
    sim = Simulator(api_key=API_KEY, slow_seconds=SLOW_SECONDS, trickle_interval=TRICKLE_INTERVAL)
    with sim.serve(port=0) as base_url:
        yield sim, base_url


@pytest.fixture
def sim(server: tuple[Simulator, str]) -> Simulator:
    simulator = server[0]
    simulator.set_scenario("healthy")
    simulator.clear_requests()
    return simulator


@pytest.fixture
def client(server: tuple[Simulator, str], sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server[1], headers=AUTH, timeout=20) as http:
        yield http


def data_events(text: str) -> list[str]:
    return [line[len("data: ") :] for line in text.splitlines() if line.startswith("data: ")]


def stream_chunks(text: str) -> list[dict[str, Any]]:
    return [json.loads(event) for event in data_events(text) if event != "[DONE]"]


def timed_raw(
    client: httpx.Client, body: dict[str, Any]
) -> tuple[httpx.Response, list[float], bytes]:
    """Send a request and note when each piece of the raw body arrived."""
    started = time.monotonic()
    arrivals: list[float] = []
    data = bytearray()
    with client.stream("POST", CHAT, json=body) as response:
        for piece in response.iter_raw():
            arrivals.append(time.monotonic() - started)
            data += piece
    return response, arrivals, bytes(data)


def test_healthy_answer_looks_like_an_openai_chat_completion(client: httpx.Client) -> None:
    response = client.post(CHAT, json=BODY)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"].startswith("req_")
    assert int(response.headers["openai-processing-ms"]) >= 0
    body = response.json()
    assert list(body) == [
        "id",
        "object",
        "created",
        "model",
        "choices",
        "usage",
        "service_tier",
        "system_fingerprint",
    ]
    assert body["object"] == "chat.completion"
    assert body["model"] == "gpt-4o-mini"
    message = body["choices"][0]["message"]
    assert message["role"] == "assistant"
    assert message["refusal"] is None
    assert message["annotations"] == []
    assert body["choices"][0]["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert body["system_fingerprint"].startswith("fp_")


def test_healthy_ids_created_text_tokens_and_request_ids_vary(client: httpx.Client) -> None:
    responses = [client.post(CHAT, json=BODY) for _ in range(6)]
    bodies = [r.json() for r in responses]
    assert len({b["id"] for b in bodies}) == 6
    assert len({r.headers["x-request-id"] for r in responses}) == 6
    assert len({b["created"] for b in bodies}) > 1
    assert len({b["choices"][0]["message"]["content"] for b in bodies}) > 1
    assert len({b["usage"]["completion_tokens"] for b in bodies}) > 1


def test_healthy_stream_starts_with_a_ping_and_ends_with_usage_then_done(
    client: httpx.Client,
) -> None:
    response, arrivals, raw = timed_raw(client, STREAM_BODY)
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert "x-request-id" in response.headers
    text = raw.decode()
    assert text.startswith(": ping\n\n")
    assert data_events(text)[-1] == "[DONE]"
    chunks = stream_chunks(text)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == len(chunks) - 3
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len(arrivals) >= 3  # really streamed, not one write


def test_stream_without_include_usage_sends_no_usage(client: httpx.Client) -> None:
    response = client.post(CHAT, json={**BODY, "stream": True})
    chunks = stream_chunks(response.text)
    assert all("usage" not in chunk for chunk in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_missing_and_wrong_keys_get_openais_401_without_echoing_the_key(
    client: httpx.Client,
) -> None:
    missing = client.post(CHAT, json=BODY, headers={"authorization": ""})
    assert missing.status_code == 401
    assert missing.json()["error"]["message"].startswith("You didn't provide an API key.")
    wrong = client.post(CHAT, json=BODY, headers={"authorization": "Bearer sk-wrong-key"})
    assert wrong.status_code == 401
    assert wrong.json() == {
        "error": {
            "message": "Incorrect API key provided: sk-wr***key. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    assert b"sk-wrong-key" not in wrong.content
    models = client.get("/v1/models", headers={"authorization": "Bearer sk-wrong-key"})
    assert models.status_code == 401


def test_invalid_json_and_missing_parameters_get_400_envelopes(client: httpx.Client) -> None:
    not_json = client.post(CHAT, content=b"{nope", headers={"content-type": "application/json"})
    assert not_json.status_code == 400
    assert not_json.json()["error"]["type"] == "invalid_request_error"
    no_messages = client.post(CHAT, json={"model": "gpt-4o-mini"})
    assert no_messages.status_code == 400
    assert no_messages.json() == {
        "error": {
            "message": "Missing required parameter: 'messages'.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "missing_required_parameter",
        }
    }
    no_model = client.post(CHAT, json={"messages": BODY["messages"]})
    assert no_model.status_code == 400
    assert no_model.json()["error"]["param"] == "model"
    assert no_model.json()["error"]["message"] == "Missing required parameter: 'model'."


def test_models_endpoint_lists_the_default_models(client: httpx.Client) -> None:
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == [
        "gpt-4o-mini",
        "gpt-4.1-nano",
        "gpt-5-mini",
        "o3-mini",
    ]
    assert all(m["object"] == "model" and m["owned_by"] for m in body["data"])


def test_models_missing_lists_only_o3_mini(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("models-missing")
    assert [m["id"] for m in client.get("/v1/models").json()["data"]] == ["o3-mini"]


def test_unknown_routes_get_openais_json_404(client: httpx.Client) -> None:
    response = client.get(CHAT)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"Invalid URL (GET {CHAT})"


def test_drop_usage_removes_usage_from_json_and_stream(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("drop-usage")
    assert "usage" not in client.post(CHAT, json=BODY).json()
    chunks = stream_chunks(client.post(CHAT, json=STREAM_BODY).text)
    assert all("usage" not in c and c["choices"] for c in chunks)


def test_new_finish_reason_reports_end_turn(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("new-finish-reason")
    assert client.post(CHAT, json=BODY).json()["choices"][0]["finish_reason"] == "end_turn"
    chunks = stream_chunks(client.post(CHAT, json=STREAM_BODY).text)
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "end_turn"


def test_null_content_nulls_the_message_content(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("null-content")
    assert client.post(CHAT, json=BODY).json()["choices"][0]["message"]["content"] is None


def test_rename_token_field_rejects_max_tokens_but_accepts_max_completion_tokens(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("rename-token-field")
    rejected = client.post(CHAT, json={**BODY, "max_tokens": 5})
    assert rejected.status_code == 400
    fixture = (
        Path(__file__).parents[1]
        / "fixtures/openai/error-400-unsupported-parameter-max-tokens.json"
    )
    assert rejected.json() == json.loads(fixture.read_text())
    assert client.post(CHAT, json={**BODY, "max_completion_tokens": 5}).status_code == 200


def test_auth_rejects_refuses_even_the_right_key(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("auth-rejects")
    response = client.post(CHAT, json=BODY)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert API_KEY.encode() not in response.content


def test_slow_answers_only_after_the_configured_delay(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("slow")
    started = time.monotonic()
    assert client.post(CHAT, json=BODY).status_code == 200
    assert time.monotonic() - started >= SLOW_SECONDS


def test_html_502_sends_an_nginx_error_page(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("html-502")
    response = client.post(CHAT, json=BODY)
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert "<h1>502 Bad Gateway</h1>" in response.text


def test_stream_no_done_ends_without_the_done_marker(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("stream-no-done")
    events = data_events(client.post(CHAT, json=STREAM_BODY).text)
    assert "[DONE]" not in events
    assert json.loads(events[-1])["choices"] == []


def test_error_in_200_sends_an_aggregator_error_with_status_200(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("error-in-200")
    response = client.post(CHAT, json=BODY)
    assert response.status_code == 200
    error = response.json()["error"]
    assert list(error) == ["message", "type", "code"]
    assert error["type"] == "comet_api_error"
    assert "(request id: 20" in error["message"]


def test_html_200_sends_a_web_page_with_status_200(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("html-200")
    response = client.post(CHAT, json=BODY)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


def test_truncated_json_cuts_the_body_with_a_matching_content_length(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("truncated-json")
    response = client.post(CHAT, json=BODY)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.content.startswith(b"{\n")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_invalid_utf8_puts_undecodable_bytes_in_the_content(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("invalid-utf8")
    response = client.post(CHAT, json=BODY)
    assert response.status_code == 200
    assert b"\xff\xfe" in response.content
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")


def test_nan_writes_nan_and_infinity_literals(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("nan")
    response = client.post(CHAT, json=BODY)
    assert b"NaN" in response.content
    assert b"Infinity" in response.content
    usage = json.loads(response.content)["usage"]
    assert math.isnan(usage["prompt_tokens_details"]["cached_tokens"])
    with pytest.raises(ValueError, match="NaN"):
        json.loads(
            response.content, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name))
        )


def test_huge_body_is_fifty_megabytes_of_valid_json(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("huge-body")
    data = bytearray()
    with client.stream("POST", CHAT, json=BODY) as response:
        declared = int(response.headers["content-length"])
        pieces = 0
        for piece in response.iter_raw():
            data += piece
            pieces += 1
    assert len(data) == declared >= 50 * 1024 * 1024
    assert pieces > 1
    content = json.loads(data)["choices"][0]["message"]["content"]
    assert len(content) == 50 * 1024 * 1024


def test_gzip_bomb_is_small_on_the_wire_and_inflates_to_a_gibibyte(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("gzip-bomb")
    with client.stream("POST", CHAT, json=BODY) as response:
        assert response.headers["content-encoding"] == "gzip"
        raw = b"".join(response.iter_raw())
    assert len(raw) == int(response.headers["content-length"]) < 2 * 1024 * 1024
    prefix = zlib.decompressobj(31).decompress(raw, 16 * 1024 * 1024)
    assert len(prefix) == 16 * 1024 * 1024
    assert not prefix.strip(b"\0")
    assert struct.unpack("<I", raw[-4:])[0] >= 1 << 30  # gzip trailer: inflated size


def test_trickle_sends_the_body_one_byte_at_a_time(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("trickle")
    response, arrivals, raw = timed_raw(client, BODY)
    assert int(response.headers["content-length"]) == len(raw)
    assert json.loads(raw)["object"] == "chat.completion"
    assert len(arrivals) > len(raw) // 4
    assert arrivals[-1] - arrivals[0] >= 0.5 * (len(raw) - 1) * TRICKLE_INTERVAL


def test_headers_never_does_not_answer_within_a_client_timeout(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("headers-never")
    with pytest.raises(httpx.ReadTimeout):
        client.post(CHAT, json=BODY, timeout=httpx.Timeout(5, read=0.5))
    assert [r.path for r in sim.requests] == [CHAT]


def test_stream_endless_keeps_sending_chunks_without_done(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("stream-endless")
    data = b""
    started = time.monotonic()
    with client.stream("POST", CHAT, json=STREAM_BODY) as response:
        for piece in response.iter_raw():
            data += piece
            if time.monotonic() - started > 0.6:
                break
    events = data_events(data.decode(errors="replace"))
    assert len(events) >= 5
    assert "[DONE]" not in events


def test_redirect_other_host_points_to_127_0_0_2_on_the_same_port(
    client: httpx.Client, sim: Simulator, server: tuple[Simulator, str]
) -> None:
    sim.set_scenario("redirect-other-host")
    response = client.post(CHAT, json=BODY)
    assert response.status_code == 301
    port = httpx.URL(server[1]).port
    assert response.headers["location"] == f"http://127.0.0.2:{port}/v1/chat/completions"


def test_rate_limit_long_asks_to_retry_after_a_day(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("rate-limit-long")
    response = client.post(CHAT, json=BODY)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "86400"
    error = response.json()["error"]
    assert error["type"] == "requests"
    assert error["code"] == "rate_limit_exceeded"
    assert error["message"].startswith("Rate limit reached for gpt-4o-mini ")
    assert "(RPM): Limit 3, Used 3, Requested 1." in error["message"]


def test_rate_limit_once_fails_only_the_first_request_after_each_switch(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("rate-limit-once")
    first = client.post(CHAT, json=BODY)
    assert first.status_code == 429
    assert first.headers["retry-after"] == "1"
    assert client.post(CHAT, json=BODY).status_code == 200
    assert client.post(CHAT, json=BODY).status_code == 200
    sim.set_scenario("rate-limit-once")
    assert client.post(CHAT, json=BODY).status_code == 429


def test_server_error_sends_openais_500_envelope(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("server-error")
    response = client.post(CHAT, json=BODY)
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "message": "The server had an error while processing your request.",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }


def test_flaky_fails_the_first_request_with_503_then_recovers(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("flaky")
    assert client.post(CHAT, json=BODY).status_code == 503
    assert client.post(CHAT, json=BODY).status_code == 200


def test_stream_not_streamed_answers_a_stream_request_with_json(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("stream-not-streamed")
    response = client.post(CHAT, json=STREAM_BODY)
    assert response.headers["content-type"] == "application/json"
    assert response.json()["object"] == "chat.completion"


def test_stream_one_burst_delivers_every_chunk_at_once_after_a_second(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("stream-one-burst")
    response, arrivals, raw = timed_raw(client, STREAM_BODY)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert arrivals[0] >= 0.9
    assert arrivals[-1] - arrivals[0] < 0.3
    assert data_events(raw.decode())[-1] == "[DONE]"


def test_stream_error_event_sends_one_chunk_then_an_in_band_error(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("stream-error-event")
    response = client.post(CHAT, json=STREAM_BODY)
    assert response.status_code == 200
    events = [json.loads(e) for e in data_events(response.text)]
    assert events[0]["object"] == "chat.completion.chunk"
    assert events[-1] == {"error": {"message": events[-1]["error"]["message"], "code": 502}}
    assert len(events) == 3


def test_stream_no_finish_reason_leaves_every_finish_reason_null(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("stream-no-finish-reason")
    chunks = stream_chunks(client.post(CHAT, json=STREAM_BODY).text)
    assert all(choice["finish_reason"] is None for c in chunks for choice in c["choices"])


def test_stream_wrong_content_type_labels_sse_as_plain_text(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("stream-wrong-content-type")
    response = client.post(CHAT, json=STREAM_BODY)
    assert response.headers["content-type"].startswith("text/plain")
    assert data_events(response.text)[-1] == "[DONE]"


def test_stream_keepalive_comments_interleave_comments_in_a_valid_stream(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("stream-keepalive-comments")
    text = client.post(CHAT, json=STREAM_BODY).text
    assert text.count(": OPENROUTER PROCESSING\n\n") > 3
    chunks = stream_chunks(text)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert data_events(text)[-1] == "[DONE]"


def test_stream_data_only_sends_no_comment_line_at_all(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("stream-data-only")
    text = client.post(CHAT, json=STREAM_BODY).text
    assert [line for line in text.splitlines() if line] == [
        f"data: {event}" for event in data_events(text)
    ]
    assert data_events(text)[-1] == "[DONE]"
    sim.set_scenario("stream-data-only,stream-keepalive-comments")
    combined = client.post(CHAT, json=STREAM_BODY).text
    assert ": ping" not in combined
    assert ": OPENROUTER PROCESSING" in combined


def test_comet_errors_use_cometapis_envelope_and_no_request_id_header(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_scenario("comet-errors")
    response = client.post(CHAT, json=BODY, headers={"authorization": "Bearer sk-wrong-key"})
    assert response.status_code == 401
    assert "x-request-id" not in response.headers
    error = response.json()["error"]
    assert list(error) == ["code", "message", "type"]
    assert error["type"] == "comet_api_error"
    assert "(request id: 20" in error["message"]
    assert "x-request-id" not in client.post(CHAT, json=BODY).headers


def test_type_change_makes_created_a_string(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("type-change")
    assert isinstance(client.post(CHAT, json=BODY).json()["created"], str)


def test_add_field_adds_provider_and_usage_cost(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("add-field")
    body = client.post(CHAT, json=BODY).json()
    assert body["provider"] == "sim"
    assert body["usage"]["cost"] == 0.0001


def test_content_array_turns_content_into_text_parts(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("content-array")
    content = client.post(CHAT, json=BODY).json()["choices"][0]["message"]["content"]
    assert [part["type"] for part in content] == ["text"]


def test_combined_scenarios_apply_every_mutation(client: httpx.Client, sim: Simulator) -> None:
    sim.set_scenario("drop-usage,new-finish-reason")
    assert sim.scenario == "drop-usage,new-finish-reason"
    body = client.post(CHAT, json=BODY).json()
    assert "usage" not in body
    assert body["choices"][0]["finish_reason"] == "end_turn"
    chunks = stream_chunks(client.post(CHAT, json=STREAM_BODY).text)
    assert all("usage" not in c for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "end_turn"


def test_set_scenario_rejects_unknown_names(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="valid scenarios"):
        sim.set_scenario("healthy,teapot")
    assert sim.scenario == "healthy"


def test_requests_are_recorded_with_lower_case_headers_and_parsed_json(
    client: httpx.Client, sim: Simulator
) -> None:
    client.post(CHAT, json=BODY, params={"trace": "1"}, headers={"X-Probe": "p1"})
    client.get("/v1/models")
    first, second = sim.requests
    assert (first.method, first.path, first.query) == ("POST", CHAT, "trace=1")
    assert first.headers["x-probe"] == "p1"
    assert first.json == BODY
    assert json.loads(first.body) == BODY
    assert isinstance(first.received_at, datetime)
    assert first.received_at.tzinfo is not None
    assert (second.method, second.path, second.json) == ("GET", "/v1/models", None)
    sim.clear_requests()
    assert sim.requests == []


def test_control_endpoints_switch_scenarios_and_expose_requests(
    client: httpx.Client, sim: Simulator, server: tuple[Simulator, str]
) -> None:
    with httpx.Client(base_url=server[1]) as control:
        assert control.get("/_simulator/scenario").json() == {"scenario": "healthy"}
        switched = control.put("/_simulator/scenario", json={"scenario": "drop-usage,nan"})
        assert switched.json() == {"scenario": "drop-usage,nan"}
        assert sim.scenario == "drop-usage,nan"
        bad = control.put("/_simulator/scenario", json={"scenario": "teapot"})
        assert bad.status_code == 400
        assert "valid scenarios" in bad.json()["error"]
        listed = control.get("/_simulator/scenarios").json()["scenarios"]
        assert [s["name"] for s in listed] == list(SCENARIOS)
        client.post(CHAT, json=BODY)
        recorded = control.get("/_simulator/requests").json()["requests"]
        assert [(r["method"], r["path"]) for r in recorded] == [("POST", CHAT)]
        assert json.loads(recorded[0]["body"]) == BODY
        assert control.delete("/_simulator/requests").json() == {"cleared": 1}
        assert control.get("/_simulator/requests").json() == {"requests": []}


def test_tls_works_for_clients_trusting_the_ca_and_fails_for_others(tmp_path: Path) -> None:
    ca = trustme.CA()
    pem = tmp_path / "server.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(pem)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    with Simulator().serve(tls=(pem, pem)) as base_url:
        assert base_url.startswith("https://127.0.0.1:")
        with httpx.Client(base_url=base_url, headers=AUTH, verify=trusting) as good:
            assert good.post(CHAT, json=BODY).status_code == 200
        with (
            httpx.Client(base_url=base_url, headers=AUTH) as untrusting,
            pytest.raises(httpx.ConnectError) as failure,
        ):
            untrusting.post(CHAT, json=BODY)
    causes: list[BaseException] = []
    error: BaseException | None = failure.value
    while error is not None:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes)


def test_shutdown_stops_within_the_bound_while_an_endless_stream_is_in_flight() -> None:
    sim = Simulator(scenario="stream-endless")
    with httpx.Client(headers=AUTH, timeout=10) as http:
        with sim.serve() as base_url:
            request = http.build_request("POST", base_url + CHAT, json=STREAM_BODY)
            response = http.send(request, stream=True)
            pieces = response.iter_raw()
            assert next(pieces).startswith(b": ping")
            started = time.monotonic()
        elapsed = time.monotonic() - started
        rest = b"".join(pieces)  # the server ends the chunked body cleanly
        response.close()
    assert elapsed < 5
    assert b"[DONE]" not in rest


def test_shutdown_answers_a_held_request_with_503_within_the_bound() -> None:
    sim = Simulator(scenario="headers-never")
    statuses: list[int] = []
    with httpx.Client(headers=AUTH, timeout=10) as http, sim.serve() as base_url:

        def call() -> None:
            statuses.append(http.post(base_url + CHAT, json=BODY).status_code)

        caller = threading.Thread(target=call)
        caller.start()
        while not sim.requests:
            time.sleep(0.01)
        started = time.monotonic()
    elapsed = time.monotonic() - started
    caller.join(5)
    assert elapsed < 5
    assert statuses == [503]


def test_serve_async_runs_on_the_current_event_loop() -> None:
    async def probe() -> tuple[int, str]:
        sim = Simulator(models=["my-model"])
        async with (
            sim.serve_async(port=0) as base_url,
            httpx.AsyncClient(base_url=base_url, headers=AUTH) as http,
        ):
            answer = await http.post(CHAT, json={**BODY, "model": "my-model"})
            models = await http.get("/v1/models")
        return answer.status_code, models.json()["data"][0]["id"]

    assert asyncio.run(probe()) == (200, "my-model")


def test_serve_forever_prints_the_url_and_stops_cleanly_on_sigterm() -> None:
    code = (
        "from monitor.simulator import Simulator, serve_forever; "
        "serve_forever(Simulator(), '127.0.0.1', 0)"
    )
    root = Path(__file__).resolve().parents[2]
    with subprocess.Popen(
        [sys.executable, "-c", code], cwd=root, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stderr is not None
            banner = process.stderr.readline()
            found = re.search(r"http://127\.0\.0\.1:\d+", banner)
            assert found, banner
            with httpx.Client(base_url=found.group(0), headers=AUTH, timeout=10) as http:
                assert http.post(CHAT, json=BODY).status_code == 200
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=5) == 0
            assert "stream-endless" in process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()
