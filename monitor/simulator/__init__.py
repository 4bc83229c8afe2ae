"""Provider simulator: a real OpenAI-compatible HTTP server on localhost for the demo, the
integration tests and the benchmarks, with named scenarios (``scenarios``, with their
``intercepts`` and ``mutations``, and ``shaping`` for delivery) that reproduce contract drift
and misbehaving targets.

May import: nothing of the monitor but the root's modules: it stands for the provider, so it
must not share the monitor's idea of what an answer should be.

    from monitor.simulator import Simulator
    sim = Simulator(api_key="sk-sim-test", scenario="healthy")
    with sim.serve(port=0) as base_url:
        sim.set_scenario("drop-usage,new-finish-reason")

The names below are loaded on first use (PEP 562): ``monitor simulate --help`` lists the
scenarios without importing Starlette and uvicorn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.simulator.payloads import DEFAULT_MODELS
    from monitor.simulator.scenarios import SCENARIOS, Scenario, parse_scenario
    from monitor.simulator.server import Simulator, serve_forever
    from monitor.simulator.state import RecordedRequest

__all__ = [
    "DEFAULT_MODELS",
    "SCENARIOS",
    "RecordedRequest",
    "Scenario",
    "Simulator",
    "parse_scenario",
    "serve_forever",
]

_HOMES = {
    "DEFAULT_MODELS": "monitor.simulator.payloads",
    "SCENARIOS": "monitor.simulator.scenarios",
    "Scenario": "monitor.simulator.scenarios",
    "parse_scenario": "monitor.simulator.scenarios",
    "Simulator": "monitor.simulator.server",
    "serve_forever": "monitor.simulator.server",
    "RecordedRequest": "monitor.simulator.state",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
