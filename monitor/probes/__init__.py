"""Probe kinds: one module per kind, one registry line per kind."""

from __future__ import annotations

from monitor.probes.base import ProbeKind, request_hash
from monitor.probes.chat_completion import ChatCompletion

KINDS: dict[str, ProbeKind] = {
    ChatCompletion.name: ChatCompletion(),
}


def kind_for(name: str) -> ProbeKind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotImplementedError(f"probe kind {name!r} is not implemented yet") from None


__all__ = ["KINDS", "ProbeKind", "kind_for", "request_hash"]
