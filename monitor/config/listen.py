"""The query API's listen address and token policy, checked the same way by ``config check``
and by the server (so a config that passes the check also starts)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic is not for `monitor healthcheck`, which only parses an address
    from monitor.config.schema import ApiConfig


@dataclass(frozen=True)
class Listen:
    host: str
    port: int

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def connect_host(self) -> str:
        """Where a local client (``monitor healthcheck``) connects to reach this listener."""
        return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)


def parse_listen(text: str) -> Listen:
    """``host:port``, ``[v6]:port`` or ``:port`` (every interface); ValueError otherwise."""
    host, sep, port_text = text.strip().rpartition(":")
    if not sep or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"invalid listen address {text!r}: use host:port, e.g. 127.0.0.1:8080")
    host = host.strip("[]") if host.startswith("[") else host
    return Listen(host or "0.0.0.0", int(port_text))


def api_token(api: ApiConfig, env: Mapping[str, str]) -> str | None:
    if not api.token_env:
        return None
    value = env.get(api.token_env, "").strip()
    return value or None


def token_problem(api: ApiConfig, listen: Listen, token: str | None) -> str | None:
    """Why serving ``listen`` with ``token`` is refused (a non-loopback API needs a token)."""
    if token is not None or listen.is_loopback:
        return None
    where = f"set {api.token_env}" if api.token_env else "set api.token_env and that variable"
    return (
        f"refusing to serve the API on non-loopback address {api.listen} without a token: "
        f"{where}, or listen on 127.0.0.1"
    )
