"""Crontab expressions mean what crontab says, in probe schedules, maintenance windows and
``fires_per_day`` alike: 0 and 7 are Sunday, day-of-month OR day-of-week when both are
restricted, names and numbers mixed in a range; anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.alerts.policy import windows_from_config
from monitor.config.crontab import crontab
from monitor.config.schema import MaintenanceWindow, ProbeConfig
from monitor.runner.scheduler import fires_per_day, start_offset, trigger_for

FRIDAY = datetime(2026, 5, 8, 12, 0, tzinfo=UTC)


def _fires(expression: str, start: datetime, days: int) -> list[datetime]:
    cron = crontab(expression)
    out, fire = [], cron.first_at_or_after(start)
    while fire is not None and fire < start + timedelta(days=days):
        out.append(fire)
        fire = cron.first_at_or_after(fire + timedelta(seconds=1))
    return out


def _weekdays(expression: str, days: int = 14) -> set[str]:
    return {fire.strftime("%a") for fire in _fires(expression, FRIDAY, days)}


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
        ("0,sat", {"Sun", "Sat"}),
        ("mon-5", {"Mon", "Tue", "Wed", "Thu", "Fri"}),  # APScheduler kept only `mon`
        ("*", {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}),
    ],
)
def test_day_of_week_reads_as_crontab(field: str, days: set[str]) -> None:
    assert _weekdays(f"0 22 * * {field}") == days


def test_day_of_month_and_day_of_week_both_restricted_fire_on_either() -> None:
    # June 2026: the 1st is a Monday, then Mondays 8, 15, 22, 29; July 1st is a Wednesday
    fires = _fires("0 0 1 * 1", datetime(2026, 6, 1, tzinfo=UTC), days=31)
    assert [f.day for f in fires] == [1, 8, 15, 22, 29, 1]
    # a star in either field keeps AND (crontab's rule): only the 1st
    assert [f.day for f in _fires("0 0 1 * *", datetime(2026, 6, 1, tzinfo=UTC), 31)] == [1, 1]


def test_probe_schedule_and_fires_per_day_use_crontab_semantics() -> None:
    base = {"name": "chat", "target": "t", "model": "m", "messages": [{"role": "user"}]}
    probe = ProbeConfig.model_validate({**base, "cron": "0 0 1 * 1"})
    monday_8th = datetime(2026, 6, 8, tzinfo=UTC)
    assert fires_per_day(probe, monday_8th) == 1  # a Monday that is not the 1st still fires
    assert fires_per_day(probe, datetime(2026, 6, 9, tzinfo=UTC)) == 0
    fire = trigger_for(probe).get_next_fire_time(None, datetime(2026, 6, 2, tzinfo=UTC))
    assert fire == monday_8th + start_offset("chat", timedelta(minutes=1))


def test_maintenance_window_uses_crontab_semantics() -> None:
    config = MaintenanceWindow.model_validate(
        {"cron": "0 22 15 * sat", "duration": "2h", "reason": "upgrade"}
    )
    (window,) = windows_from_config([config])
    saturday_not_15th = datetime(2026, 6, 6, 23, 0, tzinfo=UTC)
    assert window.covers("p", "t", saturday_not_15th)
    assert window.covers("p", "t", datetime(2026, 6, 15, 22, 30, tzinfo=UTC))  # a Monday
    assert not window.covers("p", "t", datetime(2026, 6, 8, 23, 0, tzinfo=UTC))


def test_first_at_or_after_includes_the_instant_itself() -> None:
    cron = crontab("*/5 * * * *")
    at = datetime(2026, 6, 1, 10, 5, tzinfo=UTC)
    assert cron.first_at_or_after(at) == at
    assert cron.first_at_or_after(at + timedelta(microseconds=1)) == at + timedelta(minutes=5)


@pytest.mark.parametrize(
    "expression",
    [
        "0 22 * * 8",
        "0 22 * * 5-2",
        "0 22 * * x-1",
        "0 22 * * 1/0",
        "0 22 * * fri-mon",
        "60 * * * *",
        "0 0 31 2 *",  # never fires
        "0 22 * *",
        "0 0 22 * * *",  # six fields: seconds are not crontab
        "@daily",
    ],
)
def test_what_cannot_be_read_is_a_value_error(expression: str) -> None:
    with pytest.raises(ValueError, match=r"bad|wrong number of fields"):
        crontab(expression)
