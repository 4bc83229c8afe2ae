"""Cross-reference checks that a schema cannot express, each located at its own key."""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlsplit

from monitor.config.crontab import crontab
from monitor.config.dburl import normalize_database_url
from monitor.config.listen import check_api
from monitor.config.locate import format_loc
from monitor.config.schema import Config, MaintenanceWindow, ProbeConfig, slack_channel_of
from monitor.config.secrets import key_problem
from monitor.config.timeparse import parse_instant
from monitor.core.model import SELF_CATEGORY, SELF_PROBE, Category
from monitor.errors import ConfigIssue

LineOf = Callable[[Sequence[str | int]], int | None]
PLACEHOLDER = re.compile(r"REPLACE|CHANGE[_-]?ME|YOUR[_-]|<[^>]+>|^TODO$|^xxx+$", re.IGNORECASE)
GENERATION_KINDS = frozenset({"chat_completion", "chat_completion_stream"})
NEGATIVE_KINDS = frozenset({"auth_rejection", "request_validation"})
SINK_NAMES = ("console", "slack", "slack_webhook", "pagerduty", "webhook")


def check_config(
    config: Config,
    filename: str,
    line_of: LineOf,
    env: Mapping[str, str],
    secrets_required: bool,
) -> tuple[list[ConfigIssue], list[ConfigIssue]]:
    errors: list[ConfigIssue] = []
    warnings: list[ConfigIssue] = []

    def err(loc: Sequence[str | int], message: str) -> None:
        errors.append(ConfigIssue(filename, line_of(loc), format_loc(loc), message))

    def secret(loc: Sequence[str | int], message: str) -> None:
        issue = ConfigIssue(
            filename, line_of(loc), format_loc(loc), message, warning=not secrets_required
        )
        (errors if secrets_required else warnings).append(issue)

    try:
        normalize_database_url(config.storage.url)
    except ValueError as exc:
        err(["storage", "url"], str(exc))
    for name, target in config.targets.items():
        if not target.base_url.startswith(("http://", "https://")):
            err(["targets", name, "base_url"], "must start with http:// or https://")
        elif "@" in urlsplit(target.base_url).netloc:
            # httpx would send them as ``Authorization: Basic`` instead of the key
            err(
                ["targets", name, "base_url"],
                "credentials in the URL (user:password@host) are not allowed: they would be "
                "sent as HTTP Basic instead of the API key; set them in `headers` instead",
            )
        if target.api_key_env and target.api_key_file:
            err(["targets", name], "set api_key_env or api_key_file, not both")
        if target.api_key_env and not env.get(target.api_key_env):
            secret(
                ["targets", name, "api_key_env"],
                f"environment variable {target.api_key_env} is not set",
            )
        if target.api_key_file and not os.path.isfile(target.api_key_file):
            secret(["targets", name, "api_key_file"], f"file {target.api_key_file} does not exist")
        problem = key_problem(name, target, env)
        if problem is not None:  # there but unusable: an error even when secrets are optional
            err(["targets", name, "api_key_env" if target.api_key_env else "api_key_file"], problem)

    seen: dict[str, int] = {}
    for index, probe in enumerate(config.probes):
        loc: list[str | int] = ["probes", index]
        if probe.name in seen:
            err(
                [*loc, "name"],
                f"duplicate probe name {probe.name!r} (first at probes[{seen[probe.name]}])",
            )
        seen.setdefault(probe.name, index)
        if probe.target not in config.targets:
            known = ", ".join(sorted(config.targets)) or "none defined"
            err([*loc, "target"], f"unknown target {probe.target!r} (targets: {known})")
        _check_schedule(probe, loc, err)
        _check_generation(probe, loc, err)
        _check_probe_kind(probe, loc, err)
        _check_overrides(probe, loc, err)
        if probe.events.open_after > probe.events.window:
            err(
                [*loc, "events", "open_after"],
                f"{probe.events.open_after} failing runs can never fit in a window of "
                f"{probe.events.window}: the event would never open (raise events.window)",
            )

    _check_alerts(config, env, err, secret)
    _check_maintenance(config, err)
    _check_routes(config, err)

    def advise(loc: Sequence[str | int], message: str) -> None:
        warnings.append(
            ConfigIssue(filename, line_of(loc), format_loc(loc), message, advisory=True)
        )

    check_api(config.api, env, err, secret, advise)
    return errors, warnings


