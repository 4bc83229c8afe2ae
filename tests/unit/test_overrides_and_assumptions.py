"""Overrides (severity by kind or path, ignore rules that expire) and the assumption ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config.loader import load_config
from monitor.core.assumptions import Assumptions, path_values
from monitor.core.model import Severity
from monitor.core.overrides import IgnoreRule, Overrides, parse_until
from monitor.errors import ConfigError
from tests.unit.judging import HEADERS, T0, Series, kinds, make_spec, observe
from tests.unit.test_baseline_rules import BODY, body


def learned(**kwargs: object) -> Series:
    series = Series(spec=make_spec(learn_runs=2, **kwargs))
    series.learn([BODY, BODY])
    return series


def test_severity_override_by_kind_and_by_path_where_the_path_wins() -> None:
    overrides = Overrides(severity={"type-changed": Severity.INFO, "created": Severity.WARNING})
    series = learned(overrides=overrides)
    found = kinds(series.run(observe(body(created="x", model=3))))
    assert ("type-changed", "created", "warning") in found
    assert ("type-changed", "model", "info") in found


def test_an_ignore_rule_quiets_a_finding_until_it_expires_and_then_it_surfaces_again() -> None:
    until = T0 + timedelta(minutes=5)
    rule = IgnoreRule(reason="vendor ticket 42", kind="null-appeared", until=until)
    series = learned(overrides=Overrides(ignore=(rule,)))
    quiet = series.run(observe(body(choices__0__message__content=None)))
    (finding,) = quiet.findings
    assert finding.severity is Severity.INFO
    assert "vendor ticket 42" in finding.message
    assert quiet.outcome.value == "pass"
    for _ in range(3):
        later = series.run(observe(body(choices__0__message__content=None)))
    (finding,) = later.findings
    assert finding.severity is Severity.BREAKING
    assert "expired" in finding.message
    assert later.outcome.value == "drift"


def test_an_override_cannot_quiet_a_broken_assumption() -> None:
    overrides = Overrides(severity={"null-appeared": Severity.INFO})
    series = learned(
        overrides=overrides, assumptions=Assumptions(paths=("choices[].message.content",))
    )
    found = kinds(series.run(observe(body(choices__0__message__content=None))))
    assert found == {("null-appeared", "choices[].message.content", "breaking")}


def test_until_accepts_a_date_or_a_time() -> None:
    assert parse_until("2026-06-01").isoformat() == "2026-06-01T00:00:00+00:00"
    assert parse_until("2026-06-01T12:00:00Z").hour == 12


def test_an_assumed_path_missing_from_a_learning_probe_is_breaking() -> None:
    series = Series(spec=make_spec(assumptions=Assumptions(paths=("usage.total_tokens",))))
    judgement = series.run(observe(body(usage=...)))
    assert kinds(judgement) == {("assumed-path-missing", "usage.total_tokens", "breaking")}
    (entry,) = [e for e in judgement.ledger if e.kind == "path"]
    assert (entry.mark, entry.reason) == ("unsupported", "absent from this response")
    (finding,) = judgement.findings
    assert finding.category.value == "usage_billing_assumption"
    assert finding.verdict.value == "client_bug"


def test_an_assumed_header_removed_from_every_baseline_response_is_breaking() -> None:
    series = learned(assumptions=Assumptions(headers=("x-request-id",)))
    headers = {k: v for k, v in HEADERS.items() if k != "x-request-id"}
    found = kinds(series.run(observe(BODY, headers=headers)))
    assert found == {("header-removed", "header:x-request-id", "breaking")}


def test_headers_not_captured_are_neither_drift_nor_evidence_against_an_assumption() -> None:
    series = learned(assumptions=Assumptions(headers=("x-request-id",)))
    uncaptured = replace(
        observe(BODY, headers={"content-type": "application/json"}), headers_captured=False
    )
    judgement = series.run(uncaptured)
    assert (judgement.findings, judgement.outcome.value) == ((), "pass")
    (entry,) = [e for e in judgement.ledger if e.kind == "header"]
    assert (entry.mark, entry.reason) == ("needs_confirmation", "headers not captured")


def test_a_path_the_baseline_saw_only_sometimes_needs_confirmation() -> None:
    series = Series(spec=make_spec(learn_runs=2, assumptions=Assumptions(paths=("usage",))))
    series.learn([BODY, body(usage=...)])
    judgement = series.run(observe(BODY))
    (entry,) = [e for e in judgement.ledger if e.kind == "path"]
    assert entry.mark == "needs_confirmation"
    assert "1 of 2" in entry.reason


def test_without_assumes_the_ledger_holds_the_expected_status() -> None:
    judgement = Series().run(observe(BODY))
    assert [e.to_json() for e in judgement.ledger] == [
        {
            "kind": "status",
            "subject": "200",
            "mark": "supported",
            "reason": "HTTP 200 (probe default)",
        }
    ]


def test_a_probe_sending_another_token_field_does_not_test_the_assumption() -> None:
    request = {"model": "m", "messages": [], "max_completion_tokens": 5}
    spec = make_spec(assumptions=Assumptions(token_field="max_tokens"))
    judgement = Series(spec=spec).run(observe(BODY, request=request))
    (entry,) = [e for e in judgement.ledger if e.kind == "token_field"]
    assert entry.mark == "needs_confirmation"
    assert "max_completion_tokens" in entry.reason


def test_path_values_expand_every_array_item() -> None:
    doc = {"choices": [{"m": {"c": 1}}, {"m": {}}]}
    values = path_values(doc, "choices[].m.c")
    assert values[0] == 1
    assert len(values) == 2
    assert values[1] is not None


def test_config_check_rejects_an_ignore_rule_with_a_bad_date_or_no_target(tmp_path: Path) -> None:
    text = """
targets: {t: {base_url: "http://127.0.0.1:9"}}
probes:
  - name: p
    target: t
    every: 60s
    model: gpt-4o-mini
    messages: [{role: user, content: hi}]
    params: {max_tokens: 8}
    overrides:
      ignore:
        - {kind: null-appeared, reason: ticket, until: "next week"}
        - {reason: nothing to match}
"""
    path = tmp_path / "c.yaml"
    path.write_text(text.lstrip(), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    message = str(caught.value)
    assert "c.yaml:11: probes[0].overrides.ignore[0].until: invalid date 'next week'" in message
    assert "c.yaml:12: probes[0].overrides.ignore[1]: an ignore rule needs a kind or a path" in (
        message
    )
