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

from collections.abc import Callable
from dataclasses import dataclass, replace

from monitor.core.by_evidence import by_evidence as _by_evidence
from monitor.core.by_evidence import contract_only as _contract_only
from monitor.core.by_evidence import related as _related
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


def _in_usage(f: Finding) -> bool:
    return f.path == "usage" or f.path.startswith(("usage.", "usage["))


def _names_sent_param(f: Finding, ctx: ClassifyContext) -> bool:
    return (
        f.kind == "status-changed"
        and _status(f) in (400, 422)
        and ctx.error_param is not None
        and ctx.error_param in ctx.request_fields
        and ctx.accepted_before
    )


_REQUEST_SCHEMA_KINDS = {
    "request-required-field-missing",
    "request-type-mismatch",
    "request-schema-violation",
}


def _negative_accepted(f: Finding, expected: frozenset[int]) -> bool:
    """A probe that expects a refusal (a bad key, a malformed body) got a 2xx."""
    before = f.before if isinstance(f.before, list) else []
    return (
        f.kind == "status-changed"
        and bool(before)
        and set(before) <= expected
        and 200 <= (_status(f) or 0) < 300
    )


RULES: tuple[Rule, ...] = (
    Rule(
        "an invalid key accepted -> auth (a security finding)",
        lambda f, _c: _negative_accepted(f, frozenset({401, 403})),
        Category.AUTH_MISMATCH,
        _always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "a malformed body accepted -> request schema",
        lambda f, _c: _negative_accepted(f, frozenset({400, 422})),
        Category.REQUEST_SCHEMA_MISMATCH,
        _always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "the key where it must not be, or not there -> auth",
        lambda f, _c: f.kind in ("key-in-query-string", "secret-unavailable", "secret-invalid"),
        Category.AUTH_MISMATCH,
        _always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "the request is not the documented endpoint -> endpoint",
        lambda f, _c: f.kind == "endpoint-mismatch",
        Category.ENDPOINT_MISMATCH,
        _always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "a token-limit field the model refuses -> request schema",
        lambda f, _c: (
            f.kind
            in ("token-field-rejected", "token-field-inconclusive", "validation-error-unnamed")
        ),
        Category.REQUEST_SCHEMA_MISMATCH,
        _drift_if_accepted(Verdict.CLIENT_BUG),
        "deployment drift if accepted before, else client bug",
    ),
    Rule(
        "an error envelope inside a 200 -> parser, the vendor's to explain",
        lambda f, _c: f.kind in ("error-in-200", "sse-error-event"),
        Category.RESPONSE_PARSER_MISMATCH,
        _always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "streams a parser cannot follow, SDK rejections -> parser",
        lambda f, _c: (
            f.kind
            in (
                "sse-not-streamed",
                "sse-finish-reason-missing",
                "sse-terminator-missing",
                "parser-rejected",
            )
        ),
        Category.RESPONSE_PARSER_MISMATCH,
        _drift_if_accepted(Verdict.VENDOR_QUESTION),
        "deployment drift if accepted before, else vendor question",
    ),
    Rule(
        "token counts that cannot be (negative, absurd) -> billing, the vendor's to explain",
        lambda f, _c: f.kind == "usage-arithmetic-mismatch",
        Category.USAGE_BILLING_ASSUMPTION,
        _always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "usage chunk missing -> billing assumption",
        lambda f, _c: f.kind == "sse-usage-chunk-missing",
        Category.USAGE_BILLING_ASSUMPTION,
        _drift_if_accepted(Verdict.VENDOR_QUESTION),
        "deployment drift if accepted before, else vendor question",
    ),
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
            f.kind == "redirected"
            or (
                f.kind == "status-changed"
                and (_status(f) in (404, 405) or 300 <= (_status(f) or 0) < 400)
            )
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
        lambda f, _c: (
            f.kind
            in (
                "timeout",
                "latency-slo-exceeded",
                "ttft-slo-exceeded",
                "streamed-in-name-only",
                "retried",
            )
        ),
        Category.TIMEOUT_RETRY_MISMATCH,
        _always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "unreachable or untrusted host -> endpoint",
        lambda f, _c: f.kind in ("connect-refused", "dns-failure", "tls-error"),
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
        "a request the contract's schema rejects (missing, mistyped) -> client bug",
        lambda f, _c: f.kind in _REQUEST_SCHEMA_KINDS,
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
