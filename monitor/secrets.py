"""Reading secrets and making sure they never travel further than the request itself.

A key is resolved from ``api_key_env`` or ``api_key_file`` when a request is built, sent in the
``Authorization`` header, and otherwise only ever appears as ``Bearer ***`` plus a fingerprint
(the first 8 hex characters of its SHA-256), so "the wrong key was loaded after rotation" stays
visible without the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from monitor.config.schema import TargetConfig
from monitor.errors import SecretError

REDACTED = "***"
SENSITIVE_HEADERS = frozenset(
    {"authorization", "api-key", "x-api-key", "proxy-authorization", "cookie", "set-cookie"}
)


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


def redact_headers(headers: Mapping[str, str], key: str | None = None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower == "authorization" and value.lower().startswith("bearer "):
            out[lower] = f"Bearer {REDACTED}"
        elif lower in SENSITIVE_HEADERS:
            out[lower] = REDACTED
        elif key and key in value:
            out[lower] = value.replace(key, REDACTED)
        else:
            out[lower] = value
    return out
