"""A probe's configuration translated into what the pure judge needs (``ProbeSpec``).

Kept apart from the pipeline so ``monitor verify`` and the benchmarks judge a probe exactly as
the scheduler does, without pulling in transports and storage.
"""

from __future__ import annotations

from typing import Any

from monitor.config.schema import Config, ProbeConfig
from monitor.core.assumptions import Assumptions
from monitor.core.baseline import LearnPolicy
from monitor.core.events import EventGate
from monitor.core.judge import ProbeSpec
from monitor.core.model import Severity
from monitor.core.overrides import IgnoreRule, Overrides, parse_until
from monitor.probes import kind_for, request_hash


def probe_assumptions(probe: ProbeConfig) -> Assumptions | None:
    assumes = probe.assumes
    if assumes is None:
        return None
    return Assumptions(
        paths=tuple(assumes.paths),
        enums={path: frozenset(map(str, values)) for path, values in assumes.enums.items()},
        token_field=assumes.token_field,
        headers=tuple(h.lower() for h in assumes.headers),
        status=assumes.status,
    )


def probe_overrides(probe: ProbeConfig) -> Overrides:
    return Overrides(
        severity={key: Severity(value) for key, value in probe.overrides.severity.items()},
        ignore=tuple(
            IgnoreRule(
                reason=rule.reason,
                kind=rule.kind,
                path=rule.path,
                until=parse_until(rule.until) if rule.until else None,
            )
            for rule in probe.overrides.ignore
        ),
    )


def probe_spec(probe: ProbeConfig, expected: frozenset[int]) -> ProbeSpec:
    assumes = probe.assumes
    assumed = set(assumes.paths) | set(assumes.enums) if assumes else set()
    return ProbeSpec(
        name=probe.name,
        target=probe.target,
        request_hash=request_hash(probe),
        expected_status=expected,
        learn=LearnPolicy(learn_runs=probe.baseline.learn_runs, learn_for=probe.baseline.learn_for),
        gate=EventGate(
            open_after=probe.events.open_after,
            window=probe.events.window,
            resolve_after=probe.events.resolve_after,
            remind_every=probe.events.remind_every,
        ),
        assumed_paths=frozenset(assumed),
        enum_paths=frozenset(probe.enum_paths) | frozenset(assumes.enums if assumes else ()),
        assumptions=probe_assumptions(probe),
        overrides=probe_overrides(probe),
        request_invalid_on_purpose=kind_for(probe.kind).request_invalid_on_purpose,
        required_members=kind_for(probe.kind).required_members,
    )


def alert_facts(config: Config, probe: ProbeConfig) -> dict[str, Any]:
    """What an alert of this probe says about whose problem it is and where to look (stored
    with the run, so an alert renders as the configuration was when it happened)."""
    facts: dict[str, Any] = {
        "owner": probe.owner,
        "runbook_url": probe.runbook_url,
        "environment": config.environment,
        "trace_link": config.alerts.trace_link,
    }
    if config.ui.base_url:
        facts["ui_base_url"] = config.ui.base_url.rstrip("/")
    return facts
