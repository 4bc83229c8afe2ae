"""Findings for observations that carry no usable answer, and what an error response names.

A transport failure, an unexpected status or a non-JSON media type ends the judgement of the
body: the run is ``fail`` and only the probe's health event moves. An error response that names
a parameter the probe sends (``error.param``, or the name quoted in ``error.message``) lets the
classifier tell "this field is now refused" from any other 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from monitor.core.model import Finding, Severity, Source
from monitor.core.observation import Observation
from monitor.core.shape.body import is_json_media_type

_QUOTED = re.compile(r"""['"`]([A-Za-z_][A-Za-z0-9_.]{0,63})['"`]""")


def failure_findings(observation: Observation, expected_status: frozenset[int]) -> list[Finding]:
    if observation.failure is not None:
        return [
            Finding(
                kind=observation.failure.kind,
                path="",
                severity=Severity.BREAKING,
                source=Source.TRANSPORT,
                message=observation.failure.message,
            )
        ]
    status = observation.status_code
    if status not in expected_status:
        expected = ", ".join(str(s) for s in sorted(expected_status))
        return [
            Finding(
                kind="status-changed",
                path="",
                severity=Severity.BREAKING,
                source=Source.EXPECTATION,
                message=f"HTTP {status}; the probe expects {expected}",
                before=sorted(expected_status),
                after=status,
            )
        ]
    if (
        observation.stream is None  # a stream's media type is judged by core.chunks
        and observation.body
        and not is_json_media_type(observation.media_type)
    ):
        return [
            Finding(
                kind="media-type-changed",
                path="",
                severity=Severity.BREAKING,
                source=Source.PARSER,
                message=f"content-type {observation.content_type or 'missing'!r} is not JSON",
                before="application/json",
                after=observation.media_type or None,
            )
        ]
    return []


def error_param(document: Any, sent: Mapping[str, Any]) -> str | None:
    """The request field an error envelope names, if the probe sent it."""
    if not isinstance(document, dict) or not isinstance(document.get("error"), dict):
        return None
    error = document["error"]
    param = error.get("param")
    if isinstance(param, str) and param in sent:
        return str(param)
    message = error.get("message")
    if isinstance(message, str):
        for name in _QUOTED.findall(message[:2000]):
            if name in sent:
                return str(name)
    return None


def name_param(finding: Finding, param: str) -> Finding:
    """A ``status-changed`` finding that says which field the error names (the probe sends it)."""
    if finding.kind != "status-changed":
        return finding
    return replace(
        finding,
        message=f"{finding.message}; the error names `{param}`, which the probe sends",
        extra={**finding.extra, "param": param},
    )
