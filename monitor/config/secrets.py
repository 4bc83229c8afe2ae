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
from urllib.parse import parse_qsl, urlsplit

from monitor.config.schema import TargetConfig, WithHeaders
from monitor.errors import InvalidSecretError, SecretError

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
    """The target's key, read now (a rotation takes effect at the next run) and validated:
    ``SecretError`` when it cannot be read, ``InvalidSecretError`` when it is not one line
    of visible ASCII. Neither message ever holds the value."""
    if target.api_key_env:
        where = f"target {target_name!r}: environment variable {target.api_key_env}"
        value = env.get(target.api_key_env)
        if not value:
            raise SecretError(f"{where} is not set")
        return checked_key(value, where)
    if target.api_key_file:
        where = f"target {target_name!r}: api_key_file {target.api_key_file}"
        try:
            value = Path(target.api_key_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise SecretError(
                f"target {target_name!r}: cannot read api_key_file {target.api_key_file}: {reason}"
            ) from None
        if not value.strip():
            raise SecretError(f"{where} is empty")
        return checked_key(value, where)
    return None


def key_problem(target_name: str, target: TargetConfig, env: Mapping[str, str]) -> str | None:
    """Why the key that is there cannot be used (``config check``); None when it can, or when
    it is not there at all (a separate, softer issue)."""
    try:
        resolve_api_key(target_name, target, env)
    except InvalidSecretError as exc:
        return str(exc)
    except SecretError:
        return None
    return None


def checked_key(value: str, where: str) -> str:
    """``value`` without one trailing newline, if it is one line of visible ASCII.

    Anything else would go into a header: httpx refuses it with an error quoting the whole
    value (a rotated key noted on a second line included), and a CR LF would inject a
    header. So it is refused here, naming ``where`` and the kind of character, never the value.
    """
    line = value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")
    if not line:
        raise SecretError(f"{where} is empty")
    for char in line:
        if not "!" <= char <= "~":
            raise InvalidSecretError(
                f"{where} must hold one line of visible ASCII characters; it holds "
                f"{_describe(char)}"
            )
    return line


def _describe(char: str) -> str:
    if char in "\r\n":
        return "a line break (a second line, such as an old key noted below the new one?)"
    if char == " ":
        return "a space"
    if ord(char) < 32 or ord(char) == 127:
        return f"a control character (U+{ord(char):04X})"
    return "a character outside ASCII"


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
    values the config took from the environment (``WithHeaders.env_secrets``). The scrub
    itself covers their encoded forms (``core.policy.scrub``)."""
    masked = target.env_headers | probe.env_headers
    values = [api_key, *header_secrets(headers, masked), *(target.env_secrets | probe.env_secrets)]
    return list(dict.fromkeys(values))


def credential_secrets(
    api_key: str | None, headers: Mapping[str, str], target: WithHeaders, probe: WithHeaders
) -> list[str | None]:
    """The key and credential-header values: whole secrets, so an echo of their first 16+
    characters is a leak too (a ``Location`` cut short). ``${ENV}`` parts of a URL or body
    are not: they may be short words whose prefixes are ordinary text."""
    return [api_key, *header_secrets(headers, target.env_headers | probe.env_headers)]


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
