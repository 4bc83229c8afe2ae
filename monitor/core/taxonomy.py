"""The drift taxonomy: every finding ``kind`` with its stable id and default severities.

Ids are kebab-case and never renamed (alerts, events and users' overrides refer to them).
Severities follow ``../shared/reference/drift-taxonomy.md`` (oasdiff's levels for the same
change between two spec versions). ``baseline`` is the default when the finding comes from
comparing with what the endpoint returned before (or from the transport, the parser or the
probe's own expectations); ``contract`` when it comes from the published OpenAPI document.
``None`` means the kind does not come from that source. ``docs/findings.md`` lists the same
table; a test keeps the two in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monitor.core.model import Finding, ResponseClass, Severity, Source

B, W, INFO = Severity.BREAKING, Severity.WARNING, Severity.INFO


# The ids that code outside this table decides on (``classify``'s rules), named once here.
CONNECT_REFUSED = "connect-refused"
DNS_FAILURE = "dns-failure"
ENDPOINT_MISMATCH = "endpoint-mismatch"
ERROR_IN_200 = "error-in-200"
KEY_IN_QUERY_STRING = "key-in-query-string"
LATENCY_SLO_EXCEEDED = "latency-slo-exceeded"
MEDIA_TYPE_CHANGED = "media-type-changed"
PARSER_REJECTED = "parser-rejected"
REQUEST_REQUIRED_FIELD_MISSING = "request-required-field-missing"
REQUEST_SCHEMA_VIOLATION = "request-schema-violation"
REQUEST_TYPE_MISMATCH = "request-type-mismatch"
REQUEST_UNDOCUMENTED_FIELD = "request-undocumented-field"
REQUEST_UNDOCUMENTED_OPERATION = "request-undocumented-operation"
SECRET_UNAVAILABLE = "secret-unavailable"
SECRET_INVALID = "secret-invalid"
MONITOR_ERROR = "monitor-error"
REQUIRED_MEMBER_MISSING = "required-member-missing"
USAGE_ARITHMETIC_MISMATCH = "usage-arithmetic-mismatch"
SSE_ERROR_EVENT = "sse-error-event"
SSE_FINISH_REASON_MISSING = "sse-finish-reason-missing"
SSE_NOT_STREAMED = "sse-not-streamed"
SSE_TERMINATOR_MISSING = "sse-terminator-missing"
SSE_USAGE_CHUNK_MISSING = "sse-usage-chunk-missing"
STATUS_CHANGED = "status-changed"
STREAMED_IN_NAME_ONLY = "streamed-in-name-only"
TLS_ERROR = "tls-error"
TOKEN_FIELD_INCONCLUSIVE = "token-field-inconclusive"
TOKEN_FIELD_REJECTED = "token-field-rejected"
TTFT_SLO_EXCEEDED = "ttft-slo-exceeded"
VALIDATION_ERROR_UNNAMED = "validation-error-unnamed"
REDIRECTED = "redirected"
RETRIED = "retried"
TIMEOUT = "timeout"
ASSUMED_PREFIX = "assumed-"  # every kind of a broken client assumption starts so


@dataclass(frozen=True)
class Kind:
    id: str
    baseline: Severity | None
    contract: Severity | None
    summary: str


_KINDS: tuple[Kind, ...] = (
    # status, media type, body
    Kind(STATUS_CHANGED, B, None, "the status differs from the expected one"),
    Kind("status-undocumented", None, W, "the contract does not document this status"),
    Kind(MEDIA_TYPE_CHANGED, B, B, "the content type is not the JSON (or SSE) one expected"),
    Kind("media-type-params-changed", INFO, None, "the content-type parameters changed"),
    Kind("media-type-undocumented", None, W, "the contract does not document this media type"),
    Kind("body-unparseable", B, None, "not JSON: HTML page, NaN, invalid UTF-8, empty"),
    Kind("body-truncated", B, None, "the body exceeded the transport's size cap"),
    Kind("body-too-large", B, None, "the body exceeds the judge's size cap"),
    Kind("body-too-deep", B, None, "the JSON nests deeper than the depth cap"),
    Kind("duplicate-keys", W, None, "an object repeats a key (strict parsers reject it)"),
    Kind(REQUIRED_MEMBER_MISSING, B, None, "the answer lacks its protocol's `choices` (…)"),
    # headers
    Kind("header-removed", W, B, "a header present in every baseline response is gone"),
    Kind("header-added", INFO, None, "a new response header"),
    # properties
    Kind("property-removed", B, B, "a property present in every baseline response is missing"),
    Kind("optional-property-removed", W, None, "an optional property is not seen for a window"),
    Kind("property-became-optional", B, None, "an always-present property now comes and goes"),
    Kind("property-added", INFO, None, "a property the baseline never had"),
    Kind("undocumented-property", None, INFO, "a property the contract does not document"),
    Kind("type-changed", B, B, "the JSON type of a property changed"),
    Kind("int-became-fractional", B, None, "an integer property carries a fraction"),
    Kind("null-appeared", B, B, "a property the baseline never saw null is null"),
    Kind("variant-added", W, None, "a new `type` of a union member (content part, tool call)"),
    Kind("array-became-empty", B, None, "an array that always had items is empty"),
    Kind("enum-value-added", W, B, "a new value of an enum-like field"),
    Kind("const-changed", B, None, "a one-value field (`object`) changed value"),
    Kind("format-changed", W, None, "a value's format changed (id prefix, timestamp digits)"),
    Kind("schema-violation", None, W, "another documented constraint is violated"),
    Kind("error-envelope-changed", W, None, "the error envelope changed shape"),
    Kind("served-model-changed", INFO, None, "the response names another model than before"),
    # the client's assumptions (probe `assumes`)
    Kind("assumed-path-missing", B, None, "a path the client reads is absent or null"),
    Kind("assumed-enum-value-unknown", B, None, "a value the client does not handle"),
    Kind("assumed-header-missing", B, None, "a header the client reads is absent"),
    # the request side (needs the contract)
    Kind(REQUEST_UNDOCUMENTED_FIELD, None, W, "the probe sends a field the contract lacks"),
    Kind(REQUEST_UNDOCUMENTED_OPERATION, None, W, "the contract lacks this method and path"),
    Kind(REQUEST_REQUIRED_FIELD_MISSING, None, B, "the request lacks a required field"),
    Kind(REQUEST_TYPE_MISMATCH, None, B, "a request field (or the body) has the wrong JSON type"),
    Kind(REQUEST_SCHEMA_VIOLATION, None, W, "a request value breaks another constraint"),
    # streaming (emitted by the streaming probe kind)
    Kind(SSE_NOT_STREAMED, B, None, "`stream: true` answered with one JSON body"),
    Kind(SSE_TERMINATOR_MISSING, B, None, "the stream ended without `data: [DONE]`"),
    Kind(SSE_FINISH_REASON_MISSING, W, None, "no chunk carries `finish_reason`"),
    Kind(SSE_USAGE_CHUNK_MISSING, W, None, "include_usage was set and no usage chunk came"),
    Kind(SSE_ERROR_EVENT, B, None, "an error object inside an HTTP 200 stream"),
    Kind("sse-framing-changed", INFO, None, "`: comment` lines or `event:` fields appeared"),
    # transport and operations (emitted by the transport and the probe kinds)
    Kind(CONNECT_REFUSED, B, None, "nothing listens at the target"),
    Kind(DNS_FAILURE, B, None, "the target's host name does not resolve"),
    Kind(TLS_ERROR, B, None, "the TLS handshake failed"),
    Kind(TIMEOUT, B, None, "no complete answer within the probe's deadline"),
    Kind("read-error", B, None, "the connection broke while reading"),
    Kind("protocol-error", B, None, "the answer is not valid HTTP"),
    Kind(SECRET_UNAVAILABLE, B, None, "the API key could not be read"),
    Kind(SECRET_INVALID, B, None, "the API key is not one line of visible ASCII: not sent"),
    Kind(MONITOR_ERROR, B, None, "the monitor failed judging the answer (type and message)"),
    Kind(REDIRECTED, B, None, "the endpoint answered with a redirect"),
    Kind("transport-error", B, None, "the request failed otherwise (the error is named)"),
    Kind(LATENCY_SLO_EXCEEDED, W, None, "slower than the probe's latency SLO"),
    Kind(TTFT_SLO_EXCEEDED, W, None, "first token later than the probe's TTFT SLO"),
    # probe kinds (issue 7): request-side checks, negative probes, retries, the SDK parser
    Kind(ERROR_IN_200, B, None, "a 2xx whose JSON is an error envelope, not an answer"),
    Kind("body-not-an-object", B, None, "the JSON answer is an array, string or number"),
    Kind(STREAMED_IN_NAME_ONLY, W, None, "every chunk arrived at once: TTFT is the whole answer"),
    Kind(RETRIED, INFO, None, "the answer came after retries (each failed attempt named)"),
    Kind(ENDPOINT_MISMATCH, W, None, "the probe's method or path is not the documented one"),
    Kind(KEY_IN_QUERY_STRING, B, None, "the API key is in the URL: the request is not sent"),
    Kind("model-not-listed", W, None, "a model the target's probes use is not in /v1/models"),
    Kind(TOKEN_FIELD_REJECTED, B, None, "the model refuses the probe's token-limit field"),
    Kind(TOKEN_FIELD_INCONCLUSIVE, W, None, "a 4xx to the token-field probe not naming it"),
    Kind("error-envelope-missing", W, None, "a refusal without an `error` object"),
    Kind(VALIDATION_ERROR_UNNAMED, W, None, "a validation error not naming the parameter"),
    Kind(PARSER_REJECTED, B, None, "the official openai SDK's types reject the body"),
    Kind(USAGE_ARITHMETIC_MISMATCH, W, None, "token counts that cannot be (negative, absurd)"),
)

KINDS: dict[str, Kind] = {k.id: k for k in _KINDS}


def default_severity(kind: str, source: Source) -> Severity:
    """The taxonomy default for ``kind`` from ``source`` (warning for kinds we do not know)."""
    entry = KINDS.get(kind)
    if entry is None:
        return W
    if source is Source.CONTRACT:
        return entry.contract or entry.baseline or W
    return entry.baseline or entry.contract or W


def make_finding(
    kind: str,
    path: str,
    message: str,
    before: Any = None,
    after: Any = None,
    *,
    source: Source,
    severity: Severity | None = None,
    value_key: str | None = None,
    response_class: ResponseClass = ResponseClass.SUCCESS,
) -> Finding:
    """A finding of ``kind`` at the taxonomy's default severity for ``source`` unless given."""
    return Finding(
        kind=kind,
        path=path,
        severity=severity or default_severity(kind, source),
        source=source,
        message=message,
        before=before,
        after=after,
        value_key=value_key,
        response_class=response_class,
    )
