"""What the published contract says about one exchange, as plain data, and the port to ask it.

The OpenAPI machinery (loading, resolving, validating with a schema library) lives outside the
pure core in ``monitor.contract``; the judge only sees a ``ContractOracle`` passed in and the
``ContractResult`` it returns: findings with ``source: contract`` plus the facts the assumption
ledger needs (which paths are guaranteed, nullable, their documented enums and headers, which
request fields are documented or deprecated; findings about the request itself, ``request-*``).
A streamed answer is asked about too: its chunks against the documented chunk schema, with the
same finding rules as a JSON body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from monitor.core.model import Finding
from monitor.core.shape.paths import parent_path
from monitor.core.shape.stats import Shape


@dataclass(frozen=True)
class ResponseFacts:
    documented: bool = False  # the status and media type are documented for the operation
    required: frozenset[str] = frozenset()  # paths required within their parent object
    nullable: frozenset[str] = frozenset()
    enums: Mapping[str, frozenset[str]] = field(default_factory=dict)
    headers: frozenset[str] = frozenset()  # documented response headers, lower case

    def guaranteed(self, path: str) -> bool:
        """Present and non-null in every valid response: required all the way up, not nullable."""
        if not self.documented or path in self.nullable:
            return False
        current = path
        while current:
            if not current.endswith("[]") and current not in self.required:
                return False
            current = parent_path(current)
        return True


@dataclass(frozen=True)
class RequestFacts:
    documented: bool = False  # the method and path are documented
    fields: frozenset[str] = frozenset()  # top-level request body members
    deprecated: frozenset[str] = frozenset()
    open: bool = False  # additionalProperties allowed: every field counts as documented


@dataclass(frozen=True)
class ContractResult:
    findings: tuple[Finding, ...] = ()
    response: ResponseFacts | None = None
    request: RequestFacts | None = None


@dataclass(frozen=True)
class Exchange:
    """One request/response pair as the contract check sees it."""

    method: str
    url: str
    request_body: Any = None
    status: int | None = None
    media_type: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    document: Any = None  # the parsed JSON body, None when there is none (and for a stream)
    shape: Shape | None = None  # a stream's: the chunk shape
    body_size: int = 0
    # A stream's representative chunks (bounded: ``core.chunks.representatives``), each checked
    # against the documented chunk schema; None when the answer is not a stream.
    chunks: tuple[Any, ...] | None = None
    # The probe sends an invalid request on purpose (``request_validation``): the documented
    # request schema would only restate that. Undocumented fields are still reported.
    request_invalid_on_purpose: bool = False


class ContractOracle(Protocol):
    def check(self, exchange: Exchange) -> ContractResult: ...
