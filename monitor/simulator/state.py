"""Simulator state shared between the server's event-loop thread and the test or demo thread:
the current scenario, the per-scenario request counter, the random source and the request log.
Every access goes through one lock."""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.simulator.scenarios import parse_scenario


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the simulator received it (header names lower-case)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    json: Any
    received_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": dict(self.headers),
            "body": self.body.decode("utf-8", errors="replace"),
            "json": self.json,
            "received_at": self.received_at.isoformat(),
        }


@dataclass(frozen=True)
class Snapshot:
    """What one request sees: the scenario at arrival, its ordinal under it, its own Random."""

    names: frozenset[str]
    ordinal: int
    rng: random.Random


class SimState:
    def __init__(self, scenario: str, seed: int | None, record_limit: int) -> None:
        self._lock = threading.Lock()
        self._scenario = ",".join(parse_scenario(scenario))
        self._names = frozenset(parse_scenario(scenario))
        self._ordinal = 0
        # A seed fixes the whole sequence of responses; each response still differs.
        self._seeded = random.Random(seed) if seed is not None else None
        self._requests: deque[RecordedRequest] = deque(maxlen=record_limit)

    @property
    def scenario(self) -> str:
        with self._lock:
            return self._scenario

    def set_scenario(self, scenario: str) -> str:
        names = parse_scenario(scenario)
        with self._lock:
            self._scenario = ",".join(names)
            self._names = frozenset(names)
            # "First request after the switch" scenarios count from here.
            self._ordinal = 0
            return self._scenario

    def begin(self, counted: bool) -> Snapshot:
        with self._lock:
            ordinal = self._ordinal
            if counted:
                self._ordinal += 1
            if self._seeded is None:
                rng = random.Random()
            else:
                rng = random.Random(self._seeded.getrandbits(64))
            return Snapshot(self._names, ordinal, rng)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> int:
        with self._lock:
            count = len(self._requests)
            self._requests.clear()
            return count
