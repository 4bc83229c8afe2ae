"""The client's assumptions (probe ``assumes``) and the ledger that marks each one per run.

The seed defines a contract as "the set of assumptions your client makes" and asks to mark each
as supported, unsupported or needing vendor confirmation. Marks, per assumption kind:

- ``path`` (a response path the client reads): absent or null -> unsupported; present, but the
  contract does not guarantee it or the baseline saw it missing/null -> needs_confirmation.
- ``enum`` (values the client switches on): a value outside the list -> unsupported; values the
  contract or the baseline know that the client does not handle -> needs_confirmation.
- ``token_field``: rejected by a 4xx naming it -> unsupported; not sent by the probe, deprecated
  or undocumented -> needs_confirmation.
- ``header`` (a response header the client reads): absent -> unsupported; not documented, or
  the headers were not captured (``monitor verify`` without ``--header``) -> needs_confirmation.
  ``status``: another status -> unsupported.

An unsupported assumption is always ``breaking``: findings touching an assumed path are raised
to breaking, and an assumption no finding explains gets its own ``assumed-*`` finding.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from monitor.core.documented import ContractResult
from monitor.core.model import Finding, Severity, Source
from monitor.core.shape.stats import Shape

SUPPORTED = "supported"
UNSUPPORTED = "unsupported"
NEEDS_CONFIRMATION = "needs_confirmation"
_MISSING = object()
_NEVER_RAISED = frozenset({"property-added", "header-added", "undocumented-property"})


@dataclass(frozen=True)
class Assumptions:
    paths: tuple[str, ...] = ()
    enums: Mapping[str, frozenset[str]] = field(default_factory=dict)
    token_field: str | None = None
    headers: tuple[str, ...] = ()
    status: int | None = None

    @property
    def assumed_paths(self) -> frozenset[str]:
        return frozenset(self.paths) | frozenset(self.enums)


@dataclass(frozen=True)
class LedgerEntry:
    kind: str  # path, enum, token_field, header, status
    subject: str
    mark: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "mark": self.mark,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Evidence:
    """What one run shows, for the ledger."""

    status: int | None
    expected_status: frozenset[int]
    headers: Mapping[str, str]
    request_body: Any
    document: Any
    parsed: bool  # a JSON body was read
    baseline: Shape | None  # the active baseline, if any
    contract: ContractResult | None
    error_param: str | None = None  # the parameter a 4xx error names
    headers_captured: bool = True  # False: ``headers`` holds no evidence about any header


def path_values(document: Any, path: str) -> list[Any]:
    """Every value at ``path`` (``_MISSING`` where absent); ``choices[]`` expands each item."""
    current: list[Any] = [document]
    for key, items in _tokens(path):
        nxt: list[Any] = []
        for value in current:
            if value is not _MISSING and key:
                value = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
            level = [value]
            for _ in range(items):
                flat: list[Any] = []
                for v in level:
                    if isinstance(v, list) and v:
                        flat.extend(v)
                    else:
                        flat.append(_MISSING)  # no array, or an empty one: nothing to read
                level = flat
            nxt.extend(level)
        current = nxt
    return current


def _tokens(path: str) -> list[tuple[str, int]]:
    out = []
    for part in path.split("."):
        items = 0
        while part.endswith("[]"):
            part, items = part[:-2], items + 1
        out.append((part.strip('"'), items))
    return out


def related(a: str, b: str) -> bool:
    """Same path, or one holds the other."""
    if a == b:
        return True
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return bool(short) and long.startswith(short) and long[len(short)] in ".["


def build_ledger(assumptions: Assumptions | None, ev: Evidence) -> list[LedgerEntry]:
    ledger: list[LedgerEntry] = []
    if assumptions is not None:
        ledger.extend(_path_entry(p, ev) for p in assumptions.paths)
        ledger.extend(_enum_entry(p, set(v), ev) for p, v in assumptions.enums.items())
        if assumptions.token_field:
            ledger.append(_token_entry(assumptions.token_field, ev))
        ledger.extend(_header_entry(h, ev) for h in assumptions.headers)
    expected = {assumptions.status} if assumptions and assumptions.status else ev.expected_status
    ledger.append(_status_entry(frozenset(expected), ev, declared=bool(assumptions)))
    return ledger


def _no_body(kind: str, subject: str, ev: Evidence) -> LedgerEntry | None:
    """An assumption about the body the client reads when the call works cannot be checked on
    another body: a 401's error envelope lacks ``choices`` and says nothing about them."""
    why = f"HTTP {ev.status}" if ev.status is not None else "no response"
    if not ev.parsed:
        return LedgerEntry(kind, subject, NEEDS_CONFIRMATION, f"no JSON body to check ({why})")
    if ev.status is not None and ev.status not in ev.expected_status:
        return LedgerEntry(kind, subject, NEEDS_CONFIRMATION, f"no success body ({why})")
    return None


