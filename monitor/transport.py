"""The one module that talks HTTP to targets (httpx stays behind it).

Guarantees, whatever the target does: a total deadline around the whole exchange (httpx's read
timeout is per read, so a server trickling one byte a second would otherwise never time out);
a capped body with a ``truncated`` flag; decompression done by us with a cap, so a gzip bomb
never expands in memory; no redirects followed (a redirect is evidence, not a detour); and a
failure is a classified ``TransportFailure``, never an exception.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from monitor.core.observation import AttemptRecord, Observation, TransportFailure

DEFAULT_BODY_CAP = 1024 * 1024


@dataclass(frozen=True)
class PreparedRequest:
    """A request ready to send. ``headers`` may hold the secret; the ``evidence_*`` never do."""

    method: str
    url: str
    headers: Mapping[str, str]
    json_body: Any = None
    evidence_headers: Mapping[str, str] = field(default_factory=dict)
    evidence_body: Any = None
    deadline_s: float = 30.0
    connect_timeout_s: float = 5.0
    stream: bool = False


class HttpTransport:
    """One pooled ``httpx.AsyncClient`` per target."""

    def __init__(
        self,
        *,
        max_connections: int = 4,
        body_cap: int = DEFAULT_BODY_CAP,
        verify: ssl.SSLContext | str | bool = True,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.body_cap = body_cap
        self._client = client or httpx.AsyncClient(
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            follow_redirects=False,
            verify=verify,
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(
        self, request: PreparedRequest, *, probe: str, target: str, started_at: datetime
    ) -> Observation:
        began = time.monotonic()
        status: int | None = None
        headers: dict[str, str] = {}
        body = b""
        truncated = False
        failure: TransportFailure | None = None
        timeout = httpx.Timeout(request.deadline_s, connect=request.connect_timeout_s)
        try:
            async with asyncio.timeout(request.deadline_s):
                http_request = self._client.build_request(
                    request.method,
                    request.url,
                    headers={**request.headers, "accept-encoding": "gzip, deflate"},
                    json=request.json_body,
                    timeout=timeout,
                )
                response = await self._client.send(http_request, stream=True)
                try:
                    status = response.status_code
                    headers = {k.lower(): v for k, v in response.headers.items()}
                    raw, truncated = await self._read_capped(response)
                finally:
                    await response.aclose()
                body, truncated = decode_body(
                    raw, headers.get("content-encoding"), self.body_cap, truncated
                )
        except TimeoutError:
            failure = TransportFailure(
                "timeout", f"no complete response within the {request.deadline_s:g}s deadline"
            )
        except httpx.TimeoutException as exc:
            failure = TransportFailure("timeout", f"{type(exc).__name__}: {exc or 'timed out'}")
        except httpx.HTTPError as exc:
            failure = classify_http_error(exc)
        except ValueError as exc:  # a body that claims an encoding it does not have
            failure = TransportFailure(
                "protocol-error", f"undecodable body: {exc}", retryable=False
            )
        latency_ms = (time.monotonic() - began) * 1000
        attempt = AttemptRecord(
            number=1,
            outcome="response" if failure is None else failure.kind,
            status_code=status if failure is None else None,
            latency_ms=latency_ms,
            error=None if failure is None else failure.message,
        )
        return Observation(
            probe=probe,
            target=target,
            method=request.method,
            url=request.url,
            started_at=started_at,
            latency_ms=latency_ms,
            request_headers=dict(request.evidence_headers),
            request_body=request.evidence_body,
            status_code=status if failure is None else None,
            response_headers=headers,
            body=body,
            body_truncated=truncated,
            failure=failure,
            attempts=(attempt,),
        )

    async def _read_capped(self, response: httpx.Response) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_raw():
            chunks.append(chunk)
            size += len(chunk)
            if size > self.body_cap:
                return b"".join(chunks)[: self.body_cap], True
        return b"".join(chunks), False


def decode_body(raw: bytes, encoding: str | None, cap: int, truncated: bool) -> tuple[bytes, bool]:
    """Inflate ``raw`` ourselves with ``max_length`` so output never exceeds ``cap``."""
    coding = (encoding or "identity").strip().lower()
    if coding in ("", "identity"):
        return raw, truncated
    if coding not in ("gzip", "x-gzip", "deflate"):
        raise ValueError(f"unsupported content-encoding {coding!r}")
    wbits = 16 + zlib.MAX_WBITS if "gzip" in coding else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(raw, cap + 1)
    except zlib.error as exc:
        if truncated:
            return b"", True
        raise ValueError(str(exc)) from None
    if len(out) > cap or inflater.unconsumed_tail:
        return out[:cap], True
    return out, truncated


def classify_http_error(exc: httpx.HTTPError) -> TransportFailure:
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if isinstance(exc, httpx.ConnectError):
        if any(
            s in lowered
            for s in ("name or service", "nodename", "getaddrinfo", "name resolution", "no address")
        ):
            return TransportFailure("dns-failure", f"DNS lookup failed: {text}", retryable=True)
        if "ssl" in lowered or "certificate" in lowered or "tls" in lowered:
            return TransportFailure("tls-error", f"TLS handshake failed: {text}", retryable=False)
        return TransportFailure("connect-refused", f"cannot connect: {text}")
    if isinstance(exc, httpx.RemoteProtocolError):
        return TransportFailure("protocol-error", f"the server broke the HTTP protocol: {text}")
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return TransportFailure("read-error", f"the connection failed mid-exchange: {text}")
    if isinstance(exc, httpx.DecodingError):
        return TransportFailure("protocol-error", f"undecodable body: {text}", retryable=False)
    return TransportFailure("transport-error", f"{type(exc).__name__}: {text}")
