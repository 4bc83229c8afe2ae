"""Observers: a seam for side channels (metrics, logs) that watch the pipeline without
changing it. The pipeline, dispatcher and scheduler call these hooks; the default does nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from monitor.core.judge import Judgement
from monitor.core.model import DeliveryResult
from monitor.core.observation import Observation


class Observer(Protocol):
    def run_completed(
        self, view: dict[str, Any], observation: Observation | None, judgement: Judgement | None
    ) -> None:
        """After a run is stored (``view`` is ``runview.run_view`` of it)."""

    def run_skipped(self, probe: str, target: str, reason: str) -> None: ...

    def slot_started(self, probe: str, slot: datetime, started: datetime) -> None:
        """A scheduled slot began ``started - slot`` late."""

    def delivery_attempted(
        self, sink: str, result: DeliveryResult, latency_ms: float | None
    ) -> None: ...


class NullObserver:
    def run_completed(
        self, view: dict[str, Any], observation: Observation | None, judgement: Judgement | None
    ) -> None:
        return None

    def run_skipped(self, probe: str, target: str, reason: str) -> None:
        return None

    def slot_started(self, probe: str, slot: datetime, started: datetime) -> None:
        return None

    def delivery_attempted(
        self, sink: str, result: DeliveryResult, latency_ms: float | None
    ) -> None:
        return None


class FanOut:
    """Several observers behind one."""

    def __init__(self, *observers: Observer) -> None:
        self.observers = observers

    def run_completed(
        self, view: dict[str, Any], observation: Observation | None, judgement: Judgement | None
    ) -> None:
        for o in self.observers:
            o.run_completed(view, observation, judgement)

    def run_skipped(self, probe: str, target: str, reason: str) -> None:
        for o in self.observers:
            o.run_skipped(probe, target, reason)

    def slot_started(self, probe: str, slot: datetime, started: datetime) -> None:
        for o in self.observers:
            o.slot_started(probe, slot, started)

    def delivery_attempted(
        self, sink: str, result: DeliveryResult, latency_ms: float | None
    ) -> None:
        for o in self.observers:
            o.delivery_attempted(sink, result, latency_ms)
