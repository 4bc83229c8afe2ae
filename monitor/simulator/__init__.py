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
"""

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
