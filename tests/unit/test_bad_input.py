"""Bad input never crashes the judge: each is a clear finding on a failed (or drifting) run."""

from __future__ import annotations

import pytest

from monitor.core.shape.body import MAX_BODY_BYTES, MAX_DEPTH, parse_json_body
from tests.unit.judging import Series, kinds, observe


@pytest.mark.parametrize(
    ("raw", "kind", "words"),
    [
        (b"[" * (MAX_DEPTH + 2) + b"]" * (MAX_DEPTH + 2), "body-too-deep", "deeper"),
        (b"[" * 100_000, "body-too-deep", "deeper"),
        (b"<html>502 Bad Gateway</html>", "body-unparseable", "Expecting value"),
        (b'{"a": "\xff\xfe"}', "body-unparseable", "invalid UTF-8"),
        (b'{"a": NaN}', "body-unparseable", "NaN"),
        (b'{"a": -Infinity}', "body-unparseable", "Infinity"),
        (b'{"a": ' + b"9" * 5000 + b"}", "body-unparseable", "digits"),
        (b'{"a": [1, 2', "body-unparseable", "ends early"),
        (b"", "body-unparseable", "empty"),
        (b" " * (MAX_BODY_BYTES + 1), "body-too-large", "cap"),
    ],
)
def test_a_bad_body_is_a_parser_finding_on_a_failed_run(raw: bytes, kind: str, words: str) -> None:
    judgement = Series().run(observe(raw))
    (finding,) = judgement.findings
    assert finding.kind == kind
    assert words in finding.message
    assert finding.severity.value == "breaking"
    assert finding.category.value == "response_parser_mismatch"
    assert judgement.outcome.value == "fail"


def test_duplicate_keys_are_a_warning_not_a_failure() -> None:
    judgement = Series().run(observe(b'{"id": "a", "id": "b"}'))
    assert kinds(judgement) == {("duplicate-keys", "", "warning")}
    assert judgement.outcome.value == "drift"


def test_html_with_status_200_is_a_media_type_failure() -> None:
    obs = observe(b"<html></html>", headers={"content-type": "text/html"})
    judgement = Series().run(obs)
    assert kinds(judgement) == {("media-type-changed", "", "breaking")}


def test_a_body_at_exactly_the_depth_cap_parses() -> None:
    raw = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert parse_json_body(raw).ok


def test_a_huge_array_is_sampled_not_walked_whole() -> None:
    raw = b'{"data": [' + b",".join([b'{"id": "x", "n": 1}'] * 50_000) + b"]}"
    judgement = Series().run(observe(raw))
    assert judgement.findings == ()
    assert judgement.shape is not None
    assert judgement.shape.paths["data[].id"].present == 1