def _check_routes(config: Config, err: Callable[..., None]) -> None:
    """A typo in a route silently routes nothing, so every name must exist."""
    configured = {n for n in SINK_NAMES if getattr(config.alerts, n) is not None} | {"console"}
    categories = {c.value for c in Category} | {SELF_CATEGORY}
    probes = {p.name for p in config.probes} | {SELF_PROBE}
    for index, route in enumerate(config.routes):
        for s_index, sink in enumerate(route.sinks):
            channel = slack_channel_of(sink)
            if channel is not None and config.alerts.slack is None:
                err(
                    ["routes", index, "sinks", s_index],
                    f"sink {sink!r} posts with alerts.slack's bot, but alerts.slack is not "
                    "configured",
                )
            elif channel is not None and not channel.lstrip("#"):
                err(["routes", index, "sinks", s_index], "name a channel after 'slack:'")
            elif channel is None and sink not in configured:
                err(
                    ["routes", index, "sinks", s_index],
                    f"sink {sink!r} is not configured under alerts (configured: "
                    f"{', '.join(sorted(configured))}; 'slack:#channel' posts to another "
                    "channel with alerts.slack's bot)",
                )
        for c_index, category in enumerate(route.match.category or ()):
            if category not in categories:
                err(
                    ["routes", index, "match", "category", c_index],
                    f"unknown category {category!r} (categories: {', '.join(sorted(categories))})",
                )
        for p_index, probe in enumerate(route.match.probe or ()):
            if probe not in probes:
                err(
                    ["routes", index, "match", "probe", p_index],
                    f"unknown probe {probe!r} (probes: {', '.join(sorted(probes)) or 'none'})",
                )


ALERT_SECRETS = (
    ("slack", "token_env"),
    ("slack_webhook", "url_env"),
    ("pagerduty", "routing_key_env"),
    ("webhook", "secret_env"),
    ("deadman", "url_env"),
)


def _check_alerts(
    config: Config,
    env: Mapping[str, str],
    err: Callable[..., None],
    secret: Callable[..., None],
) -> None:
    alerts = config.alerts
    for sink, key in ALERT_SECRETS:
        section = getattr(alerts, sink)
        variable = getattr(section, key, None) if section is not None else None
        if variable and not env.get(variable):
            secret(["alerts", sink, key], f"environment variable {variable} is not set")
    for sink, key in (("slack", "api_url"), ("pagerduty", "api_url"), ("webhook", "url")):
        section = getattr(alerts, sink)
        url = getattr(section, key, None) if section is not None else None
        if url is not None and not url.startswith(("http://", "https://")):
            err(["alerts", sink, key], "must start with http:// or https://")
    if alerts.trace_link is not None and "{trace_id}" not in alerts.trace_link:
        err(["alerts", "trace_link"], "must contain {trace_id}, e.g. https://…/trace/{trace_id}")


def _check_maintenance(config: Config, err: Callable[..., None]) -> None:
    probes = {p.name for p in config.probes}
    for index, window in enumerate(config.maintenance):
        loc: list[str | int] = ["maintenance", index]
        _check_window_time(window, loc, err)
        for p_index, name in enumerate(window.probes or []):
            if name not in probes:
                known = ", ".join(sorted(probes)) or "none"
                err([*loc, "probes", p_index], f"unknown probe {name!r} (probes: {known})")
        for t_index, name in enumerate(window.targets or []):
            if name not in config.targets:
                err([*loc, "targets", t_index], f"unknown target {name!r}")


