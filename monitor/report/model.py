"""The report's shape: sections of statements, each with a count and run ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Statement:
    text: str
    count: int | None = None
    run_ids: tuple[str, ...] = ()
    needs_account_confirmation: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "count": self.count,
            "run_ids": list(self.run_ids),
            "needs_account_confirmation": self.needs_account_confirmation,
        }


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    statements: tuple[Statement, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "statements": [s.to_json() for s in self.statements],
        }


@dataclass(frozen=True)
class Report:
    title: str
    scope: str
    window: dict[str, Any]
    target: str | None
    environment: str
    sections: tuple[Section, ...]
    totals: dict[str, int] = field(default_factory=dict)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "scope": self.scope,
            "window": self.window,
            "target": self.target,
            "environment": self.environment,
            "totals": self.totals,
            "sections": [s.to_json() for s in self.sections],
        }
