"""The composition root builds every long-lived collaborator once; the pipeline, its judgement
and the spool replay share one prepared probe."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from monitor.app import build_app
from monitor.config.loader import LoadedConfig, parse_config
from tests.conftest import SIM_KEY, chat_probe_config

ENV = {"SIM_API_KEY": SIM_KEY, "MONITOR_API_TOKEN": "t" * 32, "DEADMAN_URL": "http://127.0.0.1:9/"}


def _loaded(tmp_path: Path, extra: str = "") -> LoadedConfig:
    text = chat_probe_config("http://127.0.0.1:9", f"sqlite:///{tmp_path / 'm.db'}")
    text += 'api: {listen: "127.0.0.1:0"}\n'
    text += "alerts:\n  console: {}\n  deadman: {url_env: DEADMAN_URL, every: 60s}\n" + extra
    return parse_config(text, "composition.yaml", ENV)


def test_a_probe_is_prepared_once_and_shared_by_runs_judgements_and_replay(
    tmp_path: Path,
) -> None:
    loaded = _loaded(tmp_path)
    app = build_app(loaded, env=ENV, stderr=io.StringIO())
    try:
        probe = app.config.probes[0]
        prepared = app.pipeline.prepared(probe)
        assert prepared is app.pipeline.prepared(probe)
        assert prepared.config is probe
        assert prepared.spec.name == probe.name
        assert (
            prepared.spec.request_hash
            == app.pipeline.deps.probes.by_name[probe.name].spec.request_hash
        )
        # a probe config this pipeline was not built from (a variant) is prepared on its own
        variant = probe.model_copy(update={"model": "gpt-4.1-nano"})
        assert app.pipeline.prepared(variant).config is variant
    finally:
        asyncio.run(app.aclose())


def test_only_the_service_gets_the_api_and_the_dead_mans_switch(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path)
    batch = build_app(loaded, env=ENV, stderr=io.StringIO())
    try:
        assert batch.api is None
        assert batch.deadman is None
        assert batch.jobs.scheduler is not None  # built, not started
    finally:
        asyncio.run(batch.aclose())
    service = build_app(loaded, env=ENV, stderr=io.StringIO(), service=True)
    try:
        assert service.api is not None
        assert service.api.url.startswith("http://127.0.0.1:")
        assert service.deadman is not None
        assert service.deadman.url == ENV["DEADMAN_URL"]
        assert service.jobs.reaper.pipeline is service.pipeline
    finally:
        asyncio.run(service.aclose())
