"""The simulator's pure parts: payload builders, scenario parsing and mutators, delivery shapers.

Real recorded bodies in tests/fixtures/ are the reference for shapes (see PROVENANCE.md).
"""

from __future__ import annotations

import json
import random
import re
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.simulator import SCENARIOS, parse_scenario, payloads, respond, shaping
from monitor.simulator.plan import DONE, PING, Ctx, Plan, Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOW = 1_780_000_000.0
REQUEST: dict[str, Any] = {
    "model": "gpt-4.1-nano",
    "messages": [{"role": "user", "content": "What is the capital of the UK?"}],
}
STREAM_REQUEST: dict[str, Any] = {
    **REQUEST,
    "stream": True,
    "stream_options": {"include_usage": True},
}


def shape(value: Any) -> Any:
    """Keys (in order) and value types, recursively: what a contract is made of."""
    if isinstance(value, dict):
        return [(key, shape(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def sse_payloads(text: str) -> list[str]:
    return [line[len("data: ") :] for line in text.splitlines() if line.startswith("data: ")]


def ctx_for(names: str, body: dict[str, Any] | None = None, seed: int = 7) -> Ctx:
    return Ctx(
        names=frozenset(parse_scenario(names)),
        rng=random.Random(seed),
        now=NOW,
        settings=Settings(),
        body=dict(body if body is not None else REQUEST),
        request_id="req_test",
    )


def test_chat_completion_has_the_keys_and_types_of_a_real_openai_body() -> None:
    real = json.loads((FIXTURES / "openai/ok-gpt-4.1-nano-raw-pretty.json").read_text())
    doc = json.loads((FIXTURES / "cometapi/doc-example-ok-gpt-4.1-nano-2026.json").read_text())
    body = payloads.chat_completion(random.Random(1), REQUEST, NOW)
    assert shape(body) == shape(real) == shape(doc)


def test_chat_completion_echoes_the_requested_model_exactly() -> None:
    body = payloads.chat_completion(random.Random(1), {**REQUEST, "model": "o3-mini"}, NOW)
    assert body["model"] == "o3-mini"


def test_chat_completion_is_deterministic_for_a_seed_and_time() -> None:
    first = payloads.chat_completion(random.Random(5), REQUEST, NOW)
    second = payloads.chat_completion(random.Random(5), REQUEST, NOW)
    assert first == second


def test_ids_created_text_and_token_counts_vary_between_responses() -> None:
    rng = random.Random(3)
    bodies = [payloads.chat_completion(rng, REQUEST, NOW) for _ in range(8)]
    assert len({b["id"] for b in bodies}) == 8
    assert len({b["created"] for b in bodies}) > 1
    assert len({b["choices"][0]["message"]["content"] for b in bodies}) > 1
    assert len({b["usage"]["completion_tokens"] for b in bodies}) > 1
    assert len({b["usage"]["prompt_tokens"] for b in bodies}) > 1


@given(st.integers(), st.floats(min_value=1e9, max_value=4e9))
def test_usage_totals_add_up_and_created_is_just_before_now(seed: int, now: float) -> None:
    body = payloads.chat_completion(random.Random(seed), REQUEST, now)
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    content = body["choices"][0]["message"]["content"]
    assert usage["completion_tokens"] == len(payloads.split_tokens(content))
    assert int(now) - 2 <= body["created"] <= int(now)
    assert re.fullmatch(r"chatcmpl-[A-Za-z0-9]{29}", body["id"])
    assert re.fullmatch(r"fp_[0-9a-f]{10}", body["system_fingerprint"])


def test_request_id_is_req_followed_by_32_hex_digits() -> None:
    assert re.fullmatch(r"req_[0-9a-f]{32}", payloads.request_id(random.Random(1)))


def test_stream_chunks_follow_the_layout_of_a_real_openai_stream() -> None:
    real_text = (FIXTURES / "openai/stream-text-gpt-4o-mini-obfuscation.sse").read_text()
    real = [json.loads(p) for p in sse_payloads(real_text) if p != "[DONE]"]
    chunks = payloads.stream_chunks(random.Random(2), STREAM_REQUEST, NOW)
    assert shape(chunks[0]) == shape(real[0])
    assert shape(chunks[1]) == shape(real[1])
    assert shape(chunks[-2]) == shape(real[-2])
    assert shape(chunks[-1]) == shape(real[-1])
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-1]["choices"] == []
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert len({c["id"] for c in chunks}) == 1
    contents = [c["choices"][0]["delta"]["content"] for c in chunks[1:-2]]
    assert chunks[-1]["usage"]["completion_tokens"] == len(contents)


def test_stream_without_include_usage_has_no_usage_key_and_no_usage_chunk() -> None:
    chunks = payloads.stream_chunks(random.Random(2), {**REQUEST, "stream": True}, NOW)
    assert all("usage" not in c for c in chunks)
    assert all(c["choices"] for c in chunks)


def test_stream_obfuscation_can_be_turned_off_like_openai_allows() -> None:
    request = {**REQUEST, "stream": True, "stream_options": {"include_obfuscation": False}}
    chunks = payloads.stream_chunks(random.Random(2), request, NOW)
    assert all("obfuscation" not in c for c in chunks)


def test_mask_key_shows_first_five_and_last_three_characters_only() -> None:
    assert payloads.mask_key("sk-wrong-key") == "sk-wr***key"
    assert payloads.mask_key("short") == "***"
    assert "sk-wrong-key" not in payloads.incorrect_key_message("sk-wrong-key")


def test_incorrect_key_envelope_matches_openai_wording() -> None:
    real = json.loads((FIXTURES / "openai/error-401-invalid-api-key.json").read_text())
    plan = respond.authorize(ctx_for("healthy"), "Bearer sk-wrong-key", "sk-sim-test")
    assert plan is not None
    assert plan.status == 401
    body = json.loads(plan.materialized() or b"")
    assert shape(body) == shape(real)
    template = re.sub(r"sk-X+\*+X+", "MASK", real["error"]["message"])
    assert body["error"]["message"].replace("sk-wr***key", "MASK") == template


def test_comet_error_envelope_matches_cometapi_layout() -> None:
    real = json.loads((FIXTURES / "cometapi/error-503-model-not-found-no-channel.json").read_text())
    rid = payloads.comet_request_id(random.Random(1), NOW)
    body = payloads.comet_error("model name is required", rid)
    assert shape(body) == shape(real)
    assert re.fullmatch(r"\d{23}[A-Za-z]{8}", rid)
    assert rid.startswith(time.strftime("%Y%m%d%H%M%S", time.gmtime(NOW)))
    assert body["error"]["message"].endswith(f"(request id: {rid})")


def test_max_tokens_rejection_is_byte_identical_to_openais_body() -> None:
    real = (FIXTURES / "openai/error-400-unsupported-parameter-max-tokens.json").read_bytes()
    plan = respond.intercept(ctx_for("rename-token-field", {**REQUEST, "max_tokens": 5}))
    assert plan is not None
    assert plan.status == 400
    assert plan.materialized() == real.rstrip(b"\n")
    assert (
        respond.intercept(ctx_for("rename-token-field", {**REQUEST, "max_completion_tokens": 5}))
        is None
    )


def test_models_list_has_openais_list_envelope() -> None:
    body = payloads.models_list(payloads.DEFAULT_MODELS)
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == [
        "gpt-4o-mini",
        "gpt-4.1-nano",
        "gpt-5-mini",
        "o3-mini",
    ]
    assert all(set(m) == {"id", "object", "created", "owned_by"} for m in body["data"])


def test_parse_scenario_accepts_combinations_and_rejects_unknown_names() -> None:
    assert parse_scenario(" drop-usage , new-finish-reason,drop-usage") == (
        "drop-usage",
        "new-finish-reason",
    )
    with pytest.raises(ValueError, match=r"unknown scenario 'nope'.*valid scenarios: healthy"):
        parse_scenario("drop-usage,nope")
    with pytest.raises(ValueError, match="no scenario"):
        parse_scenario(" , ")


def test_every_scenario_has_a_description() -> None:
    assert len(SCENARIOS) == 43
    assert all(s.description for s in SCENARIOS.values())


def test_body_mutators_compose_in_registry_order_whatever_the_written_order() -> None:
    one = respond.answer(ctx_for("add-field,drop-usage,new-finish-reason,type-change"))
    two = respond.answer(ctx_for("type-change,new-finish-reason,drop-usage,add-field"))
    assert one.materialized() == two.materialized()
    body = json.loads(one.materialized() or b"")
    assert "usage" not in body
    assert body["choices"][0]["finish_reason"] == "end_turn"
    assert isinstance(body["created"], str)
    assert body["provider"] == "sim"


def test_stream_mutators_reach_every_chunk() -> None:
    plan = respond.answer(ctx_for("null-content,content-array,drop-usage", STREAM_REQUEST))
    events = sse_payloads((plan.materialized() or b"").decode())
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all("usage" not in c and c["choices"] for c in chunks)
    assert all(c["choices"][0]["delta"].get("content") in (None, []) for c in chunks)


def test_healthy_stream_plan_starts_with_a_ping_and_ends_with_done() -> None:
    plan = respond.answer(ctx_for("healthy", STREAM_REQUEST))
    assert isinstance(plan.parts, list)
    assert plan.parts[0] == PING
    assert plan.parts[-1] == DONE
    assert plan.stream
    assert plan.content_length() is None


def test_huge_body_shaper_streams_fifty_megabytes_in_bounded_pieces() -> None:
    plan = respond.answer(ctx_for("huge-body"))
    assert not isinstance(plan.parts, list)
    sizes = [len(part) for part in plan.parts]
    assert max(sizes) <= 64 * 1024
    assert sum(sizes) == plan.content_length()
    assert sum(sizes) >= shaping.HUGE_BODY_BYTES


def test_trickle_shaper_sends_one_byte_per_part_and_keeps_the_length() -> None:
    plan = respond.answer(ctx_for("trickle"))
    length = plan.content_length()
    parts = list(plan.parts)
    assert all(len(p) == 1 for p in parts)
    assert len(parts) == length
    assert plan.interval == Settings().trickle_interval == 0.2


def test_truncated_and_invalid_utf8_shapers_break_the_body_as_claimed() -> None:
    whole = respond.answer(ctx_for("healthy")).materialized() or b""
    cut = respond.answer(ctx_for("truncated-json")).materialized() or b""
    assert cut == whole[: len(whole) // 2]
    bad = respond.answer(ctx_for("invalid-utf8")).materialized() or b""
    with pytest.raises(UnicodeDecodeError):
        bad.decode("utf-8")


def test_lazy_bodies_are_never_joined_by_shapers_that_need_the_whole_body() -> None:
    plan = respond.answer(ctx_for("stream-endless,stream-one-burst,trickle", STREAM_REQUEST))
    assert plan.materialized() is None
    first = [next(iter(plan.parts)) for _ in range(3)]
    assert first[0] == PING


def test_nan_scenario_writes_nan_and_infinity_literals() -> None:
    body = respond.answer(ctx_for("nan")).materialized() or b""
    assert b"NaN" in body
    assert b"Infinity" in body


def test_slow_is_three_seconds_by_default() -> None:
    plan = Plan()
    shaping.slow(plan, ctx_for("slow"))
    assert plan.delay == 3.0


@pytest.mark.slow
def test_gzip_bomb_is_small_quick_to_build_and_inflates_to_one_gibibyte() -> None:
    shaping.gzip_bomb.cache_clear()
    started = time.monotonic()
    bomb = shaping.gzip_bomb()
    assert time.monotonic() - started < 5
    assert len(bomb) < 2 * 1024 * 1024
    assert struct.unpack("<I", bomb[-4:])[0] == 1 << 30
    inflate = zlib.decompressobj(31)
    total, data = 0, bomb
    while data or not inflate.eof:
        out = inflate.decompress(data, 64 << 20)
        assert not out.strip(b"\0")
        total += len(out)
        data = inflate.unconsumed_tail
        if not out and not data:
            break
    assert inflate.eof  # zlib checked the CRC-32 trailer
    assert total == 1 << 30
