"""Budgets and the circuit breaker: runs that are not sent are ``skipped`` with the reason,
stored, reported to observers, and never counted by the events gate."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.app import build_app
from monitor.config.loader import load_config
from monitor.core.judge import Judgement
from monitor.core.model import Trigger
from monitor.core.observation import Observation
from tests.conftest import SIM_KEY, chat_probe_config, write_config

ENV = {"SIM_API_KEY": SIM_KEY}


def runs_of(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def with_budget(text: str, budget: str) -> str:
    return text.replace(
        "    api_key_env: SIM_API_KEY\n", f"    api_key_env: SIM_API_KEY\n    budget: {budget}\n"
    )


SECOND_PROBE = """
  - name: chat-second
    target: sim
    every: 60s
    model: gpt-4o-mini
    messages: [{role: user, content: "contract_probe redacted"}]
    params: {max_tokens: 8}
"""


def test_a_probe_over_the_requests_per_minute_budget_is_skipped_with_the_reason(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, db_url: str
) -> None:
    text = with_budget(
        chat_probe_config(sim_url, db_url) + SECOND_PROBE, "{requests_per_minute: 1}"
    )
    config = write_config(tmp_path, text)
    result = cli("check", "--config", str(config), "--json", env=ENV)
    outcomes = sorted(r["outcome"] for r in runs_of(result.out))
    assert outcomes == ["pass", "skipped"]
    skipped = next(r for r in runs_of(result.out) if r["outcome"] == "skipped")
    assert skipped["note"] == "budget: 1 request(s) in the last minute; requests_per_minute is 1"
    assert len(sim.requests) == 1
    history = cli("history", "--config", str(config), "--json", "--outcome", "skipped", env=ENV)
    (stored,) = runs_of(history.out)
    assert (stored["run_id"], stored["note"]) == (skipped["run_id"], skipped["note"])
    again = cli("check", "--config", str(config), "--json", "--probe", "chat-basic", env=ENV)
    assert runs_of(again.out)[0]["outcome"] == "skipped"  # the minute's request is in the DB


def test_a_probe_that_could_exceed_the_daily_tokens_is_skipped(
    cli: Any, sim: Any, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(
        tmp_path, with_budget(chat_probe_config(sim_url, sqlite_url), "{tokens_per_day: 40}")
    )
    result = cli("check", "--config", str(config), "--json", env=ENV)
    (run,) = runs_of(result.out)
    assert run["outcome"] == "skipped"
    assert "tokens_per_day is 40" in run["note"]
    assert sim.requests == []
    assert result.code == 0


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.current.timestamp()


class RecordingObserver:
    def __init__(self) -> None:
        self.skipped: list[tuple[str, str, str]] = []
        self.completed: list[str] = []

    def run_completed(
        self, view: dict[str, Any], observation: Observation | None, judgement: Judgement | None
    ) -> None:
        self.completed.append(view["outcome"])

    def run_skipped(self, probe: str, target: str, reason: str) -> None:
        self.skipped.append((probe, target, reason))

    def slot_started(self, probe: str, slot: datetime, started: datetime) -> None:
        return None

    def delivery_attempted(self, sink: str, result: str, latency_ms: float | None) -> None:
        return None


def test_the_breaker_skips_a_hard_down_target_then_tries_again_after_the_cool_down(
    tmp_path: Path, db_url: str
) -> None:
    text = chat_probe_config(
        "http://127.0.0.1:9",
        db_url,
        events="{open_after: 3, window: 3, resolve_after: 1}",
        extra="retries: {attempts: 1}",
    ).replace(
        "    api_key_env: SIM_API_KEY\n",
        "    api_key_env: SIM_API_KEY\n"
        "    circuit_breaker: {after_failures: 2, cool_down: 5m, down_for: 1m}\n",
    )
    loaded = load_config(write_config(tmp_path, text), ENV)
    clock = FakeClock(datetime(2026, 5, 8, 14, 0, tzinfo=UTC))
    observer = RecordingObserver()
    probe = loaded.config.probes[0]

    async def scenario() -> list[str]:
        app = build_app(loaded, env=ENV, clock=clock, observer=observer)
        outcomes = []
        try:
            for minutes in (0, 1, 2, 3, 9):
                clock.current = datetime(2026, 5, 8, 14, minutes, tzinfo=UTC)
                slot = clock.current
                row = await app.pipeline.run_once(probe, slot, Trigger.SCHEDULE)
                assert row is not None, (minutes, outcomes)
                outcomes.append(row.outcome)
            events = await app.db.run(app.store.list_events)
        finally:
            await app.aclose()
        (event,) = events
        # Only the three failed runs were counted: the two skipped ones do not move the gate.
        assert event.state == "open"
        assert event.run_count == 3
        return outcomes

    assert asyncio.run(scenario()) == ["fail", "fail", "skipped", "skipped", "fail"]
    assert [s[0] for s in observer.skipped] == ["chat-basic", "chat-basic"]
    assert (
        "circuit open after 2 consecutive hard-down run(s) (last: connect-refused)"
        in (observer.skipped[0][2])
    )
    assert observer.completed == ["fail", "fail", "fail"]
