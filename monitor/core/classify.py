"""Classification: every finding gets the seed's category and verdict.

The rules form one ordered table (first match wins) so that the table in ``docs`` and the code
cannot disagree. ``ClassifyContext`` carries what the rules need beyond the finding itself:
whether this request was accepted before (an active baseline) and what the contract said.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from monitor.core.model import Category, Finding, Source, Verdict


@dataclass(frozen=True)
class ClassifyContext:
    accepted_before: bool = False  # an active baseline exists: this request used to work
    status_code: int | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    matches: Callable[[Finding, ClassifyContext], bool]
    category: Category
    verdict: Callable[[Finding, ClassifyContext], Verdict]


def _status(f: Finding) -> int | None:
    return f.after if isinstance(f.after, int) else None


def _drift_if_accepted(otherwise: Verdict) -> Callable[[Finding, ClassifyContext], Verdict]:
    def verdict(_f: Finding, ctx: ClassifyContext) -> Verdict:
        return Verdict.DEPLOYMENT_DRIFT if ctx.accepted_before else otherwise

    return verdict


def _always(verdict: Verdict) -> Callable[[Finding, ClassifyContext], Verdict]:
    return lambda _f, _ctx: verdict


def _in_usage(f: Finding) -> bool:
    return f.path == "usage" or f.path.startswith("usage.")


RULES: tuple[Rule, ...] = (
    Rule(
        "401/403 -> auth",
        lambda f, _c: f.kind == "status-changed" and _status(f) in (401, 403),
        Category.AUTH_MISMATCH,
        _always(Verdict.CLIENT_BUG),
    ),
    Rule(
        "400/422 -> request schema",
        lambda f, _c: f.kind == "status-changed" and _status(f) in (400, 413, 422),
        Category.REQUEST_SCHEMA_MISMATCH,
        _drift_if_accepted(Verdict.CLIENT_BUG),
    ),
    Rule(
        "3xx/404/405 -> endpoint",
        lambda f, _c: (
            f.kind in ("status-changed", "redirected")
            and (_status(f) in (404, 405) or 300 <= (_status(f) or 0) < 400)
        ),
        Category.ENDPOINT_MISMATCH,
        _drift_if_accepted(Verdict.CLIENT_BUG),
    ),
    Rule(
        "429 -> rate limit is an account question",
        lambda f, _c: f.kind == "status-changed" and _status(f) == 429,
        Category.TIMEOUT_RETRY_MISMATCH,
        _always(Verdict.VENDOR_QUESTION),
    ),
    Rule(
        "timeouts",
        lambda f, _c: f.kind in ("timeout", "latency-slo-exceeded", "ttft-slo-exceeded"),
        Category.TIMEOUT_RETRY_MISMATCH,
        _always(Verdict.VENDOR_QUESTION),
    ),
    Rule(
        "unreachable host -> endpoint",
        lambda f, _c: f.kind in ("connect-refused", "dns-failure"),
        Category.ENDPOINT_MISMATCH,
        _drift_if_accepted(Verdict.CLIENT_BUG),
    ),
    Rule(
        "usage fields -> billing assumption",
        lambda f, _c: _in_usage(f) and f.source in (Source.BASELINE, Source.CONTRACT),
        Category.USAGE_BILLING_ASSUMPTION,
        _always(Verdict.DEPLOYMENT_DRIFT),
    ),
    Rule(
        "unreadable body -> parser",
        lambda f, _c: f.source is Source.PARSER or f.kind == "media-type-changed",
        Category.RESPONSE_PARSER_MISMATCH,
        _drift_if_accepted(Verdict.VENDOR_QUESTION),
    ),
    Rule(
        "differs from the baseline -> deployment drift",
        lambda f, _c: f.source is Source.BASELINE,
        Category.RESPONSE_PARSER_MISMATCH,
        _always(Verdict.DEPLOYMENT_DRIFT),
    ),
    Rule(
        "nothing matches -> vendor question",
        lambda _f, _c: True,
        Category.UNKNOWN_EXTERNAL_BEHAVIOR,
        _always(Verdict.VENDOR_QUESTION),
    ),
)


def classify(finding: Finding, ctx: ClassifyContext) -> Finding:
    for rule in RULES:
        if rule.matches(finding, ctx):
            return replace(finding, category=rule.category, verdict=rule.verdict(finding, ctx))
    raise AssertionError("the last rule matches everything")  # pragma: no cover
