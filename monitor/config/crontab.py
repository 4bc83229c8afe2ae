"""Crontab expressions with crontab's meaning, read by APScheduler.

APScheduler 3 numbers weekdays from Monday (``0`` = Monday, ``7`` refused), so a plain
``CronTrigger.from_crontab("0 22 * * 0")`` fires on Mondays where every crontab user means
Sunday. The day-of-week field is therefore rewritten to names first: numbers 0-7 as crontab
reads them (0 and 7 are Sunday), with ranges, lists and steps expanded; names pass through.
Written here because no library does this translation for APScheduler 3.
"""

from __future__ import annotations

from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def crontab_trigger(expression: str, timezone: tzinfo | str = "UTC") -> CronTrigger:
    """A trigger for a five-field crontab expression; ValueError when it is invalid."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields; got {len(fields)}, expected 5")
    fields[4] = crontab_weekdays(fields[4])
    return CronTrigger.from_crontab(" ".join(fields), timezone=timezone)


def crontab_weekdays(field: str) -> str:
    """The day-of-week field with crontab's numbers turned into APScheduler's names."""
    if field in ("*", "?"):
        return field
    days: list[int] = []
    named: list[str] = []  # items written with names (``sun``, ``mon-fri``) mean the same to both
    for item in field.split(","):
        if any(ch.isalpha() for ch in item):
            named.append(item)
            continue
        base, _, step_text = item.partition("/")
        step = _number(step_text, 1, 7) if step_text else 1
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            low, _, high = base.partition("-")
            first, last = _number(low, 0, 7), _number(high, 0, 7)
            if first > last:
                raise ValueError(f"invalid day-of-week range {base!r}")
        else:
            first = _number(base, 0, 7)
            last = 6 if step_text else first
        days += [day % 7 for day in range(first, last + 1, step)]
    return ",".join([*(DAY_NAMES[day] for day in sorted(set(days))), *named])


def _number(text: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"day of week {text!r} is not a number from {low} to {high}")
    return int(text)
