"""Reading secrets and making sure they never travel further than the request itself.

A key is resolved from ``api_key_env`` or ``api_key_file`` when a request is built, sent in the
``Authorization`` header, and otherwise only ever appears as ``Bearer ***`` plus a fingerprint
(the first 8 hex characters of its SHA-256), so "the wrong key was loaded after rotation" stays
visible without the key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from monitor.config.schema import TargetConfig, WithHeaders
from monitor.errors import SecretError

REDACTED = "***"
SENSITIVE_HEADERS = frozenset(
    {"authorization", "api-key", "x-api-key", "proxy-authorization", "cookie", "set-cookie"}
)
# Gateways take credentials in headers of their own (helicone-auth, x-portkey-api-key,
# cf-aig-authorization, x-goog-api-key): a header whose name has one of these words is masked.
# Whole words only, so rate-limit headers such as x-ratelimit-remaining-tokens stay readable.
SENSITIVE_WORDS = frozenset(
    {
        "auth",
        "key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "credentials",
        "cookie",
        "signature",
        "session",
    }
)
VISIBLE_HEADERS = frozenset({"x-monitor-key-fingerprint"})  # ours: a hash, safe by design
_WORD = re.compile(r"[a-z0-9]+")


def key_fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


def resolve_api_key(target_name: str, target: TargetConfig, env: Mapping[str, str]) -> str | None:
    if target.api_key_env:
        value = env.get(target.api_key_env)
        if not value:
            raise SecretError(
                f"target {target_name!r}: environment variable {target.api_key_env} is not set"
            )
        return value.strip()
    if target.api_key_file:
        try:
            value = Path(target.api_key_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SecretError(
                f"target {target_name!r}: cannot read api_key_file {target.api_key_file}: "
                f"{exc.strerror}"
            ) from None
        if not value:
            raise SecretError(
                f"target {target_name!r}: api_key_file {target.api_key_file} is empty"
            )
        return value
    return None


def sensitive_header(name: str) -> bool:
    lower = name.lower()
    if lower in VISIBLE_HEADERS:
        return False
    return (
        lower in SENSITIVE_HEADERS
        or "auth" in lower
        or not SENSITIVE_WORDS.isdisjoint(_WORD.findall(lower))
    )


def redact_headers(
    headers: Mapping[str, str], key: str | None = None, masked: frozenset[str] = frozenset()
) -> dict[str, str]:
    """``headers`` as evidence may keep them: credentials masked by name, ``masked`` names
    (values that came from the environment) masked whatever they are called, the key masked
    wherever it appears."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower in masked or sensitive_header(lower):
            # the scheme stays readable: "Basic" where "Bearer" was expected is a finding
            scheme, _ = _credential(value)
            out[lower] = f"{scheme} {REDACTED}" if scheme else REDACTED
        elif key and key in value:
            out[lower] = value.replace(key, REDACTED)
        else:
            out[lower] = value
    return out


def header_secrets(headers: Mapping[str, str], masked: frozenset[str] = frozenset()) -> list[str]:
    """The values evidence masks (credentials by name, ``masked`` names): secrets to scrub
    wherever an upstream might echo them, like the API key."""
    values = []
    for name, value in headers.items():
        lower = name.lower()
        if lower in masked or sensitive_header(lower):
            values.append(_credential(value)[1])
    return values


def run_secrets(
    api_key: str | None, headers: Mapping[str, str], target: WithHeaders, probe: WithHeaders
) -> list[str | None]:
    """Everything a run must scrub from what it observes: the key, credential headers and the
    values the config took from the environment (``WithHeaders.env_secrets``)."""
    masked = target.env_headers | probe.env_headers
    values = [api_key, *header_secrets(headers, masked), *(target.env_secrets | probe.env_secrets)]
    # A value in a URL is recorded percent-encoded (``==`` as ``%3D%3D``): scrub those forms too.
    encoded = [form for v in values if v for form in (quote(v), quote(v, safe=""), quote_plus(v))]
    return list(dict.fromkeys([*values, *encoded]))


def url_secret_parts(base_url: str, value: str) -> list[str]:
    """The parts of ``value`` (a ``${ENV}`` expansion inside ``base_url``) to scrub: only what
    falls in the URL's path and query, where gateways put account tokens. The scheme and host
    stay readable, so an incident shows which host was called (userinfo is refused outright)."""
    at = base_url.find(value)
    if not value or at < 0:
        return [value] if value else []
    parts = urlsplit(base_url)
    host_end = len(f"{parts.scheme}://{parts.netloc}") if parts.netloc else 0
    if at >= host_end:
        return [value]
    rest = base_url[host_end : at + len(value)]
    path, _, query = rest.partition("?")
    out = [path.strip("/")] if path.strip("/") else []
    if query:
        out.append(query)
        out.extend(v for _, v in parse_qsl(query) if v)
    return out


def _credential(value: str) -> tuple[str | None, str]:
    """``Bearer X`` -> ("Bearer", "X"); anything else is the secret whole, with no scheme."""
    scheme, _, rest = value.partition(" ")
    if scheme.lower() in ("bearer", "basic") and rest.strip():
        return scheme.capitalize(), rest.strip()
    return None, value
