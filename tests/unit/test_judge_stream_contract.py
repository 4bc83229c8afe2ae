"""The judge with the shipped contract on streamed answers: every representative chunk is
checked against the documented chunk schema (``x-sse-chunk-schema``), with the same rules as
a JSON body. Real provider streams from tests/fixtures; the contract is compiled once.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.contract import Contract, load_contract
from monitor.core.assumptions import Assumptions
from monitor.core.judge import DOCUMENTATION_DRIFT
from monitor.core.model import EventState, ResponseClass, Source
from tests.unit.judging import (
    SHIPPED_CONTRACT,
    Series,
    make_spec,
    observe_stream,
    stream_fixture,
)
from tests.unit.judging import shipped_contract as contract

OPENAI_TEXT = "openai/stream-text-gpt-4o-mini-obfuscation.sse"
AZURE = "azure/stream-gpt-5-nano-model-router.chunks.txt"
MISTRAL = "mistral/stream-mistral-small-thinking-content-array-p-padding.chunks.txt"


def contract_without_chunk_schema(tmp_path: Path) -> Contract:
    """The shipped contract as a user's might be: the stream documented as a string only."""
    text = SHIPPED_CONTRACT.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if "x-sse-chunk-schema:" in x)
    variant = tmp_path / "no-chunk-schema.yaml"
    variant.write_text(text.replace(line + "\n", ""), encoding="utf-8")
    return load_contract(str(variant), now=datetime(2026, 5, 9, tzinfo=UTC))


REAL_STREAMS = {
    OPENAI_TEXT: (set(), set()),
    "openai/stream-toolcall-gpt-4o-mini-obfuscation.sse": (set(), set()),
    AZURE: (
        {("enum-value-added", "object")},  # the model router's first chunk: object ""
        {
            ("undocumented-property", "prompt_filter_results"),
            ("undocumented-property", "choices[].content_filter_results"),
        },
    ),
    "groq/stream-llama-3.3-toolcall-x_groq-usage.chunks.txt": (
        set(),
        {("undocumented-property", "x_groq")}
        | {("undocumented-property", f"usage.{k}_time") for k in ("queue", "prompt")}
        | {("undocumented-property", f"usage.{k}_time") for k in ("completion", "total")},
    ),
    MISTRAL: (
        {("type-changed", "choices[].delta.content")},  # thinking parts: a list, not a string
        {("undocumented-property", "p")},  # Mistral's random padding
    ),
    "deepseek/stream-deepseek-reasoner-reasoning-content.excerpt.sse": (
        set(),
        {
            ("undocumented-property", "choices[].delta.reasoning_content"),
            ("undocumented-property", "usage.prompt_cache_hit_tokens"),
            ("undocumented-property", "usage.prompt_cache_miss_tokens"),
        },
    ),
}


@pytest.mark.parametrize("name", sorted(REAL_STREAMS))
def test_each_real_provider_stream_shows_only_its_chunk_documentation_drift(name: str) -> None:
    judgement = Series(contract=contract()).run(observe_stream(stream_fixture(name)))
    warnings, infos = REAL_STREAMS[name]
    by_severity = {
        severity: {(f.kind, f.path) for f in judgement.findings if f.severity.value == severity}
        for severity in ("warning", "info")
    }
    assert by_severity == {"warning": warnings, "info": infos}
    assert all(f.source is Source.CONTRACT for f in judgement.findings)
    assert all(f.response_class is ResponseClass.CHUNK for f in judgement.findings)
    assert {f.event_group for f in judgement.findings if f.severity.value == "warning"} <= {
        DOCUMENTATION_DRIFT
    }
    assert judgement.outcome.value == ("drift" if warnings else "pass")


def test_a_midstream_error_fails_the_run_and_its_valid_chunks_match_the_contract() -> None:
    capture = stream_fixture("openrouter/stream-minimax-midstream-error-comments.sse")
    judgement = Series(contract=contract()).run(observe_stream(capture))
    assert [(f.kind, f.source.value) for f in judgement.findings] == [("sse-error-event", "parser")]
    assert judgement.outcome.value == "fail"


