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

from dataclasses import replace

from monitor.core.classify_parts import (
    REQUEST_SCHEMA_KINDS,
    ClassifyContext,
    Rule,
    always,
    by_evidence,
    contract_only,
    drift_if_accepted,
    in_usage,
    names_sent_param,
    negative_accepted,
    related,
    status_in,
    status_of,
)
from monitor.core.model import Category, Finding, Source, Verdict
from monitor.core.taxonomy import (
    ASSUMED_PREFIX,
    CONNECT_REFUSED,
    DNS_FAILURE,
    ENDPOINT_MISMATCH,
    ERROR_IN_200,
    KEY_IN_QUERY_STRING,
    LATENCY_SLO_EXCEEDED,
    MEDIA_TYPE_CHANGED,
    PARSER_REJECTED,
    REDIRECTED,
    REQUEST_UNDOCUMENTED_FIELD,
    REQUEST_UNDOCUMENTED_OPERATION,
    RETRIED,
    SECRET_INVALID,
    SECRET_UNAVAILABLE,
    SSE_ERROR_EVENT,
    SSE_FINISH_REASON_MISSING,
    SSE_NOT_STREAMED,
    SSE_TERMINATOR_MISSING,
    SSE_USAGE_CHUNK_MISSING,
    STATUS_CHANGED,
    STREAMED_IN_NAME_ONLY,
    TIMEOUT,
    TLS_ERROR,
    TOKEN_FIELD_INCONCLUSIVE,
    TOKEN_FIELD_REJECTED,
    TTFT_SLO_EXCEEDED,
    USAGE_ARITHMETIC_MISMATCH,
    VALIDATION_ERROR_UNNAMED,
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
        lambda f, _c: f.kind in (KEY_IN_QUERY_STRING, SECRET_UNAVAILABLE, SECRET_INVALID),
        Category.AUTH_MISMATCH,
        always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "the request is not the documented endpoint -> endpoint",
        lambda f, _c: f.kind == ENDPOINT_MISMATCH,
        Category.ENDPOINT_MISMATCH,
        always(Verdict.CLIENT_BUG),
        "client bug",
    ),
    Rule(
        "a token-limit field the model refuses -> request schema",
        lambda f, _c: (
            f.kind in (TOKEN_FIELD_REJECTED, TOKEN_FIELD_INCONCLUSIVE, VALIDATION_ERROR_UNNAMED)
        ),
        Category.REQUEST_SCHEMA_MISMATCH,
        drift_if_accepted(Verdict.CLIENT_BUG),
        "deployment drift if accepted before, else client bug",
    ),
    Rule(
        "an error envelope inside a 200 -> parser, the vendor's to explain",
        lambda f, _c: f.kind in (ERROR_IN_200, SSE_ERROR_EVENT),
        Category.RESPONSE_PARSER_MISMATCH,
        always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "streams a parser cannot follow, SDK rejections -> parser",
        lambda f, _c: (
            f.kind
            in (
                SSE_NOT_STREAMED,
                SSE_FINISH_REASON_MISSING,
                SSE_TERMINATOR_MISSING,
                PARSER_REJECTED,
            )
        ),
        Category.RESPONSE_PARSER_MISMATCH,
        drift_if_accepted(Verdict.VENDOR_QUESTION),
        "deployment drift if accepted before, else vendor question",
    ),
    Rule(
        "token counts that cannot be (negative, absurd) -> billing, the vendor's to explain",
        lambda f, _c: f.kind == USAGE_ARITHMETIC_MISMATCH,
        Category.USAGE_BILLING_ASSUMPTION,
        always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "usage chunk missing -> billing assumption",
        lambda f, _c: f.kind == SSE_USAGE_CHUNK_MISSING,
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
            f.kind == REDIRECTED
            or (
                f.kind == STATUS_CHANGED
                and (status_of(f) in (404, 405) or 300 <= (status_of(f) or 0) < 400)
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
                TIMEOUT,
                LATENCY_SLO_EXCEEDED,
                TTFT_SLO_EXCEEDED,
                STREAMED_IN_NAME_ONLY,
                RETRIED,
            )
        ),
        Category.TIMEOUT_RETRY_MISMATCH,
        always(Verdict.VENDOR_QUESTION),
        "vendor question",
    ),
    Rule(
        "unreachable or untrusted host -> endpoint",
        lambda f, _c: f.kind in (CONNECT_REFUSED, DNS_FAILURE, TLS_ERROR),
        Category.ENDPOINT_MISMATCH,
        drift_if_accepted(Verdict.CLIENT_BUG),
        "deployment drift if accepted before, else client bug",
    ),
    Rule(
        "a request field the contract does not document -> client bug",
        lambda f, _c: f.kind == REQUEST_UNDOCUMENTED_FIELD,
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
        lambda f, _c: f.kind == REQUEST_UNDOCUMENTED_OPERATION,
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
        lambda f, _c: f.source is Source.PARSER or f.kind == MEDIA_TYPE_CHANGED,
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
        lambda f, _c: f.kind.startswith(ASSUMED_PREFIX),
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
