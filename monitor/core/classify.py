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
    ),
    Rule(
        "a malformed body accepted -> request schema",
        lambda f, _c: _negative_accepted(f, frozenset({400, 422})),
        Category.REQUEST_SCHEMA_MISMATCH,
        _always(Verdict.VENDOR_QUESTION),
    ),
    Rule(
        "the key where it must not be, or not there -> auth",
        lambda f, _c: f.kind in ("key-in-query-string", "secret-unavailable"),
        Category.AUTH_MISMATCH,
        _always(Verdict.CLIENT_BUG),
    ),
    Rule(
        "the request is not the documented endpoint -> endpoint",
        lambda f, _c: f.kind == "endpoint-mismatch",
        Category.ENDPOINT_MISMATCH,
        _always(Verdict.CLIENT_BUG),
    ),
    Rule(
        "a token-limit field the model refuses -> request schema",
        lambda f, _c: f.kind in ("token-field-rejected", "validation-error-unnamed"),
        Category.REQUEST_SCHEMA_MISMATCH,
        _drift_if_accepted(Verdict.CLIENT_BUG),
    ),
    Rule(
        "an error envelope inside a 200 -> parser, the vendor's to explain",
        lambda f, _c: f.kind in ("error-in-200", "sse-error-event"),
        Category.RESPONSE_PARSER_MISMATCH,
        _always(Verdict.VENDOR_QUESTION),
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
    ),
    Rule(
        "usage chunk missing -> billing assumption",
        lambda f, _c: f.kind == "sse-usage-chunk-missing",
        Category.USAGE_BILLING_ASSUMPTION,
        _drift_if_accepted(Verdict.VENDOR_QUESTION),
    ),
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
            f.kind == "redirected"
            or (
                f.kind == "status-changed"
                and (_status(f) in (404, 405) or 300 <= (_status(f) or 0) < 400)
            )
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
    ),
    Rule(
        "unreachable or untrusted host -> endpoint",
        lambda f, _c: f.kind in ("connect-refused", "dns-failure", "tls-error"),
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
