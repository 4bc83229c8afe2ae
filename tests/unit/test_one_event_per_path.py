"""One root cause, one event: findings of one run that share a path are one event with the
sources listed; events already active keep their fingerprints until they resolve."""

from __future__ import annotations

from dataclasses import replace

from monitor.core.events import EventRecord
from monitor.core.model import EventState, Finding, Severity, Source
from monitor.core.run_events import merge_by_path
from tests.unit.judging import T0, Series, fixture, make_spec, observe
from tests.unit.judging import shipped_contract as contract


def _new_finish_reason() -> dict[str, object]:
    body = fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")
    body["choices"][0]["finish_reason"] = "end_turn"
    return body


def test_a_new_finish_reason_seen_by_baseline_and_contract_opens_one_event() -> None:
    series = Series(spec=make_spec(learn_runs=2), contract=contract())
    body = fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")
    series.learn([body, body])
    for _ in range(3):
        judgement = series.run(observe(_new_finish_reason()))
    sources = {f.source.value for f in judgement.findings if f.path == "choices[].finish_reason"}
    assert sources == {"baseline", "contract"}  # both still judged and stored
    opened = [t for j in series.judgements for t in j.transitions if t.reason == "opened"]
    assert [t.fingerprint for t in opened] == [
        "chat|success|enum-value-added|choices[].finish_reason|end_turn"
    ]
    event = judgement.event_findings[opened[0].fingerprint]
    assert event.extra["sources"] == ["baseline enum-value-added", "contract enum-value-added"]
    assert "also contract enum-value-added" in event.message
    assert set(series.state.events) == {opened[0].fingerprint}


def _finding(source: Source, kind: str, severity: Severity, group: str | None = None) -> Finding:
    return Finding(kind, "x.y", severity, source, f"{kind} from {source.value}", event_group=group)


def test_the_worst_finding_of_a_path_leads_and_lends_its_fingerprint() -> None:
    base = _finding(Source.BASELINE, "type-changed", Severity.WARNING)
    assumed = _finding(Source.EXPECTATION, "assumed-path-missing", Severity.BREAKING)
    merged, rest = merge_by_path("p", [base, assumed], set())
    assert rest == []
    (only,) = merged.values()
    assert list(merged) == [assumed.fingerprint("p")]
    assert only.severity is Severity.BREAKING
    assert only.extra["sources"] == ["expectation assumed-path-missing", "baseline type-changed"]


def test_findings_on_different_paths_stay_apart() -> None:
    a = _finding(Source.BASELINE, "type-changed", Severity.WARNING)
    b = replace(a, path="other")
    merged, rest = merge_by_path("p", [a, b], set())
    assert (merged, rest) == ({}, [a, b])


def test_an_event_already_active_keeps_its_fingerprint_and_takes_in_the_others() -> None:
    base = _finding(Source.BASELINE, "enum-value-added", Severity.WARNING)
    doc = _finding(Source.CONTRACT, "enum-value-added", Severity.WARNING, "documentation-drift")
    assumed = _finding(Source.EXPECTATION, "assumed-path-missing", Severity.BREAKING)
    active = {base.fingerprint("p"), assumed.fingerprint("p")}
    merged, rest = merge_by_path("p", [base, doc, assumed], active)
    assert rest == []
    assert set(merged) == active  # neither resolves because the rule changed
    assert merged[base.fingerprint("p")].extra["sources"] == [
        "baseline enum-value-added",
        "contract enum-value-added",
    ]


def test_an_active_documentation_event_keeps_its_members() -> None:
    base = _finding(Source.BASELINE, "enum-value-added", Severity.WARNING)
    doc = _finding(Source.CONTRACT, "enum-value-added", Severity.WARNING, "documentation-drift")
    merged, rest = merge_by_path("p", [base, doc], {doc.fingerprint("p")})
    assert (merged, rest) == ({}, [base, doc])


def test_the_series_keeps_an_open_event_until_it_resolves() -> None:
    # Open before this release: the contract's documentation event for the same path.
    fp = "chat|success|documentation-drift|"
    record = EventRecord(fp, EventState.OPEN, (True, True), 0, 2, T0, T0, opened_at=T0)
    series = Series(spec=make_spec(learn_runs=2), contract=contract())
    body = fixture("openai/ok-gpt-4.1-nano-raw-pretty.json")
    series.learn([body, body])
    series.state = replace(series.state, events={fp: record})
    judgement = series.run(observe(_new_finish_reason()))
    assert not [t for t in judgement.transitions if t.reason == "resolved"]
    assert fp in series.state.events
