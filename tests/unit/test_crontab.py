"""Crontab day-of-week numbers mean what crontab says (0 and 7 are Sunday), not APScheduler 3's
Monday-based numbering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.config.crontab import crontab_trigger, crontab_weekdays

FRIDAY = datetime(2026, 5, 8, 12, 0, tzinfo=UTC)


def _weekdays(expression: str, days: int = 14) -> set[str]:
    trigger = crontab_trigger(expression)
    out, fire = set(), trigger.get_next_fire_time(None, FRIDAY)
    while fire is not None and fire < FRIDAY + timedelta(days=days):
        out.add(fire.strftime("%a"))
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return out


@pytest.mark.parametrize(
    ("field", "days"),
    [
        ("0", {"Sun"}),
        ("7", {"Sun"}),
        ("1-5", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
        ("0,6", {"Sat", "Sun"}),
        ("5-7", {"Fri", "Sat", "Sun"}),
        ("*/2", {"Sun", "Tue", "Thu", "Sat"}),
        ("1-5/2", {"Mon", "Wed", "Fri"}),
        ("SUN", {"Sun"}),
        ("mon-fri", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
        ("0,sat", {"Sun", "Sat"}),  # numbers and names mixed: each item read as crontab does
        ("*", {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}),
    ],
)
def test_day_of_week_reads_as_crontab(field: str, days: set[str]) -> None:
    assert _weekdays(f"0 22 * * {field}") == days


def test_an_invalid_day_of_week_is_a_value_error() -> None:
    for field in ("8", "5-2", "x-1", "1/0"):
        with pytest.raises(ValueError, match=r"day|invalid|range"):
            crontab_trigger(f"0 22 * * {field}")
    with pytest.raises(ValueError, match="wrong number of fields"):
        crontab_trigger("0 22 * *")
    assert crontab_weekdays("1-3") == "mon,tue,wed"
