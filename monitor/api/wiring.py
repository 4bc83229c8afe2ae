"""Building an ``ApiServer`` from config, environment and the process's collaborators."""

from __future__ import annotations

from collections.abc import Mapping

from monitor.api.routes import ApiDeps, ApiStore, build_api
from monitor.api.server import ApiServer, checked_listen, parse_listen
from monitor.clock import Clock
from monitor.config.listen import api_token
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
    deps = ApiDeps(store, config, clock, Health(store, clock, heartbeat), metrics, token)
    return ApiServer(build_api(deps), address)


__all__ = ["make_api_server", "parse_listen"]
