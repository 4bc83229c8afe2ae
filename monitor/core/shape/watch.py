"""What an active baseline remembers across runs, for the two kinds one response cannot show.

- ``optional-property-removed``: a field seen in only some baseline responses has been absent
  for more runs in a row than its baseline rate makes likely by chance (less than 1 %).
- ``property-became-optional``: a field present in every baseline response went missing and
  then came back: it now comes and goes, which breaks strict parsers as surely as removal.

The watch only counts; the baseline's shape stays frozen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor.core.shape.stats import Shape

CHANCE = 0.01
MIN_STREAK = 3
MAX_STREAK = 50


@dataclass(frozen=True)
class Watch:
    runs: int = 0
    absent_streak: Mapping[str, int] = field(default_factory=dict)
    missing_once: frozenset[str] = frozenset()
    came_back: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "absent_streak": dict(sorted(self.absent_streak.items())),
            "missing_once": sorted(self.missing_once),
            "came_back": sorted(self.came_back),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Watch:
        if not data:
            return cls()
        return cls(
            runs=int(data.get("runs", 0)),
            absent_streak={str(k): int(v) for k, v in data.get("absent_streak", {}).items()},
            missing_once=frozenset(data.get("missing_once", ())),
            came_back=frozenset(data.get("came_back", ())),
        )


def chance_threshold(rate: float) -> int:
    """Runs in a row a field seen at ``rate`` must be absent before that is unlikely by chance."""
    if rate >= 1.0:
        return 1
    if rate <= 0.0:
        return MAX_STREAK
    needed = math.ceil(math.log(CHANCE) / math.log(1.0 - rate))
    return max(MIN_STREAK, min(MAX_STREAK, needed))


def update_watch(watch: Watch, baseline: Shape, observed: Shape) -> Watch:
    streaks: dict[str, int] = {}
    missing = set(watch.missing_once)
    came_back = set(watch.came_back)
    for path, stats in baseline.paths.items():
        held = baseline.containers(path)
        if held == 0 or observed.containers(path) == 0:
            continue
        present = path in observed.paths
        if stats.present < held:
            if not present:
                streaks[path] = watch.absent_streak.get(path, 0) + 1
        elif not present:
            missing.add(path)
        elif path in missing:
            came_back.add(path)
    return Watch(
        runs=watch.runs + 1,
        absent_streak=streaks,
        missing_once=frozenset(missing),
        came_back=frozenset(came_back),
    )
