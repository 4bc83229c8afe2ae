"""Who may see the pages, and the headers every page carries.

The pages hold redacted evidence, so they follow the API's policy: without ``api.token_env`` the
listener is loopback-only and the pages are open; with a token, a request is let in by the API's
``Authorization: Bearer`` header or by a session cookie the login form sets. The cookie is
``v1.<expiry>.<mac>``, HMAC-SHA256 under a key derived from the token, so rotating the token logs
everyone out and nothing secret is stored in the browser. Forms that change state carry a CSRF
token derived from the session; the cookie is ``SameSite=Strict`` as a second fence.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "monitor_session"
SESSION_LIFETIME = timedelta(hours=12)
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _key(token: str) -> bytes:
    return hashlib.sha256(b"contract-monitor ui session\0" + token.encode("utf-8")).digest()


def _mac(token: str, message: str) -> str:
    return hmac.new(_key(token), message.encode("ascii"), hashlib.sha256).hexdigest()


def session_value(token: str, now: datetime) -> str:
    expiry = int((now + SESSION_LIFETIME).timestamp())
    return f"v1.{expiry}.{_mac(token, f'v1.{expiry}')}"


def session_valid(token: str, value: str, now: datetime) -> bool:
    parts = value.split(".")
    if len(parts) != 3 or parts[0] != "v1" or not parts[1].isdigit():
        return False
    expected = _mac(token, f"v1.{parts[1]}")
    return hmac.compare_digest(parts[2], expected) and int(parts[1]) > now.timestamp()


def token_matches(token: str, given: str) -> bool:
    return hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), token.encode("utf-8")
    )


def bearer_ok(token: str, request: Request) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and token_matches(token, value)


def authorized(token: str | None, request: Request, now: datetime) -> bool:
    if token is None:
        return True
    if bearer_ok(token, request):
        return True
    cookie = request.cookies.get(COOKIE)
    return cookie is not None and session_valid(token, cookie, now)


def csrf_token(token: str | None, request: Request) -> str:
    """Bound to the session (or, without a token, to a fixed key): a form from another site
    cannot know it."""
    if token is None:
        return _mac("no-token-loopback", "csrf")
    return _mac(token, "csrf." + request.cookies.get(COOKIE, ""))


def csrf_ok(token: str | None, request: Request, given: str) -> bool:
    return hmac.compare_digest(given, csrf_token(token, request))


def secure_cookie(request: Request, base_url: str | None) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return (
        request.url.scheme == "https"
        or forwarded.lower() == "https"
        or bool(base_url and base_url.startswith("https://"))
    )


def set_session(response: Response, value: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


def with_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