def test_chunk_documentation_drift_from_the_first_run_is_one_warning_event() -> None:
    series = Series(spec=make_spec(learn_runs=2), contract=contract())
    for _ in range(6):
        judgement = series.run(observe_stream(stream_fixture(MISTRAL)))
    drift = [f for f in judgement.findings if f.severity.value != "info"]
    assert [(f.kind, f.path, f.severity.value, f.verdict.value) for f in drift] == [
        ("type-changed", "choices[].delta.content", "warning", "documentation_drift")
    ]
    opened = [t for j in series.judgements for t in j.transitions if t.to_state is EventState.OPEN]
    assert [t.fingerprint for t in opened] == [f"chat|chunk|{DOCUMENTATION_DRIFT}|"]
    assert judgement.outcome.value == "drift"


def test_chunk_documentation_drift_touching_an_assumption_is_breaking() -> None:
    # A client that checks `object == "chat.completion.chunk"` trips on Azure's first chunk.
    spec = make_spec(assumptions=Assumptions(paths=("object",)))
    judgement = Series(spec=spec, contract=contract()).run(observe_stream(stream_fixture(AZURE)))
    (lead,) = [f for f in judgement.findings if f.path == "object"]
    assert (lead.kind, lead.severity.value, lead.source.value, lead.after) == (
        "enum-value-added",
        "breaking",
        "contract",
        "",
    )
    assert lead.event_group is None  # its own event, not the grouped one
    assert lead.fingerprint("chat") == "chat|chunk|enum-value-added|object|"
    assert judgement.outcome.value == "drift"


def test_the_last_chunk_is_checked_too_so_a_usage_without_its_total_is_found() -> None:
    capture = stream_fixture(OPENAI_TEXT)
    last = max(i for i, c in enumerate(capture.chunks) if isinstance(c, dict))
    usage_chunk = json.loads(capture.events[last])
    del usage_chunk["usage"]["total_tokens"]
    chunks = list(capture.chunks)
    chunks[last] = usage_chunk
    judgement = Series(contract=contract()).run(
        observe_stream(replace(capture, chunks=tuple(chunks)))
    )
    assert [(f.kind, f.path, f.response_class) for f in judgement.findings] == [
        ("property-removed", "usage.total_tokens", ResponseClass.CHUNK)
    ]


def test_a_mislabelled_stream_is_undocumented_media_and_its_chunks_are_still_checked() -> None:
    capture = stream_fixture(MISTRAL, media_type="text/plain")
    judgement = Series(contract=contract()).run(observe_stream(capture))
    contract_findings = {
        (f.kind, f.path) for f in judgement.findings if f.source is Source.CONTRACT
    }
    assert contract_findings == {
        ("media-type-undocumented", ""),
        ("type-changed", "choices[].delta.content"),
        ("undocumented-property", "p"),
    }


def test_without_a_documented_chunk_schema_only_the_status_and_media_type_are_checked(
    tmp_path: Path,
) -> None:
    series = Series(contract=contract_without_chunk_schema(tmp_path))
    judgement = series.run(observe_stream(stream_fixture(MISTRAL)))
    assert judgement.findings == ()
    assert judgement.outcome.value == "pass"


def test_the_ledger_of_a_stream_reads_the_reassembled_answer_not_the_chunk_schema() -> None:
    spec = make_spec(assumptions=Assumptions(paths=("choices[].message.content",)))
    judgement = Series(spec=spec, contract=contract()).run(
        observe_stream(stream_fixture(OPENAI_TEXT))
    )
    (entry,) = [e for e in judgement.ledger if e.kind == "path"]
    assert (entry.subject, entry.mark, entry.reason) == (
        "choices[].message.content",
        "supported",
        "present",
    )
