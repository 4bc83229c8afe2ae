"""Crontab expressions with crontab's meaning, read by ``cronsim``.

Crontab's rules, which APScheduler 3's ``CronTrigger`` does not follow and which we therefore
no longer hand to it: day-of-week ``0`` and ``7`` are Sunday; when day-of-month and day-of-week
are both restricted (neither starts with ``*``) a day matches when EITHER does (``0 0 1 * 1`` is
the 1st of every month and every Monday); numbers and names mix in one range (``mon-5``).
``cronsim`` (the parser of healthchecks.io) implements exactly that; this module adds only what
we require on top: five fields, nothing else, and a ``ValueError`` for anything it cannot read.
Every user of a crontab (probe schedules, maintenance windows, ``fires_per_day``) goes through
``Crontab`` so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cronsim import CronSim, CronSimError

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Crontab:
    """A valid five-field crontab expression, evaluated in UTC."""

    expression: str

    def __post_init__(self) -> None:
        fields = self.expression.split()
        if len(fields) != 5:
            raise ValueError(f"wrong number of fields; got {len(fields)}, expected 5")
        try:
            CronSim(self.expression, datetime(2024, 1, 1, tzinfo=UTC))
        except CronSimError as exc:  # e.g. "Bad day-of-week": say which text it was
            raise ValueError(f"{str(exc).lower()} in {self.expression!r}") from None

    def first_at_or_after(self, at: datetime) -> datetime | None:
        """The first fire time ``>= at`` (None when there is none within 50 years)."""
        # cronsim yields times strictly after its start, truncated to the second; starting one
        # microsecond earlier makes ``at`` itself a candidate.
        start = at.astimezone(UTC) - _TICK
        try:
            return next(CronSim(self.expression, start))
        except StopIteration:
            return None


def crontab(expression: str) -> Crontab:
    """The expression read as crontab reads it; ValueError when it is invalid."""
    return Crontab(expression)
