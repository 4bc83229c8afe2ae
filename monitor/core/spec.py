"""What the judge is told about a probe (``ProbeSpec``) and the state it starts from
(``ProbeState``), as plain records.

The caller builds the spec from config and loads the state in the run's transaction, so a
judgement never starts from stale baselines or events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from monitor.core.assumptions import Assumptions
from monitor.core.baseline import BaselineRecord, LearnPolicy
from monitor.core.events import EventGate, EventRecord
from monitor.core.model import ResponseClass
from monitor.core.overrides import Overrides


@dataclass(frozen=True)
class ProbeSpec:
    """What the judge needs to know about a probe (built from config by the caller)."""

    name: str
    target: str
    request_hash: str
    expected_status: frozenset[int] = frozenset({200})
    learn: LearnPolicy = field(default_factory=LearnPolicy)
    gate: EventGate = field(default_factory=EventGate)
    assumed_paths: frozenset[str] = frozenset()
    enum_paths: frozenset[str] = frozenset()
    assumptions: Assumptions | None = None
    overrides: Overrides = field(default_factory=Overrides)
    request_invalid_on_purpose: bool = False  # request_validation: not checked against the schema
    required_members: tuple[str, ...] = ()  # the protocol's answer members (``shape.required``)


@dataclass(frozen=True)
class ProbeState:
    """The persisted state a judgement starts from."""

    baselines: Mapping[ResponseClass, BaselineRecord] = field(default_factory=dict)
    events: Mapping[str, EventRecord] = field(default_factory=dict)
    next_version: Mapping[ResponseClass, int] = field(default_factory=dict)
    last_pass_key: str | None = None  # the key fingerprint the latest passing run sent