def _path_entry(path: str, ev: Evidence) -> LedgerEntry:
    blocked = _no_body("path", path, ev)
    if blocked:
        return blocked
    values = path_values(ev.document, path)
    if any(v is _MISSING for v in values):
        return LedgerEntry("path", path, UNSUPPORTED, "absent from this response")
    if any(v is None for v in values):
        return LedgerEntry("path", path, UNSUPPORTED, "null in this response")
    facts = ev.contract.response if ev.contract else None
    if facts is not None and facts.documented and not facts.guaranteed(path):
        why = "nullable" if path in facts.nullable else "optional"
        return LedgerEntry(
            "path", path, NEEDS_CONFIRMATION, f"present, but the contract marks it {why}"
        )
    stats = ev.baseline.paths.get(path) if ev.baseline else None
    if ev.baseline is not None and stats is not None:
        held = ev.baseline.containers(path)
        if stats.present < held or stats.nulls:
            return LedgerEntry(
                "path",
                path,
                NEEDS_CONFIRMATION,
                f"present, but the baseline saw it in {stats.present - stats.nulls} of {held} "
                "responses",
            )
    return LedgerEntry("path", path, SUPPORTED, "present" + _because(facts is not None))


def _because(contract: bool) -> str:
    return " and required by the contract" if contract else ""


def _enum_entry(path: str, known: set[str], ev: Evidence) -> LedgerEntry:
    blocked = _no_body("enum", path, ev)
    if blocked:
        return blocked
    values = [v for v in path_values(ev.document, path) if v is not _MISSING and v is not None]
    if not values:
        return LedgerEntry("enum", path, UNSUPPORTED, "absent from this response")
    unknown = sorted({str(v) for v in values} - known)
    if unknown:
        return LedgerEntry(
            "enum", path, UNSUPPORTED, f"{', '.join(map(repr, unknown))} is not handled"
        )
    facts = ev.contract.response if ev.contract else None
    documented = set(facts.enums.get(path, ())) if facts else set()
    learned = ev.baseline.paths.get(path) if ev.baseline else None
    seen = set(learned.values or ()) if learned is not None else set()
    if documented - known:
        extra = ", ".join(sorted(documented - known))
        return LedgerEntry(
            "enum", path, NEEDS_CONFIRMATION, f"the contract documents {extra}, not handled"
        )
    if seen - known:
        extra = ", ".join(sorted(seen - known))
        return LedgerEntry(
            "enum", path, NEEDS_CONFIRMATION, f"the baseline saw {extra}, not handled"
        )
    return LedgerEntry("enum", path, SUPPORTED, f"{', '.join(sorted(set(map(str, values))))}")


def _token_entry(name: str, ev: Evidence) -> LedgerEntry:
    body = ev.request_body if isinstance(ev.request_body, dict) else {}
    if name not in body:
        sent = [k for k in ("max_tokens", "max_completion_tokens") if k in body]
        what = f"sends {sent[0]}" if sent else "sends no token limit"
        return LedgerEntry("token_field", name, NEEDS_CONFIRMATION, f"the probe {what}: not tested")
    if ev.error_param == name and ev.status is not None and 400 <= ev.status < 500:
        return LedgerEntry("token_field", name, UNSUPPORTED, f"rejected with HTTP {ev.status}")
    request = ev.contract.request if ev.contract else None
    if ev.status is None or not 200 <= ev.status < 300:
        why = f"HTTP {ev.status}" if ev.status is not None else "no response"
        return LedgerEntry("token_field", name, NEEDS_CONFIRMATION, f"not accepted yet ({why})")
    if request is not None and request.documented and name in request.deprecated:
        return LedgerEntry(
            "token_field", name, NEEDS_CONFIRMATION, "accepted, but the contract deprecates it"
        )
    documented = request is None or not request.documented or request.open
    if not documented and request is not None and name not in request.fields:
        return LedgerEntry("token_field", name, NEEDS_CONFIRMATION, "accepted, but not documented")
    return LedgerEntry("token_field", name, SUPPORTED, f"accepted (HTTP {ev.status})")


