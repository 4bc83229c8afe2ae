"""One entry point for the CLI and the API: window + store + config -> ``Report``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.config.schema import Config
from monitor.errors import UsageError
from monitor.report.build import ReportInput, build_report
from monitor.report.model import Report
from monitor.storage.base import ReportSource
from monitor.storage.params import Window

MAX_TZ_CHARS = 64  # the longest IANA name is 32 characters


def check_timezone(tz: str) -> str:
    # ZoneInfo reads a file named by the zone: a directory ("Europe") or an overlong name
    # raises OSError, which used to escape as a 500 or a traceback.
    try:
        if len(tz) > MAX_TZ_CHARS:
            raise ValueError(tz)
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UsageError(
            f"unknown time zone {tz[:MAX_TZ_CHARS]!r}: use an IANA name such as Europe/Berlin"
        ) from None
    return tz


def make_report(
    store: ReportSource,
    config: Config,
    since: datetime,
    until: datetime,
    *,
    target: str | None = None,
    tz: str = "UTC",
) -> Report:
    tz = check_timezone(tz)  # before any query: a bad zone is the caller's error
    if until <= since:
        raise UsageError("the report's --until must be after --since")
    if target is not None and target not in config.targets:
        known = ", ".join(sorted(config.targets)) or "none"
        raise UsageError(f"unknown target {target!r} (targets: {known})")
    facts = store.report_facts(Window(since, until, target))
    contracts = {name: t.contract for name, t in config.targets.items()}
    return build_report(
        ReportInput(
            facts=facts,
            since=since,
            until=until,
            tz=tz,
            target=target,
            environment=config.environment,
            contracts=contracts,
        )
    )
