"""The seed's "the response is parseable by your production parser", with the official SDK.

Optional (``pip install 'contract-monitor[openai]'`` and ``production_parser: openai`` on a
probe): each success body, stream chunk or model entry is validated with the ``openai``
package's pydantic response types, which is what an application on that SDK relies on. A
rejection is a ``parser-rejected`` finding naming the first failing path in shape notation
(``choices[].finish_reason``) and the SDK's reason. The SDK accepts unknown fields and
coerces numeric strings, so only what would really break such an application is reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from monitor.config.schema import ProbeConfig
from monitor.core.model import Finding, ResponseClass, Severity, Source

Subject = Literal["completion", "chunk", "model"]
MAX_FINDINGS = 3


def _validator(subject: Subject) -> Any:
    # Imported here: the SDK is an optional extra and takes a moment to import.
    from openai.types import Model
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    return {"completion": ChatCompletion, "chunk": ChatCompletionChunk, "model": Model}[subject]


def sdk_findings(subject: Subject, documents: Iterable[Any]) -> list[Finding]:
    """``parser-rejected`` findings for the documents the SDK type refuses (first few)."""
    from pydantic import ValidationError

    model = _validator(subject)
    out: list[Finding] = []
    seen: set[str] = set()
    for document in documents:
        try:
            model.model_validate(document)
        except ValidationError as exc:
            error = exc.errors()[0]
            path = shape_path(error.get("loc", ()), subject)
            if path in seen:
                continue
            seen.add(path)
            out.append(
                Finding(
                    kind="parser-rejected",
                    path=path,
                    severity=Severity.BREAKING,
                    source=Source.EXPECTATION,
                    message=f"the openai SDK's {model.__name__} rejects `{path}`: "
                    f"{error.get('msg', 'invalid')}",
                    after=_short(error.get("input")),
                    response_class=(
                        ResponseClass.CHUNK if subject == "chunk" else ResponseClass.SUCCESS
                    ),
                )
            )
            if len(out) >= MAX_FINDINGS:
                break
    return out


def shape_path(loc: Iterable[Any], subject: Subject) -> str:
    """('choices', 0, 'finish_reason') -> ``choices[].finish_reason`` (the shape notation)."""
    path = "data[]" if subject == "model" else ""
    for part in loc:
        if isinstance(part, int):
            path += "[]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _short(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value if not isinstance(value, str) else value[:80]
    return type(value).__name__


def sdk_completion_findings(
    probe: ProbeConfig, findings: list[Finding], document: Any
) -> list[Finding]:
    """The SDK's verdict on a completion when the probe asks for it (``production_parser``),
    unless a finding already says the body is no answer (``error-in-200``)."""
    if probe.production_parser != "openai" or any(f.kind == "error-in-200" for f in findings):
        return []
    return sdk_findings("completion", [document])
