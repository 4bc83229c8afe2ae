"""Fixtures for the alerting tests: the stand-in servers (one per session, emptied per test),
a clock the test moves, and ``Harness`` — the real app (pipeline, store, dispatcher, sinks)
built from a config against the simulator and the stand-ins."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from monitor.alerts.checkpoints import Checkpoints
from monitor.app import App, build_app
from monitor.config.loader import parse_config
from monitor.core.model import Trigger
from monitor.runner.result import RunResult
from monitor.simulator import Simulator
from monitor.storage.sql.tables import outbox_table
from tests.conftest import SIM_KEY
from tests.fakes.clock import FakeClock
from tests.fakes.pagerduty import ROUTING_KEY, PagerDuty
from tests.fakes.slack_api import TOKEN, SlackApi
from tests.fakes.slack_webhook import SlackWebhook
from tests.fakes.webhook_receiver import SECRET, WebhookReceiver


@pytest.fixture(scope="session")
def _slack_server() -> Iterator[SlackApi]:
    server = SlackApi(not_in_channel=frozenset({"C0PLATFRM1"}))
    with server.serve():
        yield server


@pytest.fixture
def slack(_slack_server: SlackApi) -> SlackApi:
    _slack_server.clear()
    _slack_server.messages.clear()
    return _slack_server


@pytest.fixture(scope="session")
def _hook_server() -> Iterator[SlackWebhook]:
    server = SlackWebhook()
    with server.serve():
        yield server


@pytest.fixture
def slack_hook(_hook_server: SlackWebhook) -> SlackWebhook:
    _hook_server.clear()
    return _hook_server


@pytest.fixture(scope="session")
def _pd_server() -> Iterator[PagerDuty]:
    server = PagerDuty()
    with server.serve():
        yield server


@pytest.fixture
def pagerduty(_pd_server: PagerDuty) -> PagerDuty:
    _pd_server.clear()
    _pd_server.alerts.clear()
    return _pd_server


@pytest.fixture(scope="session")
def _webhook_server() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    with server.serve():
        yield server


@pytest.fixture
def webhook(_webhook_server: WebhookReceiver) -> WebhookReceiver:
    _webhook_server.clear()
    return _webhook_server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def sink_env(slack_hook: SlackWebhook | None = None) -> dict[str, str]:
    env = {
        "SIM_API_KEY": SIM_KEY,
        "SLACK_BOT_TOKEN": TOKEN,
        "PD_ROUTING_KEY": ROUTING_KEY,
        "WEBHOOK_SECRET": SECRET,
    }
    if slack_hook is not None:
        env["SLACK_WEBHOOK_URL"] = slack_hook.url
    return env


def alerts_config(
    *,
    slack: SlackApi | None = None,
    slack_hook: SlackWebhook | None = None,
    pagerduty: PagerDuty | None = None,
    webhook: WebhookReceiver | None = None,
    channel: str = "C0ALERTS01",
    extra: str = "",
) -> str:
    lines = ["alerts:"]
    if slack is not None:
        lines.append(
            f'  slack: {{token_env: SLACK_BOT_TOKEN, channel: "{channel}", '
            f'api_url: "{slack.api_url}"}}'
        )
    if slack_hook is not None:
        lines.append("  slack_webhook: {url_env: SLACK_WEBHOOK_URL}")
    if pagerduty is not None:
        lines.append(
            f'  pagerduty: {{routing_key_env: PD_ROUTING_KEY, api_url: "{pagerduty.api_url}"}}'
        )
    if webhook is not None:
        lines.append(f'  webhook: {{url: "{webhook.url}", secret_env: WEBHOOK_SECRET}}')
    lines.append('  trace_link: "https://traces.example/trace/{trace_id}"')
    lines.append(textwrap.indent(textwrap.dedent(extra).strip(), "  ") if extra else "")
    return "\n".join(lines) + "\n"


def one_probe(sim_url: str, db_url: str, **sinks: Any) -> str:
    """The config of one probe ``p`` alerting to ``sinks`` (``alerts_config``'s arguments)."""
    return probes_config(sim_url, db_url, ["p"]) + alerts_config(**sinks)


def probes_config(
    sim_url: str,
    db_url: str,
    names: list[str],
    *,
    events: str = "{open_after: 2, window: 3, resolve_after: 2}",
    owner: str = "platform-team",
    extra: str = "",
) -> str:
    probes = "\n".join(
        f"""  - name: {name}
    target: sim
    every: 60s
    model: gpt-4o-mini
    messages: [{{role: user, content: "contract_probe redacted"}}]
    params: {{temperature: 0, max_tokens: 32}}
    baseline: {{learn_runs: 1}}
    events: {events}
    owner: {owner}
    runbook_url: https://runbooks.example/{name}"""
        for name in names
    )
    return f"""environment: test
storage: {{url: "{db_url}"}}
targets:
  sim:
    base_url: "{sim_url}"
    api_key_env: SIM_API_KEY
probes:
{probes}
{extra}"""


class Harness:
    """The real app against the simulator and stand-ins, with the test's clock."""

    def __init__(
        self,
        text: str,
        env: dict[str, str],
        clock: FakeClock,
        *,
        checkpoints: Checkpoints | None = None,
    ) -> None:
        self.clock = clock
        self.env = env
        self.spans = InMemorySpanExporter()
        loaded = parse_config(text, "alerts-test.yaml", env)
        self.app: App = build_app(
            loaded,
            env=env,
            clock=clock,
            sleep=clock.sleep,
            span_exporter=self.spans,
            worker_id="test-worker",
            checkpoints=checkpoints,
        )

    async def run(self, *names: str, step_s: float = 60.0) -> list[RunResult]:
        """One run of each probe (all by default), then the clock moves on ``step_s``."""
        probes = [p for p in self.app.config.probes if not names or p.name in names]
        rows = []
        for probe in probes:
            row = await self.app.pipeline.run_once(probe, None, Trigger.CHECK)
            assert row is not None
            rows.append(row)
        self.clock.advance(step_s)
        return rows

    async def deliver(self, *, flush: bool = True) -> int:
        return await self.app.dispatcher.deliver_due(flush=flush)

    def outbox(self) -> list[dict[str, Any]]:
        table = outbox_table
        with self.app.store.engine.connect() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.created_at, table.c.id))
            return [dict(r) for r in rows.mappings()]

    async def close(self) -> None:
        await self.app.aclose()

    async def __aenter__(self) -> Harness:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open_drift(self, sim: Simulator, scenario: str = "drop-usage") -> None:
        """Learn, switch the simulator to ``scenario``, then two runs: its events open."""
        await self.run()
        sim.set_scenario(scenario)
        await self.run()
        await self.run(step_s=0)

    async def open_in_turn(self, sim: Simulator, *scenarios: str) -> None:
        """Open more drifts, each by a run of its own (the events one run opens are one
        alert): ``scenarios`` are cumulative, e.g. ``"drop-usage,new-finish-reason"``."""
        for scenario in scenarios:
            self.clock.advance(60)
            sim.set_scenario(scenario)
            await self.run()
            await self.run(step_s=0)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'alerts.db'}"


Drifted = Callable[..., AbstractAsyncContextManager[Harness]]


@pytest.fixture
def drifted(sim: Simulator, sim_url: str, db: str, clock: FakeClock) -> Drifted:
    """``drifted(scenario="drop-usage", env=None, **sinks)``: the harness of one probe alerting
    to ``sinks`` (``alerts_config``'s arguments) whose drift under ``scenario`` is open, its
    alerts in the outbox and not yet delivered; closed when the block ends."""

    @asynccontextmanager
    async def open_harness(
        scenario: str = "drop-usage", env: dict[str, str] | None = None, **sinks: Any
    ) -> AsyncIterator[Harness]:
        env = env if env is not None else sink_env(sinks.get("slack_hook"))
        async with Harness(one_probe(sim_url, db, **sinks), env, clock) as h:
            await h.open_drift(sim, scenario)
            yield h

    return open_harness
