"""What differs between two runs: status, outcome, served model, body shape and headers.

Used by ``monitor diff RUN_A RUN_B`` and ``monitor last-good PROBE``. Shape differences reuse the
baseline drift rules (``core.diff``) with run A as the "before". Header values that change on every
call (dates, request ids, rate-limit counters) are compared by presence only, so the diff shows
what changed in the contract, not in the weather.
"""

from __future__ import annotations

from typing import Any

from monitor.config.secrets import redact_headers
from monitor.core.shape.diff import diff_shapes
from monitor.core.shape.stats import Shape

VOLATILE_HEADERS = frozenset(
    {
        "date",
        "age",
        "expires",
        "last-modified",
        "etag",
        "content-length",
        "x-request-id",
        "request-id",
        "apim-request-id",
        "x-litellm-call-id",
        "cf-ray",
        "set-cookie",
        "traceparent",
        "openai-processing-ms",
        "x-envoy-upstream-service-time",
        "x-monitor-key-fingerprint",
    }
)
VOLATILE_PREFIXES = ("x-ratelimit-", "x-amzn-", "x-cloud-trace", "cf-")


def _volatile(name: str) -> bool:
    return name in VOLATILE_HEADERS or name.startswith(VOLATILE_PREFIXES)


def header_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    a = redact_headers({str(k): str(v) for k, v in (before or {}).items()})
    b = redact_headers({str(k): str(v) for k, v in (after or {}).items()})
    out: list[dict[str, Any]] = []
    for name in sorted(set(a) | set(b)):
        if name not in b:
            out.append({"header": name, "change": "removed", "before": a[name], "after": None})
        elif name not in a:
            out.append({"header": name, "change": "added", "before": None, "after": b[name]})
        elif a[name] != b[name] and not _volatile(name):
            out.append({"header": name, "change": "changed", "before": a[name], "after": b[name]})
    return out


def shape_changes(
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    recorded: list[dict[str, Any]] | None = None,
) -> list[Any]:
    """The shape rules with run A as the baseline. A change the later run recorded as a finding
    shows the severity it was recorded with (the probe's assumptions, enum paths and overrides
    raised or lowered it), so ``diff`` never contradicts ``show`` and the alert."""
    if not before or not after:
        return []
    findings = diff_shapes(Shape.from_json(before), Shape.from_json(after))
    severities = {(f["kind"], f["path"]): f["severity"] for f in recorded or []}
    out = []
    for f in findings:
        view = f.to_json()
        view["severity"] = severities.get((f.kind, f.path), view["severity"])
        out.append(view)
    return out


def diff_runs(
    run_a: dict[str, Any],
    evidence_a: dict[str, Any] | None,
    run_b: dict[str, Any],
    evidence_b: dict[str, Any] | None,
) -> dict[str, Any]:
    ev_a, ev_b = evidence_a or {}, evidence_b or {}
    fields = {}
    for key in ("status_code", "outcome", "served_model", "category", "verdict", "baseline_class"):
        if run_a.get(key) != run_b.get(key):
            fields[key] = {"before": run_a.get(key), "after": run_b.get(key)}
    for key in ("url", "method", "key_fingerprint", "system_fingerprint"):
        if ev_a.get(key) != ev_b.get(key):
            fields[key] = {"before": ev_a.get(key), "after": ev_b.get(key)}
    missing = [r["id"] for r, e in ((run_a, evidence_a), (run_b, evidence_b)) if not e]
    return {
        "run_a": run_a["id"],
        "run_b": run_b["id"],
        "fields": fields,
        "shape": shape_changes(ev_a.get("shape"), ev_b.get("shape"), run_b.get("findings")),
        "response_headers": header_changes(
            ev_a.get("response_headers") or {}, ev_b.get("response_headers") or {}
        ),
        "request_headers": header_changes(
            ev_a.get("request_headers") or {}, ev_b.get("request_headers") or {}
        ),
        "no_evidence": missing,
    }


def render_diff(diff: dict[str, Any]) -> str:
    lines = [f"diff {diff['run_a']} -> {diff['run_b']}"]
    for key, change in diff["fields"].items():
        lines.append(f"  {key}: {_shown(change['before'])} -> {_shown(change['after'])}")
    if diff["shape"]:
        lines.append("body shape:")
        for f in diff["shape"]:
            where = f["path"] or "(body)"
            lines.append(f"  {f['severity']:<8} {f['kind']} `{where}`: {f['message']}")
    for key, title in (
        ("response_headers", "response headers"),
        ("request_headers", "request headers"),
    ):
        if diff[key]:
            lines.append(f"{title}:")
            for h in diff[key]:
                before, after = _shown(h["before"]), _shown(h["after"])
                lines.append(f"  {h['change']:<8} {h['header']}: {before} -> {after}")
    if diff["no_evidence"]:
        lines.append("no evidence stored for: " + ", ".join(diff["no_evidence"]))
    if len(lines) == 1:
        lines.append("  no difference in status, shape or headers")
    return "\n".join(lines) + "\n"


def _shown(value: Any) -> str:
    return "(none)" if value is None else str(value)
