"""Probe kinds: one module per kind, one registry line per kind (``KINDS`` here). The
interface and the request builder (``base``), the checks every kind shares (``shared_checks``),
a probe's config as the judge's ``ProbeSpec`` (``spec``), the token cost of a run (``cost``), the
optional openai SDK check (``sdk_parser``) and the HTTP transport (``transport``: the only
module that probes with httpx).

May import: ``core``, ``config``, ``telemetry`` (quiet HTTP logs, the ``traceparent`` header)
and the root's modules. Never contract, storage, runner or anything above.
"""

from __future__ import annotations

from monitor.config.schema import Config, ProbeConfig
from monitor.probes.base import NO_CONTEXT, ProbeContext, ProbeKind, request_hash
from monitor.probes.chat_completion import ChatCompletion
from monitor.probes.chat_stream import ChatCompletionStream
from monitor.probes.http import Http
from monitor.probes.models import Models
from monitor.probes.negative import AuthRejection, RequestValidation
from monitor.probes.token_field import TokenField

KINDS: dict[str, ProbeKind] = {
    ChatCompletion.name: ChatCompletion(),
    ChatCompletionStream.name: ChatCompletionStream(),
    Models.name: Models(),
    AuthRejection.name: AuthRejection(),
    RequestValidation.name: RequestValidation(),
    TokenField.name: TokenField(),
    Http.name: Http(),
}
MODEL_KINDS = frozenset({"chat_completion", "chat_completion_stream", "token_field"})


def kind_for(name: str) -> ProbeKind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotImplementedError(f"probe kind {name!r} is not implemented yet") from None


def context_for(probe: ProbeConfig, config: Config) -> ProbeContext:
    """The models the probes of ``probe``'s target send (for ``models`` and negative kinds)."""
    models = sorted(
        {
            p.model
            for p in config.probes
            if p.target == probe.target and p.kind in MODEL_KINDS and p.model
        }
    )
    return ProbeContext(models_in_use=tuple(models))


__all__ = [
    "KINDS",
    "NO_CONTEXT",
    "ProbeContext",
    "ProbeKind",
    "context_for",
    "kind_for",
    "request_hash",
]
