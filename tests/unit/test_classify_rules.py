"""Every classification rule has a case here, and every case picks its rule (first match wins).

The end-to-end rules the issue names (baseline vs contract evidence, the 400 naming a sent
parameter, an undocumented request field, usage missing) are also judged through ``judge``.
"""

from __future__ import annotations

from typing import Any

import pytest

from monitor.core.classify import RULES, ClassifyContext, classify, rule_for
from monitor.core.model import Finding, Severity, Source

F = Finding
B = Severity.BREAKING


def _f(kind: str, source: Source, path: str = "", after: Any = None) -> Finding:
    return F(kind=kind, path=path, severity=B, source=source, message="m", after=after)


ACCEPTED = ClassifyContext(accepted_before=True)
NEW = ClassifyContext(accepted_before=False)
WITH_CONTRACT = ClassifyContext(accepted_before=True, contract_configured=True)

# expected (category, verdict)
AUTH_CLIENT = ("auth_mismatch", "client_bug")
AUTH_VENDOR = ("auth_mismatch", "vendor_question")
BILLING_DEPLOYMENT = ("usage_billing_assumption", "deployment_drift")
ENDPOINT_CLIENT = ("endpoint_mismatch", "client_bug")
ENDPOINT_DEPLOYMENT = ("endpoint_mismatch", "deployment_drift")
PARSER_CLIENT = ("response_parser_mismatch", "client_bug")
PARSER_DEPLOYMENT = ("response_parser_mismatch", "deployment_drift")
PARSER_DOCUMENTATION = ("response_parser_mismatch", "documentation_drift")
PARSER_VENDOR = ("response_parser_mismatch", "vendor_question")
REQUEST_CLIENT = ("request_schema_mismatch", "client_bug")
REQUEST_DEPLOYMENT = ("request_schema_mismatch", "deployment_drift")
REQUEST_VENDOR = ("request_schema_mismatch", "vendor_question")
TIMEOUT_VENDOR = ("timeout_retry_mismatch", "vendor_question")
UNKNOWN_VENDOR = ("unknown_external_behavior", "vendor_question")

