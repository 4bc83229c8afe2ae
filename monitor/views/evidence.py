"""The full, redacted evidence of one run: what ``monitor show`` prints and
``/api/v1/runs/{id}`` returns (``run`` is ``runview.run_view``; ``evidence`` is added).

Evidence is redacted when written; headers are passed through ``redact_headers`` again on the way
out so a sensitive header name can never reach a screen. Bodies are shown as text up to
``BODY_SHOWN`` bytes (the stored body is already capped).
"""

from __future__ import annotations

from typing import Any

from monitor.config.secrets import redact_headers
from monitor.config.timeparse import iso_z
from monitor.views.run import run_view

BODY_SHOWN = 64 * 1024


def evidence_view(evidence: dict[str, Any] | None) -> dict[str, Any] | None:
    if evidence is None:
        return None
    body = evidence.get("body") or b""
    return {
        "method": evidence.get("method"),
        "url": evidence.get("url"),
        "key_fingerprint": evidence.get("key_fingerprint"),
        "request_headers": redact_headers(evidence.get("request_headers") or {}),
        "request_body": evidence.get("request_body"),
        "response_headers": redact_headers(evidence.get("response_headers") or {}),
        "body": body[:BODY_SHOWN].decode("utf-8", "replace"),
        "body_size": evidence.get("body_size"),
        "body_truncated": bool(evidence.get("body_truncated")) or len(body) > BODY_SHOWN,
        "attempts": evidence.get("attempts") or [],
        "usage": evidence.get("usage"),
        "system_fingerprint": evidence.get("system_fingerprint"),
        "monitor_version": evidence.get("monitor_version"),
        "ledger": evidence.get("ledger"),
        "contract": evidence.get("contract"),
        "stream": evidence.get("stream"),
        "shape": evidence.get("shape"),
    }


def run_detail(row: dict[str, Any], evidence: dict[str, Any] | None) -> dict[str, Any]:
    view = run_view(row)
    view["finished_at"] = iso_z(row.get("finished_at"))
    view["span_id"] = row.get("span_id")
    view["served_model"] = row.get("served_model")
    view["prompt_tokens"] = row.get("prompt_tokens")
    view["completion_tokens"] = row.get("completion_tokens")
    view["config_hash"] = row.get("config_hash")
    view["evidence"] = evidence_view(evidence)
    return view
