"""``HttpTransport`` retry discipline and limits, on ``httpx.MockTransport`` (no sockets).

Waits are recorded by an injected ``sleep`` instead of being slept, and jitter is fixed by an
injected ``random``, so every test is exact and instant.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from monitor.core.observation import Observation
from monitor.core.policy.retry import RetryPolicy
from monitor.probes.transport import HttpTransport, PreparedRequest

NOW = datetime(2026, 5, 8, 14, 0, tzinfo=UTC)
URL = "http://provider.test/v1/chat/completions"
OK = {"id": "x", "choices": []}


def send(
    handler: Callable[[httpx.Request], httpx.Response],
    request: PreparedRequest | None = None,
    body_cap: int = 1024 * 1024,
) -> tuple[Observation, list[float], int]:
    waits: list[float] = []
    calls = 0

    def counting(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return handler(request)

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def go() -> Observation:
        client = httpx.AsyncClient(transport=httpx.MockTransport(counting))
        transport = HttpTransport(client=client, sleep=sleep, random=lambda: 0.5, body_cap=body_cap)
        try:
            return await transport.send(
                request or PreparedRequest("POST", URL, {}, json_body={}),
                probe="p",
                target="t",
                started_at=NOW,
            )
        finally:
            await transport.aclose()

    return asyncio.run(go()), waits, calls


Reply = tuple[int, dict[str, object]]


def reply(status: int, **kwargs: object) -> Reply:
    return status, kwargs


def sequence(*replies: Reply) -> Callable[[httpx.Request], httpx.Response]:
    """Answers the replies in order, repeating the last (a fresh Response each time)."""
    queue = list(replies)

    def handler(request: httpx.Request) -> httpx.Response:
        status, kwargs = queue.pop(0) if len(queue) > 1 else queue[0]
        headers = dict(kwargs.get("headers") or {})
        content = kwargs.get("content", b"")
        if "json" in kwargs:
            content = json.dumps(kwargs["json"]).encode()
            headers.setdefault("content-type", "application/json")
        # A stream, not ``content=``: a Response built with content counts as already read,
        # and the transport reads raw bytes (as from a socket).
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))

    return handler


def test_a_503_then_a_200_is_two_attempts_with_a_jittered_wait() -> None:
    obs, waits, calls = send(sequence(reply(503, json={}), reply(200, json=OK)))
    assert (obs.status_code, calls, waits) == (200, 2, [0.25])
    first, second = obs.attempts
    assert (first.number, first.outcome, first.status_code) == (1, "response", 503)
    assert (second.number, second.status_code) == (2, 200)
    assert second.started_ms >= first.started_ms + first.latency_ms
    assert obs.failure is None


def test_401_is_never_retried() -> None:
    obs, waits, calls = send(sequence(reply(401, json={"error": {}})))
    assert (obs.status_code, calls, waits, len(obs.attempts)) == (401, 1, [], 1)


def test_server_errors_stop_after_the_configured_attempts() -> None:
    request = PreparedRequest("POST", URL, {}, retry=RetryPolicy(attempts=4, backoff_s=0.1))
    obs, waits, calls = send(sequence(reply(500, json={})), request)
    assert calls == 4
    assert waits == [0.05, 0.1, 0.2]
    assert [a.status_code for a in obs.attempts] == [500, 500, 500, 500]


def test_retry_after_within_the_deadline_is_waited_for() -> None:
    limited = reply(429, headers={"retry-after": "2"}, json={})
    obs, waits, _ = send(sequence(limited, reply(200, json=OK)))
    assert waits == [2.0]
    assert obs.attempts[0].retry_after_s == 2.0
    assert obs.status_code == 200


def test_a_429_with_retry_after_a_day_is_returned_at_once() -> None:
    limited = reply(429, headers={"retry-after": "86400"}, json={})
    obs, waits, calls = send(sequence(limited))
    assert (obs.status_code, calls, waits) == (429, 1, [])
    assert obs.attempts[0].retry_after_s == 86400.0


def test_connection_failures_are_retried_then_reported_as_a_failure() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    obs, waits, calls = send(refuse)
    assert calls == 3
    assert waits == [0.25, 0.5]
    assert obs.failure is not None
    assert obs.failure.kind == "connect-refused"
    assert [a.outcome for a in obs.attempts] == ["connect-refused"] * 3
    assert obs.status_code is None


def test_a_redirect_is_not_followed_and_becomes_a_redirected_failure() -> None:
    moved = reply(301, headers={"location": "http://127.0.0.2/v1/chat/completions"})
    obs, _, calls = send(sequence(moved))
    assert calls == 1
    assert obs.status_code == 301
    assert obs.failure is not None
    assert obs.failure.kind == "redirected"
    assert "http://127.0.0.2/v1/chat/completions" in obs.failure.message


def test_a_refused_request_is_never_sent() -> None:
    from monitor.core.observation import TransportFailure

    refusal = TransportFailure("key-in-query-string", "not sent", retryable=False)
    request = PreparedRequest("POST", URL, {}, refusal=refusal, evidence_url=URL + "?key=***")
    obs, _, calls = send(sequence(reply(200, json=OK)), request)
    assert calls == 0
    assert obs.failure == refusal
    assert obs.url.endswith("?key=***")
    assert obs.attempts == ()


def test_gzip_is_inflated_by_us_and_a_bomb_stops_at_the_cap() -> None:
    small = gzip.compress(b'{"id": "x", "choices": []}')
    obs, _, _ = send(sequence(reply(200, content=small, headers={"content-encoding": "gzip"})))
    assert obs.body == b'{"id": "x", "choices": []}'
    assert not obs.body_truncated
    bomb = gzip.compress(bytes(8 * 1024 * 1024))
    obs, _, _ = send(
        sequence(reply(200, content=bomb, headers={"content-encoding": "gzip"})),
        body_cap=64 * 1024,
    )
    assert len(obs.body) == 64 * 1024
    assert obs.body_truncated


def test_a_body_that_is_not_the_gzip_it_claims_is_a_protocol_error_not_an_exception() -> None:
    fake = reply(200, content=b"plain text", headers={"content-encoding": "gzip"})
    obs, _, calls = send(sequence(fake))
    assert calls == 1
    assert obs.failure is not None
    assert obs.failure.kind == "protocol-error"


def test_a_stream_request_reads_events_with_their_timing() -> None:
    sse = b': ping\n\ndata: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n'
    request = PreparedRequest("POST", URL, {}, stream=True)
    obs, _, _ = send(
        sequence(reply(200, content=sse, headers={"content-type": "text/event-stream"})),
        request,
    )
    assert obs.stream is not None
    assert obs.stream.events == ('{"choices":[{"delta":{"content":"hi"}}]}', "[DONE]")
    assert obs.stream.comments == 1
    assert obs.stream.done_seen
    assert obs.stream.ttft_ms is not None
    assert obs.body == sse


def test_a_stream_request_answered_with_json_is_read_as_a_plain_body() -> None:
    request = PreparedRequest("POST", URL, {}, stream=True)
    obs, _, _ = send(sequence(reply(200, json=OK)), request)
    assert obs.stream is None
    assert obs.body.startswith(b"{")