def _header_entry(name: str, ev: Evidence) -> LedgerEntry:
    lower = name.lower()
    if ev.status is None:
        return LedgerEntry("header", lower, NEEDS_CONFIRMATION, "no response")
    if not ev.headers_captured:
        return LedgerEntry("header", lower, NEEDS_CONFIRMATION, "headers not captured")
    if lower not in {k.lower() for k in ev.headers}:
        return LedgerEntry("header", lower, UNSUPPORTED, "absent from this response")
    facts = ev.contract.response if ev.contract else None
    if facts is not None and lower not in facts.headers:
        return LedgerEntry(
            "header", lower, NEEDS_CONFIRMATION, "present, but the contract does not document it"
        )
    return LedgerEntry("header", lower, SUPPORTED, "present")


def _status_entry(expected: frozenset[int], ev: Evidence, *, declared: bool) -> LedgerEntry:
    subject = ",".join(str(s) for s in sorted(expected))
    origin = "" if declared else " (probe default)"
    if ev.status is None:
        return LedgerEntry("status", subject, NEEDS_CONFIRMATION, "no response" + origin)
    if ev.status in expected:
        return LedgerEntry("status", subject, SUPPORTED, f"HTTP {ev.status}{origin}")
    return LedgerEntry("status", subject, UNSUPPORTED, f"HTTP {ev.status}{origin}")


def touches(finding: Finding, assumed: Collection[str]) -> bool:
    """The finding is about something the client reads (the path or one that holds it)."""
    if finding.path.startswith("header:"):
        return finding.path[len("header:") :] in assumed
    path = finding.path
    return any(
        path == a or (bool(path) and a.startswith(path) and a[len(path)] in ".[") for a in assumed
    )


def raise_touching(findings: list[Finding], assumptions: Assumptions | None) -> list[Finding]:
    """An assumption that breaks is always breaking."""
    if assumptions is None:
        return findings
    assumed = assumptions.assumed_paths | {h.lower() for h in assumptions.headers}
    out = []
    for f in findings:
        if (
            f.severity is not Severity.BREAKING
            and f.kind not in _NEVER_RAISED
            and f.severity is not Severity.INFO
            and touches(f, assumed)
        ):
            f = replace(f, severity=Severity.BREAKING, extra={**f.extra, "assumed": True})
        elif touches(f, assumed):
            f = replace(f, extra={**f.extra, "assumed": True})
        out.append(f)
    return out


def unexplained(ledger: list[LedgerEntry], findings: list[Finding]) -> list[Finding]:
    """``assumed-*`` findings for unsupported assumptions that no finding already explains."""
    out = []
    for entry in ledger:
        if entry.mark != UNSUPPORTED or entry.kind in ("status", "token_field"):
            continue
        subject = f"header:{entry.subject}" if entry.kind == "header" else entry.subject
        if any(
            f.severity is Severity.BREAKING and (f.path == subject or touches(f, {entry.subject}))
            for f in findings
        ):
            continue
        kind = {
            "path": "assumed-path-missing",
            "enum": "assumed-enum-value-unknown",
            "header": "assumed-header-missing",
        }[entry.kind]
        out.append(
            Finding(
                kind=kind,
                path=subject,
                severity=Severity.BREAKING,
                source=Source.EXPECTATION,
                message=f"the client reads `{entry.subject}`: {entry.reason}",
                before="assumed",
                after=entry.reason,
                extra={"assumed": True},
            )
        )
    return out
