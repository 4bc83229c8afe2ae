"""Learned baselines: shapes merged from the first healthy responses, then frozen.

A baseline is keyed by probe, a hash of the probe's request definition (changing the model or
the params relearns instead of alerting) and the response class. While ``learning`` it absorbs
every healthy sample; once it has ``learn_runs`` samples (and ``learn_for`` has passed, when set)
it becomes ``active`` (frozen) and every later response is compared with it. Versions only
grow: ``monitor baseline accept`` and ``import`` add a version and keep the old ones. An active
baseline changes in three bounded ways only: a field it only ever saw null takes its first
non-null type, a chunk baseline stored before SSE framing was recorded takes its first stream's
(``monitor.core.shape.framing``), and its ``watch`` counts runs (``monitor.core.shape.watch``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from monitor.core.model import ResponseClass
from monitor.core.shape.stats import Shape, merge_shapes
from monitor.core.shape.watch import Watch

LEARNING = "learning"
ACTIVE = "active"


@dataclass(frozen=True)
class LearnPolicy:
    learn_runs: int = 5
    learn_for: timedelta | None = None


@dataclass(frozen=True)
class BaselineRecord:
    probe: str
    request_hash: str
    response_class: ResponseClass
    version: int
    state: str  # learning | active
    shape: Shape
    started_at: datetime
    activated_at: datetime | None = None
    watch: Watch = field(default_factory=Watch)

    @property
    def is_active(self) -> bool:
        return self.state == ACTIVE


def learn(
    record: BaselineRecord | None,
    observed: Shape,
    *,
    probe: str,
    request_hash: str,
    response_class: ResponseClass,
    now: datetime,
    policy: LearnPolicy,
    next_version: int = 1,
) -> BaselineRecord:
    """Absorb one healthy sample into a learning baseline (or start one)."""
    if record is None:
        record = BaselineRecord(
            probe=probe,
            request_hash=request_hash,
            response_class=response_class,
            version=next_version,
            state=LEARNING,
            shape=Shape(),
            started_at=now,
        )
    if record.is_active:
        return record
    record = replace(record, shape=merge_shapes(record.shape, observed))
    long_enough = policy.learn_for is None or now - record.started_at >= policy.learn_for
    if record.shape.samples >= policy.learn_runs and long_enough:
        record = replace(record, state=ACTIVE, activated_at=now)
    return record
