"""Sending a JSON alert over HTTP (PagerDuty, generic webhooks) and reading the answer as
"delivered", "try again later" or "this will never work".

Transient: connection errors and timeouts, 408, 425, 429 (with ``Retry-After``) and 5xx.
Permanent: every other 4xx (a 404 webhook, a rejected routing key, an invalid payload) — the
outbox stops retrying and surfaces it. Secrets (a URL holding a token, a signing secret) are
scrubbed from every message so they never reach logs or the database.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from monitor.core.policy.redact import scrub
from monitor.core.policy.retry import parse_retry_after
from monitor.errors import DeliveryError
from monitor.telemetry.logs import quiet_http_client_logs

TRANSIENT_STATUS = frozenset({408, 425, 429})
BODY_EXCERPT = 200
SINK_TIMEOUT_S = 10.0
# The sinks' HTTP client type: sinks import it from here, so httpx (no release since 0.28.1)
# stays behind two modules, this one for alerts and ``monitor.probes.transport`` for probes.
HttpClient = httpx.Client


def new_client(timeout_s: float = SINK_TIMEOUT_S) -> HttpClient:
    """A client for a sink: no redirects (a moved webhook is a finding for its owner)."""
    quiet_http_client_logs()  # a webhook's URL may hold its token
    return httpx.Client(timeout=timeout_s, follow_redirects=False)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: the probes' parser (``core.policy.retry``); the dispatcher
    caps what a sink asks for at ``alerts.max_retry_after``."""
    return parse_retry_after(value, now or datetime.now(UTC))


def classify_status(
    what: str, status: int, body: str, headers: Mapping[str, str], secrets: Sequence[str]
) -> DeliveryError | None:
    """None for 2xx, else the error to raise (permanent or not)."""
    if 200 <= status < 300:
        return None
    excerpt = scrub(body.strip()[:BODY_EXCERPT], list(secrets))
    message = f"{what} answered HTTP {status}" + (f": {excerpt}" if excerpt else "")
    if status in TRANSIENT_STATUS or status >= 500:
        retry = retry_after_seconds(headers.get("retry-after")) if status in (429, 503) else None
        return DeliveryError(message, permanent=False, retry_after=retry)
    return DeliveryError(message, permanent=True)


def post_json(
    client: httpx.Client,
    what: str,
    url: str,
    body: dict[str, Any],
    *,
    headers: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
) -> httpx.Response:
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    return post_bytes(client, what, url, data, headers=headers, secrets=secrets)


def post_bytes(
    client: httpx.Client,
    what: str,
    url: str,
    data: bytes,
    *,
    headers: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
) -> httpx.Response:
    sent = {"content-type": "application/json", **(headers or {})}
    try:
        response = client.post(url, content=data, headers=sent)
    except httpx.HTTPError as exc:
        text = scrub(f"{type(exc).__name__}: {exc}", list(secrets))
        raise DeliveryError(f"{what}: {text}", permanent=False) from None
    error = classify_status(what, response.status_code, response.text, response.headers, secrets)
    if error is not None:
        raise error
    return response
