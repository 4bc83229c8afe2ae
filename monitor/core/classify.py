"""Classification: every finding gets the seed's category and verdict.

The rules form one ordered table (first match wins); ``docs/findings.md`` prints the same table
and a test keeps the two in agreement. ``ClassifyContext`` carries what the rules need beyond
the finding itself: whether this request was accepted before (an active baseline), whether a
contract is configured, which paths differ from the baseline and from the contract in this
run, which fields the probe sends and which parameter an error names.

The evidence rules, from the issue: differs from the baseline but matches the contract ->
deployment drift; matches the baseline but violates the contract -> documentation drift;
differs from both -> deployment drift; nothing matches -> vendor question.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

from monitor.core.model import Category, Finding, Source, Verdict


@dataclass(frozen=True)
class ClassifyContext:
    accepted_before: bool = False  # an active baseline exists: this request used to work
    status_code: int | None = None
    contract_configured: bool = False
    baseline_paths: frozenset[str] = frozenset()  # paths of baseline findings in this run
    contract_paths: frozenset[str] = frozenset()  # paths of response contract findings
    request_fields: frozenset[str] = frozenset()  # top-level fields the probe sends
    error_param: str | None = None  # the parameter an error response names


Match = Callable[[Finding, ClassifyContext], bool]


@dataclass(frozen=True)
class Rule:
    name: str
    matches: Match
    category: Category
    verdict: Callable[[Finding, ClassifyContext], Verdict]
    verdict_text: str  # the verdict column of docs/findings.md


def _status(f: Finding) -> int | None:
    return f.after if isinstance(f.after, int) and not isinstance(f.after, bool) else None


def _status_in(*codes: int) -> Match:
    return lambda f, _c: f.kind == "status-changed" and _status(f) in codes


def _drift_if_accepted(otherwise: Verdict) -> Callable[[Finding, ClassifyContext], Verdict]:
    def verdict(_f: Finding, ctx: ClassifyContext) -> Verdict:
        return Verdict.DEPLOYMENT_DRIFT if ctx.accepted_before else otherwise

    return verdict


def _always(verdict: Verdict) -> Callable[[Finding, ClassifyContext], Verdict]:
    return lambda _f, _ctx: verdict


def _related(path: str, paths: Collection[str]) -> bool:
    for other in paths:
        if path == other:
            return True
        short, long = (path, other) if len(path) < len(other) else (other, path)
        if short and long.startswith(short) and long[len(short)] in ".[":
            return True
    return False


def _in_usage(f: Finding) -> bool:
    return f.path == "usage" or f.path.startswith(("usage.", "usage["))


def _by_evidence(f: Finding, ctx: ClassifyContext) -> Verdict:
    """Baseline vs contract: who moved, the deployment or the documentation?"""
    if f.source is Source.BASELINE:
        return Verdict.DEPLOYMENT_DRIFT
    if f.source is Source.CONTRACT:
        if _related(f.path, ctx.baseline_paths):
            return Verdict.DEPLOYMENT_DRIFT
        return Verdict.DOCUMENTATION_DRIFT
    if _related(f.path, ctx.contract_paths):
        return Verdict.DOCUMENTATION_DRIFT
    if _related(f.path, ctx.baseline_paths):
        return Verdict.DEPLOYMENT_DRIFT
    return Verdict.CLIENT_BUG


def _names_sent_param(f: Finding, ctx: ClassifyContext) -> bool:
    return (
        f.kind == "status-changed"
        and _status(f) in (400, 422)
        and ctx.error_param is not None
        and ctx.error_param in ctx.request_fields
        and ctx.accepted_before
    )


def _contract_only(f: Finding, ctx: ClassifyContext) -> bool:
    return f.source is Source.CONTRACT and not _related(f.path, ctx.baseline_paths)


RULES: tuple[Rule, ...] = (
    Rule(
        "401/403 -> auth",
        _status_in(401, 403),
        Category.AUTH_MISMATCH,
        _always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "400/422 naming a parameter the probe sends, accepted before -> request schema",
        _names_sent_param,
        Category.REQUEST_SCHEMA_MISMATCH,
        _always(Verdict.DEPLOYMENT_DRIFT),
        "deployment drift",
    ),
    Rule(
        "400/413/422 -> request schema",
        _status_in(400, 413, 422),
        Category.REQUEST_SCHEMA_MISMATCH,
        lambda _f, c: Verdict.VENDOR_QUESTION if c.accepted_before else Verdict.CLIENT_BUG,
        "vendor question if accepted before, else client bug",
    ),
    Rule(
        "3xx/404/405 -> endpoint",
        lambda f, _c: (
            f.kind in ("status-changed", "redirected")
            and (_status(f) in (404, 405) or 300 <= (_status(f) or 0) < 400)
        ),
        Category.ENDPOINT_MISMATCH,
        _drift_if_accepted(Verdict.CLIENT_BUG),
        "deployment drift if accepted before, else client bug",
    ),
    Rule(
        "429 -> rate limit is an account question",
        _status_in(429),
        Category.TIMEOUT_RETRY_MISMATCH,
        _always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "timeouts",
        lambda f, _c: f.kind in ("timeout", "latency-slo-exceeded", "ttft-slo-exceeded"),
        Category.TIMEOUT_RETRY_MISMATCH,
        _always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "unreachable host -> endpoint",
        lambda f, _c: f.kind in ("connect-refused", "dns-failure"),
        Category.ENDPOINT_MISMATCH,
        _drift_if_accepted(Verdict.CLIENT_BUG),
        "deployment drift if accepted before, else client bug",
    ),
    Rule(
        "a request field the contract does not document -> client bug",
        lambda f, _c: f.kind == "request-undocumented-field",
        Category.REQUEST_SCHEMA_MISMATCH,
        _always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "a method and path the contract does not document -> client bug",
        lambda f, _c: f.kind == "request-undocumented-operation",
        Category.ENDPOINT_MISMATCH,
        _always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "usage fields -> billing assumption",
        lambda f, _c: _in_usage(f) and f.source is not Source.TRANSPORT,
        Category.USAGE_BILLING_ASSUMPTION,
        _by_evidence,
        "by evidence (see below)",
    ),
    Rule(
        "unreadable body -> parser",
        lambda f, _c: f.source is Source.PARSER or f.kind == "media-type-changed",
        Category.RESPONSE_PARSER_MISMATCH,
        _drift_if_accepted(Verdict.VENDOR_QUESTION),
        "deployment drift if accepted before, else vendor question",
    ),
    Rule(
        "differs from the baseline and the contract -> deployment drift",
        lambda f, c: f.source is Source.BASELINE and _related(f.path, c.contract_paths),
        Category.RESPONSE_PARSER_MISMATCH,
        _always(Verdict.DEPLOYMENT_DRIFT),
        "deployment drift",
    ),
    Rule(
        "differs from the baseline, matches the contract -> deployment drift",
        lambda f, c: f.source is Source.BASELINE and c.contract_configured,
        Category.RESPONSE_PARSER_MISMATCH,
        _always(Verdict.DEPLOYMENT_DRIFT),
        "deployment drift",
    ),
    Rule(
        "differs from the baseline (no contract) -> deployment drift",
        lambda f, _c: f.source is Source.BASELINE,
        Category.RESPONSE_PARSER_MISMATCH,
        _always(Verdict.DEPLOYMENT_DRIFT),
        "deployment drift",
    ),
    Rule(
        "matches the baseline, violates the contract -> documentation drift",
        _contract_only,
        Category.RESPONSE_PARSER_MISMATCH,
        _always(Verdict.DOCUMENTATION_DRIFT),
        "documentation drift",
    ),
    Rule(
        "violates the contract, differs from the baseline -> deployment drift",
        lambda f, _c: f.source is Source.CONTRACT,
        Category.RESPONSE_PARSER_MISMATCH,
        _always(Verdict.DEPLOYMENT_DRIFT),
        "deployment drift",
    ),
    Rule(
        "a broken assumption -> parser",
        lambda f, _c: f.kind.startswith("assumed-"),
        Category.RESPONSE_PARSER_MISMATCH,
        _by_evidence,
        "by evidence (see below)",
    ),
    Rule(
        "nothing matches -> vendor question",
        lambda _f, _c: True,
        Category.UNKNOWN_EXTERNAL_BEHAVIOR,
        _always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
)


def rule_for(finding: Finding, ctx: ClassifyContext) -> Rule:
    for rule in RULES:
        if rule.matches(finding, ctx):
            return rule
    raise AssertionError("the last rule matches everything")  # pragma: no cover


def classify(finding: Finding, ctx: ClassifyContext) -> Finding:
    rule = rule_for(finding, ctx)
    return replace(finding, category=rule.category, verdict=rule.verdict(finding, ctx))
