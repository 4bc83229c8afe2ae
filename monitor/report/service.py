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


def check_timezone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {tz!r}: use an IANA name such as Europe/Berlin"
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
            tz=check_timezone(tz),
            target=target,
            environment=config.environment,
            contracts=contracts,
        )
    )
