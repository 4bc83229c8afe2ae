"""The API's edges against hostile clients on 127.0.0.1 (issue #16): DNS rebinding (a foreign
``Host`` without a token), slowloris (partial headers), a bad time zone, the database gone
(503, no connection details in ``/readyz``), short tokens and plain HTTP off loopback, HTTPS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from monitor.api.guard import AcceptErrorFilter, HostGuard, allowed_hosts
from monitor.api.routes import ApiDeps, build_api
from monitor.api.server import ApiServer
from monitor.api.wiring import make_api_server
from monitor.app import App
from monitor.config.listen import Listen
from monitor.config.schema import ApiConfig
from monitor.errors import ConfigError
from monitor.selfcheck.health import Health
from tests.conftest import SIM_KEY, chat_probe_config, write_config
from tests.fakes.tcp_proxy import TcpProxy
from tests.incident import RunningApi, StepClock, make_app, run_probe
from tests.integration.processes import wait_until

TOKEN = "a-token-of-sixteen-or-more"
KEY = {"SIM_API_KEY": SIM_KEY}


def _app(tmp_path: Path, sim_url: str, db_url: str) -> Iterator[App]:
    app = make_app(tmp_path, sim_url, db_url, clock=StepClock())
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run_probe(app))
        yield app
    finally:
        loop.run_until_complete(app.aclose())
        loop.close()


@pytest.fixture
def app(tmp_path: Path, sim_url: str, sqlite_url: str) -> Iterator[App]:
    yield from _app(tmp_path, sim_url, sqlite_url)


def _server(app: App, env: dict[str, str], **api: Any) -> ApiServer:
    config = app.config.model_copy(update={"api": ApiConfig(listen="127.0.0.1:0", **api)})
    assert app.metrics is not None
    return make_api_server(config, env, app.store, StepClock(), app.metrics)


def test_a_rebinding_host_is_refused_when_no_token_protects_the_api(app: App) -> None:
    server = _server(app, {}, allowed_hosts=["monitor.internal", "[fd00::1]:8080"])
    with RunningApi(server=server) as running, httpx.Client(base_url=running.url) as client:
        port = running.server.port
        attacker = {"host": f"rebind.attacker.example:{port}"}
        refused = client.get("/api/v1/runs", headers=attacker)
        assert refused.status_code == 400
        assert "api.allowed_hosts" in refused.json()["error"]
        assert client.get("/openapi.json", headers=attacker).status_code == 400
        hosts = (f"127.0.0.1:{port}", f"localhost:{port}", "monitor.internal", "LOCALHOST.")
        for host in (*hosts, f"[::1]:{port}", "[fd00::1]"):
            assert client.get("/api/v1/runs", headers={"host": host}).status_code == 200, host
        # kubelet and Prometheus send the pod IP: health and metrics answer any Host
        assert client.get("/metrics", headers=attacker).status_code == 200
        assert client.get("/readyz", headers=attacker).status_code == 200


def test_with_a_token_any_host_is_answered_and_the_token_protects(app: App) -> None:
    server = _server(app, {"MONITOR_API_TOKEN": TOKEN})
    with RunningApi(server=server) as running, httpx.Client(base_url=running.url) as client:
        attacker = {"host": "rebind.attacker.example"}
        assert client.get("/api/v1/runs", headers=attacker).status_code == 401
        auth = {**attacker, "authorization": f"Bearer {TOKEN}"}
        assert client.get("/api/v1/runs", headers=auth).status_code == 200


def _partial(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    return sock


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_partial_headers_are_closed_and_health_still_answers(app: App) -> None:
    assert app.metrics is not None
    deps = ApiDeps(
        app.store, app.config, StepClock(), Health(app.store, app.clock), app.metrics, None
    )
    asgi = HostGuard(build_api(deps), allowed_hosts("127.0.0.1", []))
    server = ApiServer(asgi, Listen("127.0.0.1", 0), header_timeout=0.5, max_connections=20)
    with RunningApi(server=server) as running:
        held = [_partial(server.port) for _ in range(60)]
        try:
            started = time.monotonic()
            assert all(_closed_within(s, 5) for s in held)  # cap: at once; the rest: the deadline
            assert time.monotonic() - started < 5
            # one byte at a time does not stretch the deadline
            trickle = _partial(server.port)
            for _ in range(8):
                time.sleep(0.1)
                try:
                    trickle.sendall(b"x")
                except OSError:
                    break
            assert _closed_within(trickle, 2)
            trickle.close()
            assert httpx.get(f"{running.url}/healthz", timeout=5).status_code in (200, 503)
            # a slow but complete request is served, keep-alive included
            with httpx.Client(base_url=running.url, timeout=5) as client:
                for _ in range(2):
                    assert client.get("/openapi.json").status_code == 200
                    time.sleep(0.6)
        finally:
            for sock in held:
                sock.close()


@pytest.mark.parametrize("tz", ["Europe", "x" * 300, "../../etc/passwd"])
def test_a_bad_time_zone_is_400_in_the_api_and_exit_2_in_the_cli(
    app: App, cli: Any, tmp_path: Path, sim_url: str, sqlite_url: str, tz: str
) -> None:
    server = _server(app, {})
    with RunningApi(server=server) as running, httpx.Client(base_url=running.url) as client:
        response = client.get("/api/v1/report", params={"since": "1h", "tz": tz})
        assert response.status_code == 400
        assert "unknown time zone" in response.json()["error"]
    config = write_config(tmp_path, chat_probe_config(sim_url, sqlite_url), "cli.yaml")
    result = cli("report", "--config", str(config), "--since", "1h", "--tz", tz)
    assert result.code == 2, result.err
    assert "unknown time zone" in result.err
    assert "Traceback" not in result.err


def test_with_the_database_gone_runs_are_503_and_readyz_names_no_host(
    tmp_path: Path, sim_url: str, pg_url: str
) -> None:
    proxy = TcpProxy()
    port = proxy.start()
    through = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{port}")
    try:
        for app in _app(tmp_path, sim_url, through):
            server = _server(app, {})
            with RunningApi(server=server) as running, httpx.Client(base_url=running.url) as c:
                assert c.get("/api/v1/runs").status_code == 200
                proxy.stop()
                runs = c.get("/api/v1/runs")
                assert runs.status_code == 503
                assert runs.json() == {"error": "the database is unavailable; try again later"}
                ready = c.get("/readyz")
                assert ready.status_code == 503
                assert ready.json() == {"ok": False, "database": "unreachable"}
                assert c.get("/metrics").status_code == 200  # the process's own numbers
                assert c.get("/healthz").status_code == 503
                assert "error" not in c.get("/healthz").json()
                assert c.get("/api/v1/events").status_code == 503
                assert c.get("/api/v1/runs/r1").status_code == 503
                for leak in (str(port), "127.0.0.1", "psycopg", "Error", "connection"):
                    assert leak not in ready.text
                    assert leak not in runs.text
                proxy.start()
    finally:
        proxy.close()


def test_a_short_token_and_plain_http_off_loopback_are_located_warnings(
    cli: Any, tmp_path: Path, sim_url: str, sqlite_url: str
) -> None:
    text = chat_probe_config(sim_url, sqlite_url) + 'api: {listen: "0.0.0.0:18080"}\n'
    config = write_config(tmp_path, text)
    result = cli(
        "config", "check", "--config", str(config), env={"MONITOR_API_TOKEN": "abc", **KEY}
    )
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert any(
        "api.token_env: warning: the token in MONITOR_API_TOKEN has 3 characters" in line
        for line in lines
    ), result.err
    assert any("api.listen: warning:" in line and "plain HTTP" in line for line in lines)

    proxied = text.replace('"0.0.0.0:18080"', '"0.0.0.0:18080", behind_tls_proxy: true')
    config = write_config(tmp_path, proxied)
    quiet = cli("config", "check", "--config", str(config), env={"MONITOR_API_TOKEN": TOKEN, **KEY})
    assert quiet.code == 0
    assert "warning" not in quiet.err, quiet.err


def test_the_server_warns_at_start_off_loopback_without_tls(app: App) -> None:
    env = {"MONITOR_API_TOKEN": "short"}
    config = app.config.model_copy(update={"api": ApiConfig(listen="0.0.0.0:0")})
    assert app.metrics is not None
    server = make_api_server(config, env, app.store, StepClock(), app.metrics)
    try:
        assert any(
            n.startswith("api.listen: warning:") and "plain HTTP" in n for n in server.notices
        )
        assert any(
            n.startswith("api.token_env: warning:") and "5 characters" in n for n in server.notices
        )
    finally:
        server.sock.close()
    behind = ApiConfig(listen="0.0.0.0:0", behind_tls_proxy=True)
    server = make_api_server(
        app.config.model_copy(update={"api": behind}),
        {"MONITOR_API_TOKEN": TOKEN},
        app.store,
        StepClock(),
        app.metrics,
    )
    server.sock.close()
    assert server.notices == ()


def test_the_api_serves_https_from_the_configured_certificate(
    app: App, tmp_path: Path, cli: Any
) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file = tmp_path / "api.pem", tmp_path / "api.key"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    server = _server(app, {}, tls_cert_file=str(cert_file), tls_key_file=str(key_file))
    assert server.url.startswith("https://")
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    with RunningApi(server=server) as running, httpx.Client(verify=trusted) as client:
        assert client.get(f"{running.url}/api/v1/runs").status_code == 200
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{running.url.replace('https', 'http')}/api/v1/runs", timeout=2)
        probe = cli("healthcheck", "--ready", "--url", running.url)
        assert probe.code == 0, probe.out  # the container's HEALTHCHECK speaks HTTPS too
        assert "answered 200" in probe.out
    with pytest.raises(ConfigError, match=r"both api\.tls_cert_file and api\.tls_key_file"):
        _server(app, {}, tls_cert_file=str(cert_file))
    with pytest.raises(ConfigError, match="cannot load the TLS certificate"):
        _server(app, {}, tls_cert_file=str(key_file), tls_key_file=str(cert_file))


def test_repeated_accept_errors_are_logged_once_a_minute_with_a_count() -> None:
    now = [0.0]
    accept_errors = AcceptErrorFilter(interval_s=60, clock=lambda: now[0])
    logger = logging.getLogger("asyncio")
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Keep()
    logger.addHandler(handler)
    logger.addFilter(accept_errors)
    try:
        for _ in range(10_000):
            logger.error("socket.accept() out of system resource\nsocket: %s", "<sock>")
            now[0] += 0.001
        logger.error("something else")
        now[0] += 60
        logger.error("socket.accept() out of system resource\nsocket: %s", "<sock>")
    finally:
        logger.removeFilter(accept_errors)
        logger.removeHandler(handler)
    assert len(seen) == 3
    assert seen[1] == "something else"
    assert "9999 more since the last one not logged" in seen[2]


def test_a_flood_of_partial_connections_under_256_descriptors_leaves_healthz_answering(
    tmp_path: Path, sim_url: str, sqlite_url: str
) -> None:
    config = write_config(tmp_path, chat_probe_config(sim_url, sqlite_url))
    log = tmp_path / "api.log"
    env = {k: v for k, v in os.environ.items() if k != "MONITOR_API_TOKEN"}

    def limit_descriptors() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    command = [sys.executable, "-m", "monitor", "api", "--config", str(config)]
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [*command, "--listen", "127.0.0.1:0"],
            env={**env, **KEY},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            preexec_fn=limit_descriptors,
        )
    held: list[socket.socket] = []
    try:
        wait_until(lambda: "API on http://" in log.read_text(), 30, "the API to listen")
        url = log.read_text().split("API on ")[1].split()[0]
        port = int(url.rsplit(":", 1)[1])
        for _ in range(500):
            # the listen backlog may be full for a moment: the attacker retries anyway
            with contextlib.suppress(OSError):
                held.append(_partial(port))
        started = time.monotonic()
        answer = httpx.get(f"{url}/healthz", timeout=10)
        assert answer.status_code in (200, 503)  # an answer; no scheduler heartbeat here
        assert time.monotonic() - started < 5
        time.sleep(1)
        assert log.stat().st_size < 20_000, log.read_text()[-2000:]
    finally:
        for sock in held:
            sock.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
