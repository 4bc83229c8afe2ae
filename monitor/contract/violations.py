"""Turn schema-validation errors and undocumented members into contract findings.

One finding per (kind, path, value): a required member missing from every choice is said once.
Kinds reuse the taxonomy's ids with ``source: contract``: ``property-removed`` (a required
property is missing), ``type-changed`` / ``null-appeared`` (type mismatch; null where the
contract does not allow it), ``enum-value-added`` (a value outside the documented enum),
``undocumented-property`` (info) and ``schema-violation`` for any other keyword.

The request body has kinds of its own (``request-*``: the judge and the classification tell
the client's mistakes from the provider's drift by that prefix), at ``request:PATH``
(``request:`` alone for the body itself): ``request-required-field-missing``,
``request-type-mismatch`` and ``request-schema-violation``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from monitor.contract.facts import SchemaFacts
from monitor.core.model import Finding, ResponseClass, Source
from monitor.core.shape.paths import leaf_key, member_path, parent_path
from monitor.core.shape.stats import Shape
from monitor.core.shape.values import type_name
from monitor.core.taxonomy import make_finding

MAX_FINDINGS = 50
REQUEST_PREFIX = "request:"


def _path(parts: deque[str | int] | Iterable[str | int]) -> str:
    path = ""
    for part in parts:
        path = f"{path}[]" if isinstance(part, int) else member_path(path, str(part))
    return path


def contract_finding(
    kind: str,
    path: str,
    message: str,
    before: Any = None,
    after: Any = None,
    value: Any = None,
    *,
    response_class: ResponseClass = ResponseClass.SUCCESS,
) -> Finding:
    """A ``source: contract`` finding with the taxonomy's default severity for ``kind``."""
    return make_finding(
        kind,
        path,
        message,
        before,
        after,
        source=Source.CONTRACT,
        value_key=None if value is None else str(value),
        response_class=response_class,
    )


def findings_from_errors(errors: Iterable[ValidationError]) -> list[Finding]:
    out: dict[tuple[str, str, str | None], Finding] = {}
    for error in errors:
        for finding in _from_error(error):
            out.setdefault((finding.kind, finding.path, finding.value_key), finding)
        if len(out) >= MAX_FINDINGS:
            break
    return list(out.values())


def _from_error(error: ValidationError) -> list[Finding]:
    path = _path(error.absolute_path)
    keyword = error.validator
    instance = error.instance
    if keyword in ("oneOf", "anyOf") and error.context:
        best = best_match(error.context)
        return _from_error(best) if best is not None else []
    if keyword == "required" and isinstance(instance, dict):
        names = [n for n in error.validator_value or () if n not in instance]
        return [
            contract_finding(
                "property-removed",
                member_path(path, str(name)),
                f"`{member_path(path, str(name))}` is required by the contract and missing",
                "required",
                "absent",
            )
            for name in names
        ]
    if keyword == "type":
        documented = error.validator_value
        if instance is None:
            return [
                contract_finding(
                    "null-appeared",
                    path,
                    f"`{path}` is null; the contract does not allow null",
                    documented,
                    "null",
                )
            ]
        return [
            contract_finding(
                "type-changed",
                path,
                f"`{path}` is {type_name(instance)}; the contract documents {documented}",
                documented,
                type_name(instance),
            )
        ]
    if keyword in ("enum", "const"):
        documented = error.validator_value
        return [
            contract_finding(
                "enum-value-added",
                path,
                f"`{path}` is {instance!r}, outside the documented {documented!r}",
                documented,
                instance if isinstance(instance, str | int | float | bool) else str(instance),
                value=instance if isinstance(instance, str | int | bool) else None,
            )
        ]
    if keyword == "additionalProperties" and isinstance(instance, dict):
        return []  # said by undocumented_members, once per member
    return [
        contract_finding(
            "schema-violation",
            path,
            f"`{path or '(body)'}` violates `{keyword}`: {error.message[:200]}",
            keyword,
            None,
        )
    ]


def request_findings(errors: Iterable[ValidationError], operation: str) -> list[Finding]:
    """The request body against ``operation``'s documented request schema, one finding per
    (kind, path). The top level's ``additionalProperties`` is left to
    ``request-undocumented-field``, which names each field once."""
    out: dict[tuple[str, str], Finding] = {}
    for error in errors:
        for finding in _request_finding(error, operation):
            out.setdefault((finding.kind, finding.path), finding)
        if len(out) >= MAX_FINDINGS:
            break
    return list(out.values())


def _request_finding(error: ValidationError, operation: str) -> list[Finding]:
    keyword, instance = error.validator, error.instance
    path = _path(error.absolute_path)
    shown = f"`{path}`" if path else "the request body"
    if keyword in ("oneOf", "anyOf") and error.context:
        alternatives = [e for e in error.context if e.validator == "type" and not e.relative_path]
        if len(alternatives) == len(error.context):  # `stop: 5`: neither a string nor an array
            documented = " or ".join(str(e.validator_value) for e in alternatives)
            return [_request_type(path, shown, instance, documented, operation)]
        best = best_match(error.context)
        return _request_finding(best, operation) if best is not None else []
    if keyword == "required" and isinstance(instance, dict):
        return [
            contract_finding(
                "request-required-field-missing",
                REQUEST_PREFIX + member_path(path, str(name)),
                f"the request lacks `{member_path(path, str(name))}`, which the contract "
                f"requires for {operation}",
                "required",
                "absent",
            )
            for name in error.validator_value or ()
            if name not in instance
        ]
    if keyword == "type":
        return [_request_type(path, shown, instance, str(error.validator_value), operation)]
    if keyword == "additionalProperties" and not path:
        return []
    return [
        contract_finding(
            "request-schema-violation",
            REQUEST_PREFIX + path,
            f"{shown} violates `{keyword}` of the contract for {operation}: {error.message[:200]}",
            keyword,
            None,
        )
    ]


def _request_type(path: str, shown: str, instance: Any, documented: str, op: str) -> Finding:
    sent = type_name(instance)
    return contract_finding(
        "request-type-mismatch",
        REQUEST_PREFIX + path,
        f"{shown} is {sent}; the contract documents {documented} for {op}"
        + (" (not nullable)" if instance is None else ""),
        documented,
        sent,
    )


def undocumented_members(facts: SchemaFacts, shape: Shape) -> list[Finding]:
    """Members the contract does not document (plain validators ignore extra members)."""
    out = []
    for path in sorted(shape.paths):
        if path.endswith("[]"):
            continue
        parent = parent_path(path)
        known = facts.members.get(parent, frozenset()) if parent in facts.members else None
        if known is None or leaf_key(path) in known:
            continue
        out.append(
            contract_finding(
                "undocumented-property",
                path,
                f"`{path}` is not documented by the contract",
                "undocumented",
                "present",
            )
        )
    return out[:MAX_FINDINGS]
