"""No module of the package grows past 350 lines (STYLE: keep modules under ~300): a file that
long holds more than one concept and is split by concept, not cut in half. Applied migrations
are exempt: they are history, never edited."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "monitor"
MAX_LINES = 350


def test_no_module_is_longer_than_350_lines() -> None:
    too_long = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "versions" in relative.parts and "migrations" in relative.parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            too_long[str(relative)] = lines
    assert too_long == {}
