"""docs/findings.md is the one readable table: it must say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.core.classify import RULES
from monitor.core.taxonomy import KINDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "findings.md"


def _rows(header: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    lines = text[text.index(header) :].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_the_kinds_table_lists_every_kind_with_its_default_severities() -> None:
    rows = _rows("| kind | baseline default")
    documented = {r[0].strip("`"): (r[1], r[2]) for r in rows}
    in_code = {
        k.id: (k.baseline.value if k.baseline else "—", k.contract.value if k.contract else "—")
        for k in KINDS.values()
    }
    assert documented == in_code


def test_the_classification_table_is_the_rules_table_in_order() -> None:
    rows = _rows("| # | rule (first match wins)")
    documented = [(int(r[0]), r[1], r[2].strip("`"), r[3]) for r in rows]
    in_code = [
        (i, rule.name, rule.category.value, rule.verdict_text) for i, rule in enumerate(RULES, 1)
    ]
    assert documented == in_code


def test_kind_ids_are_stable_kebab_case() -> None:
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", kind) for kind in KINDS)
