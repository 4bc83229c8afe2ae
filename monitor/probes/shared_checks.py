"""Checks every probe kind shares, on an answer the judge could read.

- ``retried``: the answer came after retries (info: the run still passes, but the retry
  policy's work is visible, with what each failed attempt got);
- ``latency-slo-exceeded``: slower than the probe's own ``slo.latency`` (a warning, so slow
  is told apart from down, against the team's SLO rather than a universal threshold);
- ``body-not-an-object``: ``[]`` or ``"hi"`` where an answer object belongs — a ``parser``
  finding, so the run fails instead of listing every member as removed;
- ``error-in-200``: a 2xx whose JSON is an error envelope, as aggregators send — no valid
  answer, so a ``parser`` finding and a failed run, and the body is never learned;
- ``endpoint-mismatch``: the request is not the documented method and path (a stale,
  legacy or doubled route);
- ``usage-arithmetic-mismatch``: a token count in ``usage`` that cannot be (negative, or more
  than ``ABSURD_TOKENS``); such a count is never stored in the run row, so budgets never
  count it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from monitor.config.schema import ProbeConfig
from monitor.config.timeparse import format_duration
from monitor.core.model import Finding, Severity, Source
from monitor.core.observation import Observation
from monitor.core.stream.chunks import mask_keys
from monitor.core.taxonomy import USAGE_ARITHMETIC_MISMATCH


def shared_findings(probe: ProbeConfig, observation: Observation, document: Any) -> list[Finding]:
    checks = (not_an_object(probe, document), error_in_200(observation, document))
    out = [f for f in (*checks, retried(observation)) if f]
    out.extend(impossible_usage(document))
    slo = latency_slo(probe, observation)
    if slo is not None:
        out.append(slo)
    return out


ABSURD_TOKENS = 2**31 - 1  # the run row's integer column; no answer is two billion tokens


def impossible_usage(document: Any) -> list[Finding]:
    """Counts in ``usage`` (and its ``*_details`` objects) no answer can have."""
    usage = document.get("usage") if isinstance(document, dict) else None
    if not isinstance(usage, dict):
        return []
    counts = [(f"usage.{k}", v) for k, v in usage.items() if not isinstance(v, dict)]
    counts += [
        (f"usage.{k}.{k2}", v2)
        for k, v in usage.items()
        if isinstance(v, dict)
        for k2, v2 in v.items()
    ]
    return [
        Finding(
            kind=USAGE_ARITHMETIC_MISMATCH,
            path=path,
            severity=Severity.WARNING,
            source=Source.EXPECTATION,
            message=f"`{path}` is {value:g}: a token count cannot be "
            + ("negative" if value < 0 else f"over {ABSURD_TOKENS}")
            + "; not counted against budgets",
            after=value,
        )
        for path, value in counts
        if isinstance(value, int | float)
        and not isinstance(value, bool)
        and path.endswith("_tokens")
        and (value < 0 or value > ABSURD_TOKENS)
    ]


def retried(observation: Observation) -> Finding | None:
    attempts = observation.attempts
    if len(attempts) < 2 or observation.failure is not None:
        return None
    before = [
        f"attempt {a.number}: "
        + (f"HTTP {a.status_code}" if a.status_code is not None else a.outcome)
        + (f" (Retry-After {a.retry_after_s:g}s)" if a.retry_after_s is not None else "")
        for a in attempts[:-1]
    ]
    return Finding(
        kind="retried",
        path="",
        severity=Severity.INFO,
        source=Source.EXPECTATION,
        message=f"answered on attempt {len(attempts)} after retrying: {'; '.join(before)}",
        before=[a.outcome if a.status_code is None else a.status_code for a in attempts[:-1]],
        after=len(attempts),
    )


def latency_slo(probe: ProbeConfig, observation: Observation) -> Finding | None:
    if probe.slo.latency is None:
        return None
    limit_ms = probe.slo.latency.total_seconds() * 1000
    if observation.latency_ms <= limit_ms:
        return None
    return Finding(
        kind="latency-slo-exceeded",
        path="",
        severity=Severity.WARNING,
        source=Source.EXPECTATION,
        message=f"answered in {observation.latency_ms:.0f} ms; the probe's latency SLO is "
        f"{format_duration(probe.slo.latency)}",
        before=round(limit_ms),
        after=round(observation.latency_ms),
    )


def not_an_object(probe: ProbeConfig, document: Any) -> Finding | None:
    """Every OpenAI-compatible answer and error envelope is a JSON object; an ``http`` probe
    may talk to anything, so it is left to its baseline."""
    if probe.kind == "http" or isinstance(document, dict):
        return None
    found = type(document).__name__ if document is not None else "null"
    names = {"list": "an array", "str": "a string", "int": "a number", "float": "a number"}
    return Finding(
        kind="body-not-an-object",
        path="",
        severity=Severity.BREAKING,
        source=Source.PARSER,
        message=f"the answer is {names.get(found, found)}, not a JSON object",
        before="object",
        after=names.get(found, found),
    )


def error_in_200(observation: Observation, document: Any) -> Finding | None:
    status = observation.status_code or 0
    if not 200 <= status < 300 or not isinstance(document, dict):
        return None
    error = document.get("error")
    if error in (None, "", {}, []) or document.get("choices") or document.get("data"):
        return None
    text = error.get("message") if isinstance(error, dict) else error
    kind = error.get("type") or error.get("code") if isinstance(error, dict) else None
    detail = f"{kind}: " if kind else ""
    return Finding(
        kind="error-in-200",
        path="error",
        severity=Severity.BREAKING,
        source=Source.PARSER,
        message=f"HTTP {status} whose body is an error envelope, not an answer: "
        f"{detail}{mask_keys(str(text))[:300]}",
        after=status,
    )


def endpoint_mismatch(observation: Observation, method: str, documented: str) -> Finding | None:
    path = urlsplit(observation.url).path
    problems = []
    if observation.method.upper() != method:
        problems.append(f"method {observation.method.upper()} (documented: {method})")
    if not path.endswith(documented) or "//" in path or f"/v1{documented}" in path:
        problems.append(f"path {path} (documented: {documented})")
    if not problems:
        return None
    return Finding(
        kind="endpoint-mismatch",
        path="request",
        severity=Severity.WARNING,
        source=Source.EXPECTATION,
        message=f"the probe sends {' and '.join(problems)}: a legacy, stale or doubled route",
        before=f"{method} {documented}",
        after=f"{observation.method.upper()} {path}",
    )