def _check_window_time(
    window: MaintenanceWindow, loc: list[str | int], err: Callable[..., None]
) -> None:
    """One-off (``start``/``end``) or recurring (``cron``/``duration``), never a mix."""
    one_off = window.start is not None or window.end is not None
    if window.cron is not None or window.duration is not None:
        if one_off:
            err(loc, "set start and end (one window) or cron and duration (recurring), not both")
        elif window.cron is None:
            err([*loc, "duration"], "a recurring window needs cron too, e.g. '0 22 * * SUN'")
        elif window.duration is None:
            err([*loc, "cron"], "a recurring window needs duration too, e.g. 90m")
        elif (problem := cron_problem(window.cron)) is not None:
            err([*loc, "cron"], f"invalid cron expression {window.cron!r}: {problem}")
        return
    times = {}
    for key in ("start", "end"):
        value = getattr(window, key)
        if value is None:
            err([*loc, key] if one_off else loc, f"{key} is required (or cron and duration)")
            continue
        try:
            times[key] = parse_instant(value)
        except ValueError as exc:
            err([*loc, key], str(exc))
    if len(times) == 2 and times["end"] <= times["start"]:
        err([*loc, "end"], "must be after start")


def cron_problem(expression: str) -> str | None:
    """Why a crontab expression is invalid (None when it is valid), evaluated in UTC."""
    try:
        crontab(expression)
    except ValueError as exc:
        return str(exc)
    return None


def _check_schedule(probe: ProbeConfig, loc: list[str | int], err: Callable[..., None]) -> None:
    if probe.every is not None and probe.cron is not None:
        err([*loc, "cron"], "set either every or cron, not both")
    if probe.every is None and probe.cron is None and probe.kind not in NEGATIVE_KINDS:
        err([*loc], "a schedule is required: set every (e.g. 60s) or cron")
    if probe.cron is not None and (problem := cron_problem(probe.cron)) is not None:
        err([*loc, "cron"], f"invalid cron expression {probe.cron!r}: {problem}")


def _check_generation(probe: ProbeConfig, loc: list[str | int], err: Callable[..., None]) -> None:
    if probe.kind not in GENERATION_KINDS | {"token_field"}:
        return
    if not probe.model:
        err([*loc, "model"], f"required for kind {probe.kind}")
    elif PLACEHOLDER.search(probe.model):
        err(
            [*loc, "model"],
            f"{probe.model!r} is a placeholder: set a model approved for your account",
        )
    if probe.kind in GENERATION_KINDS:
        if not probe.messages:
            err([*loc, "messages"], "at least one synthetic message is required")
        if "max_tokens" not in probe.params and "max_completion_tokens" not in probe.params:
            err(
                [*loc, "params"],
                "max_tokens (or max_completion_tokens) is required on generation probes, "
                "large enough for reasoning models",
            )
    for key in ("max_tokens", "max_completion_tokens"):
        value = probe.params.get(key)
        # null means "no limit" to OpenAI: the token budget could not bound the probe.
        if key in probe.params and (type(value) is not int or value < 1):
            err([*loc, "params", key], f"must be a whole number of tokens ≥ 1, not {value!r}")


def sdk_available() -> bool:
    """Whether the optional openai SDK (``production_parser: openai``) is installed. Asked
    without importing it: the SDK takes a moment to import and only a run needs it."""
    return importlib.util.find_spec("openai") is not None


def _check_probe_kind(probe: ProbeConfig, loc: list[str | int], err: Callable[..., None]) -> None:
    if probe.kind == "http" and not probe.path:
        err([*loc, "path"], "required for kind http (e.g. /v1/embeddings)")
    if probe.production_parser == "openai" and not sdk_available():
        err(
            [*loc, "production_parser"],
            "the openai package is not installed: pip install 'contract-monitor[openai]'",
        )


def _check_overrides(probe: ProbeConfig, loc: list[str | int], err: Callable[..., None]) -> None:
    from monitor.core.overrides import parse_until
    from monitor.core.taxonomy import KINDS

    for index, rule in enumerate(probe.overrides.ignore):
        where: list[str | int] = [*loc, "overrides", "ignore", index]
        if rule.kind is None and rule.path is None:
            err(where, "an ignore rule needs a kind or a path (or both)")
        if rule.kind is not None and rule.kind not in KINDS:
            close = difflib.get_close_matches(rule.kind, KINDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else " (see docs/findings.md)"
            err([*where, "kind"], f"unknown finding kind {rule.kind!r}{hint}")
        if rule.until is not None:
            try:
                parse_until(rule.until)
            except ValueError:
                err([*where, "until"], f"invalid date {rule.until!r}: use 2026-06-01 or ISO 8601")
