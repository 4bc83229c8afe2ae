"""The evidence rules of classification: who moved, the deployment or the documentation?

Differs from the baseline but matches the contract -> deployment drift; matches the baseline
but violates the contract -> documentation drift; differs from both -> deployment drift.
Paths are related when one is the other or lies under it (``usage`` and ``usage.total``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from monitor.core.model import Finding, Source, Verdict


class PathEvidence(Protocol):
    @property
    def baseline_paths(self) -> frozenset[str]: ...

    @property
    def contract_paths(self) -> frozenset[str]: ...


def related(path: str, paths: Collection[str]) -> bool:
    for other in paths:
        if path == other:
            return True
        short, long = (path, other) if len(path) < len(other) else (other, path)
        if short and long.startswith(short) and long[len(short)] in ".[":
            return True
    return False


def by_evidence(f: Finding, ctx: PathEvidence) -> Verdict:
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


def contract_only(f: Finding, ctx: PathEvidence) -> bool:
    return f.source is Source.CONTRACT and not related(f.path, ctx.baseline_paths)
