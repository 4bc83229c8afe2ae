"""The API's edges against hostile clients on 127.0.0.1 (issue #16): DNS rebinding (a foreign
``Host`` without a token), a bad time zone, the database gone (503, no connection details in
``/readyz``), short tokens and plain HTTP off loopback, HTTPS. Slowloris:
``test_api_slowloris``."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from monitor.api.server import ApiServer
from monitor.api.wiring import make_api_server
from monitor.app import App
from monitor.config.schema import ApiConfig
from monitor.errors import ConfigError
from tests.conftest import SIM_KEY, chat_probe_config, write_config
from tests.fakes.tcp_proxy import TcpProxy
from tests.incident import RunningApi, StepClock, make_app, run_probe

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


def test_the_host_of_ui_base_url_is_answered_without_a_token(app: App) -> None:
    config = app.config.model_copy(
        update={
            "api": ApiConfig(listen="127.0.0.1:0"),
            "ui": app.config.ui.model_copy(update={"base_url": "https://Monitor.Example:8443/"}),
        }
    )
    assert app.metrics is not None
    server = make_api_server(config, {}, app.store, StepClock(), app.metrics)
    with RunningApi(server=server) as running, httpx.Client(base_url=running.url) as client:
        assert client.get("/api/v1/runs", headers={"host": "monitor.example"}).status_code == 200
        assert client.get("/", headers={"host": "rebind.attacker.example"}).status_code == 400


def _login_site(app: App, **api: Any) -> ApiServer:
    env = {"MONITOR_API_TOKEN": TOKEN}
    config = app.config.model_copy(update={"api": ApiConfig(**api)})
    assert app.metrics is not None
    # the configured listener is off loopback; the test reaches it on 127.0.0.1
    return make_api_server(config, env, app.store, StepClock(), app.metrics, listen="0.0.0.0:0")


def test_the_login_refuses_to_send_a_cookie_in_clear_text_off_loopback(app: App) -> None:
    with (
        RunningApi(server=_login_site(app)) as running,
        httpx.Client(base_url=f"http://127.0.0.1:{running.server.port}") as client,
    ):
        form = client.get("/login")
        assert form.status_code == 403
        assert "clear text" in form.text
        assert 'name="token"' not in form.text  # nothing to type the token into
        post = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
        assert post.status_code == 403
        assert "monitor_session" not in post.headers.get("set-cookie", "")
        bearer = {"authorization": f"Bearer {TOKEN}"}
        assert client.get("/api/v1/runs", headers=bearer).status_code == 200  # scripts still can
    with (
        RunningApi(server=_login_site(app, behind_tls_proxy=True)) as running,
        httpx.Client(base_url=f"http://127.0.0.1:{running.server.port}") as client,
    ):
        ok = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
        assert ok.status_code == 303
        assert "monitor_session" in ok.headers["set-cookie"]
