"""The one module that talks HTTP to targets (httpx stays behind it).

Guarantees, whatever the target does: a total deadline around the whole exchange, retries
included (httpx's read timeout is per read, so a server trickling one byte a second would
otherwise never time out); a capped body with a ``truncated`` flag; decompression done by us
with a cap, so a gzip bomb never expands in memory; no redirects followed (a redirect is
evidence, not a detour: it becomes a ``redirected`` failure); bounded retries with full jitter
decided by ``core.retry``, each attempt recorded with its offset from the run's start; SSE
read event by event with its timing; and a failure is a classified ``TransportFailure``,
never an exception. No spans here: the pipeline draws them from the attempt records.
"""

from __future__ import annotations

import asyncio
import logging
import random as pyrandom
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
from opentelemetry.trace import Span

from monitor.core.observation import AttemptRecord, Observation, StreamCapture, TransportFailure
from monitor.core.policy.inflate import Inflater
from monitor.core.policy.retry import RetryPolicy, decide, parse_retry_after
from monitor.core.shape.body import is_json_media_type
from monitor.core.stream.sse import SseEvent, SseParser, build_capture
from monitor.telemetry.logs import quiet_http_client_logs
from monitor.telemetry.tracing import traceparent_header

DEFAULT_BODY_CAP = 1024 * 1024
log = logging.getLogger("monitor.probes.transport")


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
    evidence_url: str | None = None  # ``url`` without credentials; defaults to ``url``
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    refusal: TransportFailure | None = None  # set by a kind that must not send this request
    key_fingerprint: str | None = None  # of the key this request carries, if any


def with_traceparent(request: PreparedRequest, span: Span) -> PreparedRequest:
    """The request with a W3C ``traceparent`` header (also kept in the evidence headers)."""
    value = traceparent_header(span)
    if value is None:
        return request
    return replace(
        request,
        headers={**request.headers, "traceparent": value},
        evidence_headers={**request.evidence_headers, "traceparent": value},
    )


