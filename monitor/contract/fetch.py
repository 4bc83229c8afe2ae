"""Fetching a contract document by URL, as a hostile server might answer.

A 200 MB gzip bomb reached 528 MB of memory before the old size check, a server trickling a
byte every few seconds kept ``config check`` waiting forever, and a 307 to another port was
followed. Here the body is streamed and inflated by ``core.policy.inflate`` under one cap
(compressed and inflated bytes both), the whole fetch has a deadline, and a redirect is
followed only within the URL's own origin (scheme, host and port).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from monitor.core.policy.inflate import Inflater

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
DEADLINE_S = 20.0
READ_TIMEOUT_S = 5.0  # a stalled read ends the fetch even between deadline checks
MAX_REDIRECTS = 5


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


def fetch_url(
    url: str,
    *,
    cap: int = MAX_DOCUMENT_BYTES,
    deadline_s: float = DEADLINE_S,
    clock: Callable[[], float] = time.monotonic,
) -> bytes:
    """The document's bytes; ValueError (or an httpx error) saying why not."""
    deadline = clock() + deadline_s
    current = httpx.URL(url)
    origin = _origin(current)
    timeout = httpx.Timeout(min(READ_TIMEOUT_S, deadline_s))
    headers = {"accept-encoding": "gzip, deflate"}  # what ``Inflater`` decodes
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            with client.stream("GET", current, headers=headers) as response:
                if response.is_redirect:
                    target = current.join(response.headers.get("location", ""))
                    if _origin(target) != origin:
                        scheme, host, port = _origin(target)
                        raise ValueError(
                            f"redirected to another origin ({scheme}://{host}:{port}): "
                            "configure the document's final URL"
                        )
                    current = target
                    continue
                response.raise_for_status()
                return _read_capped(response, cap, deadline, deadline_s, clock)
    raise ValueError(f"more than {MAX_REDIRECTS} redirects")


def _read_capped(
    response: httpx.Response,
    cap: int,
    deadline: float,
    deadline_s: float,
    clock: Callable[[], float],
) -> bytes:
    inflater = Inflater(response.headers.get("content-encoding"), cap)
    received, parts = 0, []
    for raw in response.iter_raw():
        received += len(raw)
        if received > cap:
            raise ValueError(f"larger than {cap} bytes")
        parts.append(inflater.feed(raw))
        if inflater.truncated:
            raise ValueError(f"larger than {cap} bytes once decompressed")
        if clock() > deadline:
            raise ValueError(f"not fetched within {deadline_s:g}s")
    return b"".join(parts)
