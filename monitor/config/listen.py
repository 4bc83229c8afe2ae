"""The query API's listen address and token policy, checked the same way by ``config check``
and by the server (so a config that passes the check also starts)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
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


MIN_TOKEN_CHARS = 16


def token_notice(api: ApiConfig, token: str | None) -> str | None:
    """A short token is guessable; a warning now, an error from the next minor release."""
    if token is None or len(token) >= MIN_TOKEN_CHARS:
        return None
    return (
        f"the token in {api.token_env} has {len(token)} characters; use at least "
        f"{MIN_TOKEN_CHARS} (e.g. `openssl rand -hex 32`): shorter tokens will be refused "
        "from the next minor release"
    )


def tls_notice(api: ApiConfig, listen: Listen) -> str | None:
    """Off loopback, plain HTTP carries the API token in clear text."""
    if listen.is_loopback or api.behind_tls_proxy or (api.tls_cert_file and api.tls_key_file):
        return None
    return (
        f"the API on non-loopback address {api.listen} is plain HTTP: the token travels in "
        "clear text; set api.tls_cert_file and api.tls_key_file, or api.behind_tls_proxy: "
        "true when a TLS-terminating proxy or ingress is in front"
    )


def tls_problem(api: ApiConfig) -> str | None:
    if bool(api.tls_cert_file) != bool(api.tls_key_file):
        return "set both api.tls_cert_file and api.tls_key_file, or neither"
    return None


def check_api(
    api: ApiConfig,
    env: Mapping[str, str],
    err: Callable[..., None],
    secret: Callable[..., None],
    advise: Callable[..., None],
) -> None:
    """The API section's checks for ``config check``: errors, secrets, advisories."""
    try:
        listen = parse_listen(api.listen)
    except ValueError as exc:
        err(["api", "listen"], str(exc))
        return
    if (tls := tls_problem(api)) is not None:
        err(["api", "tls_cert_file"], tls)
    for key in ("tls_cert_file", "tls_key_file"):
        path = getattr(api, key)
        if path and not os.path.isfile(path):
            secret(["api", key], f"file {path} does not exist")
    if api.enabled:
        token = api_token(api, env)
        problem = token_problem(api, listen, token)
        if problem is not None:
            secret(["api", "token_env"], problem)  # refused: plain HTTP is the lesser news
        elif (clear := tls_notice(api, listen)) is not None:
            advise(["api", "listen"], clear)
        if (short := token_notice(api, token)) is not None:
            advise(["api", "token_env"], short)
