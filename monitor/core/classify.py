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

from monitor.core.classify_match import (
    ClassifyContext,
    Match,
    always,
    by_evidence,
    contract_only,
    drift_if_accepted,
    in_usage,
    names_sent_param,
    negative_accepted,
    related,
    status,
    status_in,
)
from monitor.core.model import Category, Finding, Source, Verdict


@dataclass(frozen=True)
class Rule:
    name: str
    matches: Match
    category: Category
    verdict: Callable[[Finding, ClassifyContext], Verdict]
    verdict_text: str  # the verdict column of docs/findings.md


REQUEST_SCHEMA_KINDS = frozenset(
    {"request-required-field-missing", "request-type-mismatch", "request-schema-violation"}
)


RULES: tuple[Rule, ...] = (
    Rule(
        "an invalid key accepted -> auth (a security finding)",
        lambda f, _c: negative_accepted(f, frozenset({401, 403})),
        Category.AUTH_MISMATCH,
        always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "a malformed body accepted -> request schema",
        lambda f, _c: negative_accepted(f, frozenset({400, 422})),
        Category.REQUEST_SCHEMA_MISMATCH,
        always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "the key where it must not be, or not there -> auth",
        lambda f, _c: f.kind in ("key-in-query-string", "secret-unavailable"),
        Category.AUTH_MISMATCH,
        always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "the request is not the documented endpoint -> endpoint",
        lambda f, _c: f.kind == "endpoint-mismatch",
        Category.ENDPOINT_MISMATCH,
        always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "a token-limit field the model refuses -> request schema",
        lambda f, _c: (
            f.kind
            in ("token-field-rejected", "token-field-inconclusive", "validation-error-unnamed")
        ),
        Category.REQUEST_SCHEMA_MISMATCH,
        drift_if_accepted(Verdict.CLIENT_BUG),
        "deployment drift if accepted before, else client bug",
    ),
    Rule(
        "an error envelope inside a 200 -> parser, the vendor's to explain",
        lambda f, _c: f.kind in ("error-in-200", "sse-error-event"),
        Category.RESPONSE_PARSER_MISMATCH,
        always(Verdict.VENDOR_QUESTION),
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
        drift_if_accepted(Verdict.VENDOR_QUESTION),
        "deployment drift if accepted before, else vendor question",
    ),
    Rule(
        "usage chunk missing -> billing assumption",
        lambda f, _c: f.kind == "sse-usage-chunk-missing",
        Category.USAGE_BILLING_ASSUMPTION,
        drift_if_accepted(Verdict.VENDOR_QUESTION),
        "deployment drift if accepted before, else vendor question",
    ),
    Rule(
        "401/403 after the key changed since the last pass -> auth, our side",
        lambda f, c: c.key_changed and status_in(401, 403)(f, c),
        Category.AUTH_MISMATCH,
        always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "401/403 -> auth (the key expired, revoked or another environment's)",
        status_in(401, 403),
        Category.AUTH_MISMATCH,
        always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "400/422 naming a parameter the probe sends, accepted before -> request schema",
        names_sent_param,
        Category.REQUEST_SCHEMA_MISMATCH,
        always(Verdict.DEPLOYMENT_DRIFT),
        "deployment drift",
    ),
    Rule(
        "400/413/422 -> request schema",
        status_in(400, 413, 422),
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
                and (status(f) in (404, 405) or 300 <= (status(f) or 0) < 400)
            )
        ),
        Category.ENDPOINT_MISMATCH,
        drift_if_accepted(Verdict.CLIENT_BUG),
        "deployment drift if accepted before, else client bug",
    ),
    Rule(
        "429 -> rate limit is an account question",
        status_in(429),
        Category.TIMEOUT_RETRY_MISMATCH,
        always(Verdict.VENDOR_QUESTION),
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
        always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "unreachable or untrusted host -> endpoint",
        lambda f, _c: f.kind in ("connect-refused", "dns-failure", "tls-error"),
        Category.ENDPOINT_MISMATCH,
        drift_if_accepted(Verdict.CLIENT_BUG),
        "deployment drift if accepted before, else client bug",
    ),
    Rule(
        "a request field the contract does not document -> client bug",
        lambda f, _c: f.kind == "request-undocumented-field",
        Category.REQUEST_SCHEMA_MISMATCH,
        always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "a request the contract's schema rejects (missing, mistyped) -> client bug",
        lambda f, _c: f.kind in REQUEST_SCHEMA_KINDS,
        Category.REQUEST_SCHEMA_MISMATCH,
        always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "a method and path the contract does not document -> client bug",
        lambda f, _c: f.kind == "request-undocumented-operation",
        Category.ENDPOINT_MISMATCH,
        always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "usage fields -> billing assumption",
        lambda f, _c: in_usage(f) and f.source is not Source.TRANSPORT,
        Category.USAGE_BILLING_ASSUMPTION,
        by_evidence,
        "by evidence (see below)",
    ),
    Rule(
        "unreadable body -> parser",
        lambda f, _c: f.source is Source.PARSER or f.kind == "media-type-changed",
        Category.RESPONSE_PARSER_MISMATCH,
        drift_if_accepted(Verdict.VENDOR_QUESTION),
        "deployment drift if accepted before, else vendor question",
    ),
    Rule(
        "differs from the baseline and the contract -> deployment drift",
        lambda f, c: f.source is Source.BASELINE and related(f.path, c.contract_paths),
        Category.RESPONSE_PARSER_MISMATCH,
        always(Verdict.DEPLOYMENT_DRIFT),
        "deployment drift",
    ),
    Rule(
        "differs from the baseline, matches the contract -> deployment drift",
        lambda f, c: f.source is Source.BASELINE and c.contract_configured,
        Category.RESPONSE_PARSER_MISMATCH,
        always(Verdict.DEPLOYMENT_DRIFT),
        "deployment drift",
    ),
    Rule(
        "differs from the baseline (no contract) -> deployment drift",
        lambda f, _c: f.source is Source.BASELINE,
        Category.RESPONSE_PARSER_MISMATCH,
        always(Verdict.DEPLOYMENT_DRIFT),
        "deployment drift",
    ),
    Rule(
        "matches the baseline, violates the contract -> documentation drift",
        contract_only,
        Category.RESPONSE_PARSER_MISMATCH,
        always(Verdict.DOCUMENTATION_DRIFT),
        "documentation drift",
    ),
    Rule(
        "violates the contract, differs from the baseline -> deployment drift",
        lambda f, _c: f.source is Source.CONTRACT,
        Category.RESPONSE_PARSER_MISMATCH,
        always(Verdict.DEPLOYMENT_DRIFT),
        "deployment drift",
    ),
    Rule(
        "a broken assumption -> parser",
        lambda f, _c: f.kind.startswith("assumed-"),
        Category.RESPONSE_PARSER_MISMATCH,
        by_evidence,
        "by evidence (see below)",
    ),
    Rule(
        "nothing matches -> vendor question",
        lambda _f, _c: True,
        Category.UNKNOWN_EXTERNAL_BEHAVIOR,
        always(Verdict.VENDOR_QUESTION),
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


__all__ = ["RULES", "ClassifyContext", "Rule", "classify", "rule_for"]