# rule name -> (finding, context, expected (category, verdict))
CASES: dict[str, tuple[Finding, ClassifyContext, tuple[str, str]]] = {
    "an invalid key accepted -> auth (a security finding)": (
        F("status-changed", "", B, Source.EXPECTATION, "m", before=[401, 403], after=200),
        ACCEPTED,
        AUTH_VENDOR,
    ),
    "a malformed body accepted -> request schema": (
        F("status-changed", "", B, Source.EXPECTATION, "m", before=[400, 422], after=200),
        ACCEPTED,
        REQUEST_VENDOR,
    ),
    "the key where it must not be, or not there -> auth": (
        _f("key-in-query-string", Source.TRANSPORT),
        ACCEPTED,
        AUTH_CLIENT,
    ),
    "the request is not the documented endpoint -> endpoint": (
        _f("endpoint-mismatch", Source.EXPECTATION, "request"),
        ACCEPTED,
        ENDPOINT_CLIENT,
    ),
    "a token-limit field the model refuses -> request schema": (
        _f("token-field-rejected", Source.EXPECTATION, "request.max_tokens"),
        ACCEPTED,
        REQUEST_DEPLOYMENT,
    ),
    "an error envelope inside a 200 -> parser, the vendor's to explain": (
        _f("error-in-200", Source.PARSER, "error"),
        ACCEPTED,
        PARSER_VENDOR,
    ),
    "streams a parser cannot follow, SDK rejections -> parser": (
        _f("sse-terminator-missing", Source.PARSER),
        NEW,
        PARSER_VENDOR,
    ),
    "token counts that cannot be (negative, absurd) -> billing, the vendor's to explain": (
        _f("usage-arithmetic-mismatch", Source.EXPECTATION, "usage.prompt_tokens"),
        ACCEPTED,
        ("usage_billing_assumption", "vendor_question"),
    ),
    "usage chunk missing -> billing assumption": (
        _f("sse-usage-chunk-missing", Source.EXPECTATION, "usage"),
        ACCEPTED,
        BILLING_DEPLOYMENT,
    ),
    "401/403 after the key changed since the last pass -> auth, our side": (
        _f("status-changed", Source.EXPECTATION, after=401),
        ClassifyContext(accepted_before=True, key_changed=True),
        AUTH_CLIENT,
    ),
    "401/403 -> auth (the key expired, revoked or another environment's)": (
        _f("status-changed", Source.EXPECTATION, after=401),
        ACCEPTED,
        AUTH_VENDOR,
    ),
    "400/422 naming a parameter the probe sends, accepted before -> request schema": (
        _f("status-changed", Source.EXPECTATION, after=400),
        ClassifyContext(
            accepted_before=True, request_fields=frozenset({"max_tokens"}), error_param="max_tokens"
        ),
        REQUEST_DEPLOYMENT,
    ),
    "400/413/422 -> request schema": (
        _f("status-changed", Source.EXPECTATION, after=422),
        NEW,
        REQUEST_CLIENT,
    ),
    "3xx/404/405 -> endpoint": (
        _f("status-changed", Source.EXPECTATION, after=404),
        NEW,
        ENDPOINT_CLIENT,
    ),
    "429 -> rate limit is an account question": (
        _f("status-changed", Source.EXPECTATION, after=429),
        ACCEPTED,
        TIMEOUT_VENDOR,
    ),
    "timeouts": (_f("timeout", Source.TRANSPORT), ACCEPTED, TIMEOUT_VENDOR),
    "unreachable or untrusted host -> endpoint": (
        _f("connect-refused", Source.TRANSPORT),
        ACCEPTED,
        ENDPOINT_DEPLOYMENT,
    ),
    "a request field the contract does not document -> client bug": (
        _f("request-undocumented-field", Source.CONTRACT, "request:foo"),
        ACCEPTED,
        REQUEST_CLIENT,
    ),
    "a request the contract's schema rejects (missing, mistyped) -> client bug": (
        _f("request-type-mismatch", Source.CONTRACT, "request:max_tokens"),
        ACCEPTED,
        REQUEST_CLIENT,
    ),
    "a method and path the contract does not document -> client bug": (
        _f("request-undocumented-operation", Source.CONTRACT),
        ACCEPTED,
        ENDPOINT_CLIENT,
    ),
    "usage fields -> billing assumption": (
        _f("property-removed", Source.BASELINE, "usage"),
        ACCEPTED,
        BILLING_DEPLOYMENT,
    ),
    "unreadable body -> parser": (_f("body-unparseable", Source.PARSER), NEW, PARSER_VENDOR),
    "differs from the baseline and the contract -> deployment drift": (
        _f("type-changed", Source.BASELINE, "created"),
        ClassifyContext(
            accepted_before=True, contract_configured=True, contract_paths=frozenset({"created"})
        ),
        PARSER_DEPLOYMENT,
    ),
    "differs from the baseline, matches the contract -> deployment drift": (
        _f("null-appeared", Source.BASELINE, "choices[].message.content"),
        WITH_CONTRACT,
        PARSER_DEPLOYMENT,
    ),
    "differs from the baseline (no contract) -> deployment drift": (
        _f("type-changed", Source.BASELINE, "created"),
        ACCEPTED,
        PARSER_DEPLOYMENT,
    ),
    "matches the baseline, violates the contract -> documentation drift": (
        _f("property-removed", Source.CONTRACT, "choices[].logprobs"),
        WITH_CONTRACT,
        PARSER_DOCUMENTATION,
    ),
    "violates the contract, differs from the baseline -> deployment drift": (
        _f("type-changed", Source.CONTRACT, "created"),
        ClassifyContext(
            accepted_before=True, contract_configured=True, baseline_paths=frozenset({"created"})
        ),
        PARSER_DEPLOYMENT,
    ),
    "a broken assumption -> parser": (
        _f("assumed-path-missing", Source.EXPECTATION, "choices[].message.audio"),
        ACCEPTED,
        PARSER_CLIENT,
    ),
    "nothing matches -> vendor question": (
        _f("status-changed", Source.EXPECTATION, after=503),
        ACCEPTED,
        UNKNOWN_VENDOR,
    ),
}


def test_every_rule_has_a_case() -> None:
    assert [r.name for r in RULES] == list(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_rule_classifies_its_case(name: str) -> None:
    finding, ctx, expected = CASES[name]
    assert rule_for(finding, ctx).name == name
    classified = classify(finding, ctx)
    assert (classified.category.value, classified.verdict.value) == expected


@pytest.mark.parametrize(
    ("kind", "source", "expected"),
    [
        ("secret-invalid", Source.TRANSPORT, AUTH_CLIENT),
        ("monitor-error", Source.TRANSPORT, UNKNOWN_VENDOR),
        ("required-member-missing", Source.PARSER, PARSER_DEPLOYMENT),
    ],
)
def test_the_hardening_kinds_get_their_categories(
    kind: str, source: Source, expected: tuple[str, str]
) -> None:
    classified = classify(_f(kind, source), ACCEPTED)
    assert (classified.category.value, classified.verdict.value) == expected


def test_a_400_not_naming_a_sent_field_after_acceptance_is_a_vendor_question() -> None:
    finding = _f("status-changed", Source.EXPECTATION, after=400)
    classified = classify(finding, ClassifyContext(accepted_before=True, error_param="model"))
    assert classified.verdict.value == "vendor_question"


def test_a_broken_assumption_the_contract_promised_is_documentation_drift() -> None:
    finding = _f("assumed-path-missing", Source.EXPECTATION, "usage.total_tokens")
    ctx = ClassifyContext(accepted_before=True, contract_paths=frozenset({"usage"}))
    assert classify(finding, ctx).verdict.value == "documentation_drift"
