"""Building an ``ApiServer`` from config, environment and the process's collaborators."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from monitor.api.guard import HostGuard, allowed_hosts
from monitor.api.routes import ApiDeps, ApiStore, build_api
from monitor.api.server import ApiServer, checked_listen, parse_listen
from monitor.clock import Clock
from monitor.config.listen import api_token, tls_notice, token_notice
from monitor.config.schema import Config
from monitor.selfcheck.health import Health, Heartbeat
from monitor.telemetry.metrics import MonitorMetrics


def make_api_server(
    config: Config,
    env: Mapping[str, str],
    store: ApiStore,
    clock: Clock,
    metrics: MonitorMetrics,
    heartbeat: Heartbeat | None = None,
    *,
    listen: str | None = None,
) -> ApiServer:
    token = api_token(config.api, env)
    api = config.api if listen is None else config.api.model_copy(update={"listen": listen})
    address = checked_listen(api, token)
    served = config.model_copy(update={"api": api})  # the pages judge the listener in use
    deps = ApiDeps(store, served, clock, Health(store, clock, heartbeat), metrics, token)
    # with a token, the token protects; without one, only local Host names are answered (and
    # the host people reach the pages by, ``ui.base_url``)
    ui_host = urlsplit(config.ui.base_url).hostname if config.ui.base_url else None
    extra = [*api.allowed_hosts, *([ui_host] if ui_host else [])]
    hosts = None if token is not None else allowed_hosts(address.host, extra)
    tls = (api.tls_cert_file, api.tls_key_file) if api.tls_cert_file and api.tls_key_file else None
    found = (("api.listen", tls_notice(api, address)), ("api.token_env", token_notice(api, token)))
    notices = tuple(f"{key}: warning: {text}" for key, text in found if text)
    return ApiServer(HostGuard(build_api(deps), hosts), address, tls=tls, notices=notices)


__all__ = ["make_api_server", "parse_listen"]