@dataclass
class _Exchange:
    """One attempt as it goes; what is known survives a timeout half way."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    pieces: list[bytes] = field(default_factory=list)
    truncated: bool = False
    parser: SseParser | None = None
    events: list[SseEvent] = field(default_factory=list)
    offsets: list[float] = field(default_factory=list)
    began: float = 0.0

    @property
    def body(self) -> bytes:
        return b"".join(self.pieces)

    def capture(self, cut: bool) -> StreamCapture | None:
        parser = self.parser
        if parser is None:
            return None
        # A cut or capped stream's half event is our doing, not the target's: drop it.
        tail = parser.close() if not (cut or self.truncated) else []
        ended = (time.monotonic() - self.began) * 1000
        self.events.extend(tail)
        self.offsets.extend([ended] * len(tail))
        if not self.events and not parser.comments and not cut and not self.truncated:
            return None  # nothing SSE-like came back: judge it as a plain body
        return build_capture(
            self.events,
            self.offsets,
            comments=parser.comments,
            duration_ms=ended,
            cut_at_deadline=cut,
            media_type=self.headers.get("content-type", "").split(";")[0].strip().lower(),
            decode_error=parser.decode_error,
            unterminated=parser.unterminated,
            truncated=self.truncated,
        )


class HttpTransport:
    """One pooled ``httpx.AsyncClient`` per target. ``sleep`` and ``random`` are inputs so
    tests can check the waits between attempts without waiting."""

    def __init__(
        self,
        *,
        max_connections: int = 4,
        body_cap: int = DEFAULT_BODY_CAP,
        verify: ssl.SSLContext | str | bool = True,
        client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = pyrandom.random,
    ) -> None:
        quiet_http_client_logs()
        self.body_cap = body_cap
        self._sleep = sleep
        self._random = random
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
        deadline = began + request.deadline_s
        attempts: list[AttemptRecord] = []
        exchange, failure, stream = _Exchange(), request.refusal, None
        for number in range(1, request.retry.attempts + 1):
            if request.refusal is not None:
                break
            start = time.monotonic()
            exchange, failure = await self._exchange(request, deadline)
            stream = exchange.capture(cut=failure is not None and failure.kind == "timeout")
            elapsed = time.monotonic() - began
            retry_after = None
            if exchange.status in (429, 503):
                now = started_at + timedelta(seconds=elapsed)
                retry_after = parse_retry_after(exchange.headers.get("retry-after"), now)
            attempts.append(
                AttemptRecord(
                    number=number,
                    outcome="response" if failure is None else failure.kind,
                    status_code=exchange.status,
                    latency_ms=(time.monotonic() - start) * 1000,
                    error=None if failure is None else failure.message,
                    retry_after_s=retry_after,
                    started_ms=(start - began) * 1000,
                )
            )
            decision = decide(
                attempt=number,
                policy=request.retry,
                status=exchange.status,
                failure_retryable=None if failure is None else failure.retryable,
                retry_after_s=retry_after,
                remaining_s=deadline - time.monotonic(),
                deadline_s=request.deadline_s,
                random=self._random,
            )
            if not decision.retry:
                break
            log.info("probe %s: attempt %d: %s", probe, number, decision.reason)
            await self._sleep(decision.delay_s)
        return Observation(
            probe=probe,
            target=target,
            method=request.method,
            url=request.evidence_url or request.url,
            started_at=started_at,
            latency_ms=(time.monotonic() - began) * 1000,
            request_headers=dict(request.evidence_headers),
            request_body=request.evidence_body,
            status_code=exchange.status,
            response_headers=exchange.headers,
            body=exchange.body,
            body_truncated=exchange.truncated,
            failure=failure,
            attempts=tuple(attempts),
            stream=stream,
        )

    async def _exchange(
        self, request: PreparedRequest, deadline: float
    ) -> tuple[_Exchange, TransportFailure | None]:
        exchange = _Exchange(began=time.monotonic())
        remaining = max(deadline - exchange.began, 0.001)
        timeout = httpx.Timeout(remaining, connect=min(request.connect_timeout_s, remaining))
        try:
            async with asyncio.timeout(remaining):
                http_request = self._client.build_request(
                    request.method,
                    request.url,
                    headers={**request.headers, "accept-encoding": "gzip, deflate"},
                    json=request.json_body,
                    timeout=timeout,
                )
                response = await self._client.send(http_request, stream=True)
                try:
                    exchange.status = response.status_code
                    exchange.headers = {k.lower(): v for k, v in response.headers.items()}
                    await self._read(response, exchange, request.stream)
                finally:
                    await response.aclose()
        except TimeoutError:
            return exchange, _deadline_failure(request, exchange)
        except httpx.TimeoutException as exc:
            return exchange, TransportFailure(
                "timeout", f"{type(exc).__name__}: {exc or 'timed out'}"
            )
        except httpx.HTTPError as exc:
            failure = classify_http_error(exc)
            if exchange.events:  # half a stream was delivered: repeating it proves nothing new
                failure = replace(failure, retryable=False)
            return exchange, failure
        except ValueError as exc:  # a body that claims an encoding it does not have
            return exchange, TransportFailure("protocol-error", str(exc), retryable=False)
        return exchange, _redirect_failure(exchange)

    async def _read(self, response: httpx.Response, exchange: _Exchange, stream: bool) -> None:
        inflater = Inflater(exchange.headers.get("content-encoding"), self.body_cap)
        media = exchange.headers.get("content-type", "").split(";")[0].strip().lower()
        if stream and 200 <= response.status_code < 300 and not is_json_media_type(media):
            exchange.parser = SseParser()
        async for raw in response.aiter_raw():
            data = inflater.feed(raw)
            exchange.pieces.append(data)
            if exchange.parser is not None:
                events = exchange.parser.feed(data)
                if events:
                    exchange.events.extend(events)
                    offset = (time.monotonic() - exchange.began) * 1000
                    exchange.offsets.extend([offset] * len(events))
            if inflater.truncated:
                exchange.truncated = True
                return


def _deadline_failure(request: PreparedRequest, exchange: _Exchange) -> TransportFailure:
    if exchange.events:
        return TransportFailure(
            "timeout",
            f"the stream was still open at the {request.deadline_s:g}s deadline: cut after "
            f"{len(exchange.events)} event(s) without `data: [DONE]`",
            retryable=False,
        )
    stage = "headers" if exchange.status is None else f"the HTTP {exchange.status} body"
    return TransportFailure(
        "timeout", f"{stage} did not arrive within the {request.deadline_s:g}s deadline"
    )


def _redirect_failure(exchange: _Exchange) -> TransportFailure | None:
    status = exchange.status or 0
    if not 300 <= status < 400 or status == 304:
        return None
    location = exchange.headers.get("location", "(no location)")
    return TransportFailure(
        "redirected",
        f"HTTP {status} redirect to {location[:300]}: redirects are not followed; the "
        "configured base URL or path is not where the documented endpoint lives",
        retryable=False,
    )


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
    if isinstance(exc, httpx.LocalProtocolError):
        # Our own request is not valid HTTP: h11 quotes the offending header value, which is
        # a configured credential more often than not. Name the cause, never the text.
        return TransportFailure(
            "transport-error",
            "the request could not be sent: a header value is not valid HTTP (a line break or "
            "control character in a configured header?); the error text is withheld",
            retryable=False,
        )
    if isinstance(exc, httpx.RemoteProtocolError):
        return TransportFailure("protocol-error", f"the server broke the HTTP protocol: {text}")
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return TransportFailure("read-error", f"the connection failed mid-exchange: {text}")
    if isinstance(exc, httpx.DecodingError):
        return TransportFailure("protocol-error", f"undecodable body: {text}", retryable=False)
    return TransportFailure("transport-error", f"{type(exc).__name__}: {text}")
