"""Small wording helpers shared by the report's sections."""

from __future__ import annotations

from datetime import datetime

CITED_RUNS = 5  # run ids behind one statement, as the queries sample them per group


def utc(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def runs_phrase(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"
