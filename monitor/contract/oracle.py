"""``Contract``: a resolved OpenAPI document with precompiled validators, as a ``ContractOracle``.

Built once per document (at start-up and by ``config check``): every documented operation,
status and media type gets an OpenAPI-aware validator (openapi-schema-validator's
``OAS30Validator`` honours 3.0 ``nullable``; ``OAS31Validator`` for 3.1) and its flattened
facts. ``check`` then only looks things up and validates. Findings carry ``source: contract``.

Requests: the body the client sends is validated against the operation's documented request
schema (openapi-schema-validator's write validator for 3.0: ``readOnly`` members must not be
sent), also precompiled once; a missing required field, a wrong type or another violated
constraint is a ``request-*`` finding (a client bug), beside the undocumented fields.

Streams: a ``text/event-stream`` media type may carry ``x-sse-chunk-schema``, the schema of the
JSON in each ``data:`` event (the shipped contract says why an extension and not 3.2's
``itemSchema``). A stream's representative chunks are validated against it, and its chunk shape
is compared with its members, with the same rules as a JSON body; the findings are of the
``chunk`` response class. A stream returns no ``ResponseFacts``: the assumption ledger reads the
reassembled completion, whose paths the chunk schema does not describe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from openapi_schema_validator import OAS30Validator, OAS30WriteValidator, OAS31Validator

from monitor.contract.document import ContractDocument
from monitor.contract.facts import SchemaFacts, schema_facts
from monitor.contract.resolve import dereference
from monitor.contract.violations import (
    REQUEST_PREFIX,
    contract_finding,
    findings_from_errors,
    request_findings,
    undocumented_members,
)
from monitor.core.documented import ContractResult, Exchange, RequestFacts, ResponseFacts
from monitor.core.model import Finding, ResponseClass, Severity
from monitor.core.stream.sse import SSE_MEDIA_TYPE

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_VALIDATED_BYTES = 512 * 1024  # bigger bodies get shape checks only; validation would be slow
CHUNK_SCHEMA_KEY = "x-sse-chunk-schema"


@dataclass(frozen=True)
class CompiledResponse:
    validator: Any | None  # None: the media type has no schema
    facts: SchemaFacts
    headers: frozenset[str]
    chunk_validator: Any | None = None  # x-sse-chunk-schema: one stream event's JSON
    chunk_facts: SchemaFacts = field(default_factory=SchemaFacts)


@dataclass
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    request: RequestFacts
    request_validator: Any | None  # None: no request body schema is documented
    request_body_required: bool
    # status key ("200", "4XX", "default") -> media type -> compiled response
    responses: dict[str, dict[str, CompiledResponse]] = field(default_factory=dict)


class Contract:
    def __init__(self, document: ContractDocument) -> None:
        self.document = document
        spec = dereference(document.spec)
        validator_cls = OAS30Validator if document.openapi == "3.0" else OAS31Validator
        request_cls = OAS30WriteValidator if document.openapi == "3.0" else OAS31Validator
        self.operations: list[Operation] = []
        for template, item in (spec.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            for method in METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    self.operations.append(
                        _compile(method, template, op, validator_cls, request_cls)
                    )
        # the longest template wins: /v1/chat/completions before /completions
        self.operations.sort(key=lambda o: len(o.template), reverse=True)

    def reference(self) -> dict[str, Any]:
        return self.document.reference()

    def operation(self, method: str, url: str) -> Operation | None:
        path = urlsplit(url).path.rstrip("/") or "/"
        for op in self.operations:
            if op.method == method.lower() and op.pattern.search(path):
                return op
        return None

    def check_request(
        self, method: str, url: str, body: Any, *, validate: bool = True
    ) -> list[Finding]:
        """A request the contract does not document is a client bug: an undocumented operation
        or field and, unless ``validate`` is off (a request invalid on purpose), a body the
        documented request schema rejects (a required field missing, a wrong type, ...)."""
        op = self.operation(method, url)
        if op is None:
            return [
                contract_finding(
                    "request-undocumented-operation",
                    "",
                    f"{method.upper()} {urlsplit(url).path} is not in the contract",
                )
            ]
        where = f"{op.method.upper()} {op.template}"
        findings = []
        if isinstance(body, dict) and not op.request.open:
            findings = [
                contract_finding(
                    "request-undocumented-field",
                    f"{REQUEST_PREFIX}{name}",
                    f"the request sends `{name}`, which the contract does not document for {where}",
                )
                for name in sorted(body)
                if name not in op.request.fields
            ]
        if validate:
            findings.extend(_check_request_body(op, body, where))
        return findings

    def check(self, exchange: Exchange) -> ContractResult:
        findings = self.check_request(
            exchange.method,
            exchange.url,
            exchange.request_body,
            validate=not exchange.request_invalid_on_purpose,
        )
        op = self.operation(exchange.method, exchange.url)
        if op is None or exchange.status is None:
            return ContractResult(tuple(findings), None, op.request if op else None)
        stream = exchange.chunks is not None
        cls = _response_class(exchange.status, stream=stream)
        by_media = _lookup_status(op.responses, exchange.status)
        if by_media is None:
            findings.append(
                contract_finding(
                    "status-undocumented",
                    "",
                    f"HTTP {exchange.status} is not documented for "
                    f"{op.method.upper()} {op.template}",
                    after=exchange.status,
                    response_class=cls,
                )
            )
            return ContractResult(tuple(findings), None if stream else ResponseFacts(), op.request)
        compiled = _lookup_media(by_media, exchange.media_type)
        if compiled is None and by_media and exchange.media_type:
            findings.append(
                contract_finding(
                    "media-type-undocumented",
                    "",
                    f"{exchange.media_type} is not documented for HTTP {exchange.status}",
                    before=sorted(by_media),
                    after=exchange.media_type,
                    response_class=cls,
                )
            )
        small = exchange.body_size <= MAX_VALIDATED_BYTES
        if stream:
            # A mislabelled stream was still read as SSE: its chunks are still chunks.
            chunked = compiled if compiled is not None else by_media.get(SSE_MEDIA_TYPE)
            if chunked is not None and small:
                findings.extend(_check_chunks(chunked, exchange))
            return ContractResult(tuple(findings), None, op.request)
        if compiled is None:
            return ContractResult(tuple(findings), ResponseFacts(), op.request)
        document = exchange.document
        if document is not None and compiled.validator is not None and small:
            response_findings = findings_from_errors(compiled.validator.iter_errors(document))
            if exchange.shape is not None:
                response_findings.extend(undocumented_members(compiled.facts, exchange.shape))
            findings.extend(_with_class(f, cls) for f in response_findings)
        facts = compiled.facts.response_facts(compiled.headers)
        return ContractResult(tuple(findings), facts, op.request)


def _check_request_body(op: Operation, body: Any, where: str) -> list[Finding]:
    if op.request_validator is None:
        return []
    if body is None:  # nothing sent: only a finding when the contract requires a body
        if not op.request_body_required:
            return []
        return [
            contract_finding(
                "request-required-field-missing",
                REQUEST_PREFIX,
                f"the request has no body; the contract requires one for {where}",
                "required",
                "absent",
            )
        ]
    return request_findings(op.request_validator.iter_errors(body), where)


def _check_chunks(compiled: CompiledResponse, exchange: Exchange) -> list[Finding]:
    """Every representative chunk against the chunk schema; a finding many chunks share is
    said once (``findings_from_errors`` keys them by kind, path and value)."""
    validator = compiled.chunk_validator
    if validator is None or not exchange.chunks:
        return []
    errors = (error for chunk in exchange.chunks for error in validator.iter_errors(chunk))
    found = findings_from_errors(errors)
    if exchange.shape is not None:
        found.extend(undocumented_members(compiled.chunk_facts, exchange.shape))
    return [_with_class(f, ResponseClass.CHUNK) for f in found]


def _response_class(status: int, *, stream: bool) -> ResponseClass:
    if status >= 400:
        return ResponseClass.ERROR
    return ResponseClass.CHUNK if stream else ResponseClass.SUCCESS


def _compile(
    method: str, template: str, op: dict[str, Any], validator_cls: Any, request_cls: Any
) -> Operation:
    pattern = re.compile(
        "(^|/)" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template.strip("/"))) + "$"
    )
    schema = _request_schema(op)
    body = op.get("requestBody")
    operation = Operation(
        method,
        template,
        pattern,
        _request_facts(op, schema),
        request_cls(schema) if schema is not None else None,
        isinstance(body, dict) and body.get("required") is True,
    )
    for status, response in (op.get("responses") or {}).items():
        if not isinstance(response, dict):
            continue
        headers = frozenset(str(h).lower() for h in (response.get("headers") or {}))
        media: dict[str, CompiledResponse] = {}
        for media_type, content in (response.get("content") or {}).items():
            if not isinstance(content, dict):
                content = {}
            media[str(media_type).lower()] = CompiledResponse(
                *_compiled_schema(content.get("schema"), validator_cls),
                headers,
                *_compiled_schema(content.get(CHUNK_SCHEMA_KEY), validator_cls),
            )
        operation.responses[str(status).upper()] = media
    return operation


def _compiled_schema(schema: Any, validator_cls: Any) -> tuple[Any | None, SchemaFacts]:
    if not isinstance(schema, dict):
        return None, SchemaFacts()
    return validator_cls(schema), schema_facts(schema)


def _request_schema(op: dict[str, Any]) -> dict[str, Any] | None:
    """The documented JSON request body's schema (the first media type's if no JSON one)."""
    body = op.get("requestBody")
    content = body.get("content") if isinstance(body, dict) else None
    schema = None
    if isinstance(content, dict):
        json_content = content.get("application/json") or next(iter(content.values()), None)
        schema = json_content.get("schema") if isinstance(json_content, dict) else None
    return schema if isinstance(schema, dict) else None


def _request_facts(op: dict[str, Any], schema: dict[str, Any] | None) -> RequestFacts:
    if schema is None:
        return RequestFacts(documented=True, open=op.get("requestBody") is None)
    props = schema.get("properties") or {}
    additional = schema.get("additionalProperties")
    return RequestFacts(
        documented=True,
        fields=frozenset(props),
        deprecated=frozenset(
            n for n, s in props.items() if isinstance(s, dict) and s.get("deprecated") is True
        ),
        open=additional is True or isinstance(additional, dict),
    )


def _lookup_status(
    responses: dict[str, dict[str, CompiledResponse]], status: int
) -> dict[str, CompiledResponse] | None:
    for key in (str(status), f"{str(status)[0]}XX", "DEFAULT"):
        if key in responses:
            return responses[key]
    return None


def _lookup_media(
    by_media: dict[str, CompiledResponse], media_type: str
) -> CompiledResponse | None:
    media_type = media_type.lower()
    family = media_type.split("/", 1)[0]
    for key in (media_type, f"{family}/*", "*/*"):
        if key in by_media:
            return by_media[key]
    if media_type.endswith("+json") and "application/json" in by_media:
        return by_media["application/json"]
    return None


def _with_class(finding: Finding, cls: ResponseClass) -> Finding:
    return finding if finding.response_class is cls else replace(finding, response_class=cls)


__all__ = ["MAX_VALIDATED_BYTES", "Contract", "Severity"]
