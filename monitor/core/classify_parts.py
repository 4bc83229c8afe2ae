"""What classification rules are made of: the context a rule sees beyond the finding
(``ClassifyContext``), the rule record itself, and the predicates and verdicts the rule table in
``classify`` composes (a status among these, related paths, the evidence of baseline against
contract, a negative probe's refusal accepted).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from monitor.core.model import Category, Finding, Source, Verdict
from monitor.core.taxonomy import (
    REQUEST_REQUIRED_FIELD_MISSING,
    REQUEST_SCHEMA_VIOLATION,
    REQUEST_TYPE_MISMATCH,
    STATUS_CHANGED,
)


@dataclass(frozen=True)
class ClassifyContext:
    accepted_before: bool = False  # an active baseline exists: this request used to work
    status_code: int | None = None
    contract_configured: bool = False
    baseline_paths: frozenset[str] = frozenset()  # paths of baseline findings in this run
    contract_paths: frozenset[str] = frozenset()  # paths of response contract findings
    request_fields: frozenset[str] = frozenset()  # top-level fields the probe sends
    error_param: str | None = None  # the parameter an error response names
    # the key sent is not the one the last passing run sent (a rotation): a 401/403 may be ours
    key_changed: bool = False


Match = Callable[[Finding, ClassifyContext], bool]


@dataclass(frozen=True)
class Rule:
    name: str
    matches: Match
    category: Category
    verdict: Callable[[Finding, ClassifyContext], Verdict]
    verdict_text: str  # the verdict column of docs/findings.md


def status_of(f: Finding) -> int | None:
    return f.after if isinstance(f.after, int) and not isinstance(f.after, bool) else None


def status_in(*codes: int) -> Match:
    return lambda f, _c: f.kind == STATUS_CHANGED and status_of(f) in codes


def drift_if_accepted(otherwise: Verdict) -> Callable[[Finding, ClassifyContext], Verdict]:
    def verdict(_f: Finding, ctx: ClassifyContext) -> Verdict:
        return Verdict.DEPLOYMENT_DRIFT if ctx.accepted_before else otherwise

    return verdict


def always(verdict: Verdict) -> Callable[[Finding, ClassifyContext], Verdict]:
    return lambda _f, _ctx: verdict


def related(path: str, paths: Collection[str]) -> bool:
    for other in paths:
        if path == other:
            return True
        short, long = (path, other) if len(path) < len(other) else (other, path)
        if short and long.startswith(short) and long[len(short)] in ".[":
            return True
    return False


def in_usage(f: Finding) -> bool:
    return f.path == "usage" or f.path.startswith(("usage.", "usage["))


def by_evidence(f: Finding, ctx: ClassifyContext) -> Verdict:
    """Baseline vs contract: who moved, the deployment or the documentation?"""
    if f.source is Source.BASELINE:
        return Verdict.DEPLOYMENT_DRIFT
    if f.source is Source.CONTRACT:
        if related(f.path, ctx.baseline_paths):
            return Verdict.DEPLOYMENT_DRIFT
        return Verdict.DOCUMENTATION_DRIFT
    if related(f.path, ctx.contract_paths):
        return Verdict.DOCUMENTATION_DRIFT
    if related(f.path, ctx.baseline_paths):
        return Verdict.DEPLOYMENT_DRIFT
    return Verdict.CLIENT_BUG


def names_sent_param(f: Finding, ctx: ClassifyContext) -> bool:
    return (
        f.kind == STATUS_CHANGED
        and status_of(f) in (400, 422)
        and ctx.error_param is not None
        and ctx.error_param in ctx.request_fields
        and ctx.accepted_before
    )


REQUEST_SCHEMA_KINDS = frozenset(
    {REQUEST_REQUIRED_FIELD_MISSING, REQUEST_TYPE_MISMATCH, REQUEST_SCHEMA_VIOLATION}
)


def contract_only(f: Finding, ctx: ClassifyContext) -> bool:
    return f.source is Source.CONTRACT and not related(f.path, ctx.baseline_paths)


def negative_accepted(f: Finding, expected: frozenset[int]) -> bool:
    """A probe that expects a refusal (a bad key, a malformed body) got a 2xx."""
    before = f.before if isinstance(f.before, list) else []
    return (
        f.kind == STATUS_CHANGED
        and bool(before)
        and set(before) <= expected
        and 200 <= (status_of(f) or 0) < 300
    )
