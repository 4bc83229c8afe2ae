"""A kept-alive connection is answered at once by the simulator and the API server: no 40 ms
from Nagle's algorithm holding the body until the client's delayed ACK of the headers."""

from __future__ import annotations

import asyncio
import time

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from monitor.simulator.server import Simulator
from tests.incident import RunningApi

# Nagle's wait is the peer's delayed-ACK timer (40 ms on Linux); the fastest of a few
# requests stays far below this even on a loaded machine
LIMIT_MS = 10.0
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}


def _fastest_ms(client: httpx.Client, method: str, path: str, **kw: object) -> float:
    client.request(method, path, **kw)  # opens the connection
    times = []
    for _ in range(7):
        start = time.perf_counter()
        response = client.request(method, path, **kw)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return min(times)


def test_the_simulator_answers_a_kept_alive_request_in_under_10_ms() -> None:
    sim = Simulator(api_key="sk-sim-test")
    with sim.serve() as url:
        headers = {"Authorization": "Bearer sk-sim-test"}
        with httpx.Client(base_url=url, headers=headers) as client:
            assert _fastest_ms(client, "POST", "/v1/chat/completions", json=CHAT) < LIMIT_MS
            assert _fastest_ms(client, "GET", "/v1/models") < LIMIT_MS


def test_the_simulator_answers_an_async_client_in_under_10_ms() -> None:
    sim = Simulator(api_key="sk-sim-test")

    async def fastest(url: str) -> float:
        headers = {"Authorization": "Bearer sk-sim-test"}
        async with httpx.AsyncClient(base_url=url, headers=headers) as client:
            await client.post("/v1/chat/completions", json=CHAT)
            times = []
            for _ in range(7):
                start = time.perf_counter()
                response = await client.post("/v1/chat/completions", json=CHAT)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            return min(times)

    with sim.serve() as url:
        assert asyncio.run(fastest(url)) < LIMIT_MS


def test_the_api_server_answers_a_kept_alive_request_in_under_10_ms() -> None:
    async def hello(request: Request) -> JSONResponse:
        return JSONResponse({"runs": [], "next": None})

    with (
        RunningApi(Starlette(routes=[Route("/v1/runs", hello)])) as api,
        httpx.Client(base_url=api.url) as client,
    ):
        assert _fastest_ms(client, "GET", "/v1/runs") < LIMIT_MS
