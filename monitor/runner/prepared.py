"""A *prepared probe*: what a probe's configuration resolves to, resolved once.

The probe kind, the judge's ``ProbeSpec``, the probe context (the models its target's probes
send) and the target's contract do not change between runs: the composition root resolves
them for every configured probe when it builds the app from a loaded config (a reloaded config
builds a new app), and the live run, its judgement and the spool replay share them, so the
three cannot disagree about a probe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from monitor.config.schema import Config, ProbeConfig, TargetConfig
from monitor.contract.oracle import Contract
from monitor.core.judge import Judgement, ProbeSpec, ProbeState, judge
from monitor.core.observation import Observation
from monitor.core.policy.scrub import Scrubber
from monitor.probes import context_for, kind_for
from monitor.probes.base import ProbeContext, ProbeKind
from monitor.probes.spec import probe_spec
from monitor.runner.guard import guarded_judge


@dataclass(frozen=True)
class PreparedProbe:
    config: ProbeConfig
    target: TargetConfig
    kind: ProbeKind
    spec: ProbeSpec
    context: ProbeContext
    contract: Contract | None

    @property
    def name(self) -> str:
        return self.config.name

    def judge_for(
        self, observation: Observation, finished: datetime, scrubber: Scrubber | None = None
    ) -> Callable[[ProbeState], Judgement]:
        """The pure judgement of ``observation``, to run inside the run's transaction; an
        exception in it becomes a ``monitor-error`` judgement, its message scrubbed with
        ``scrubber`` (``runner.guard``)."""
        probe, kind, context = self.config, self.kind, self.context

        def judge_run(state: ProbeState) -> Judgement:
            return judge(
                observation,
                self.spec,
                state,
                finished,
                kind_checks=lambda doc: kind.check(probe, observation, doc, context),
                contract=self.contract,
            )

        return guarded_judge(judge_run, observation, self.spec, finished, scrubber or Scrubber([]))


def prepare_probe(
    probe: ProbeConfig, config: Config, contracts: Mapping[str, Contract]
) -> PreparedProbe:
    kind = kind_for(probe.kind)
    return PreparedProbe(
        config=probe,
        target=config.targets[probe.target],
        kind=kind,
        spec=probe_spec(probe, kind.expected_status(probe)),
        context=context_for(probe, config),
        contract=contracts.get(probe.target),
    )


class PreparedProbes:
    """Every configured probe, prepared once, by name."""

    def __init__(self, config: Config, contracts: Mapping[str, Contract]) -> None:
        self.config = config
        self.contracts = contracts
        self.by_name = {p.name: prepare_probe(p, config, contracts) for p in config.probes}

    def get(self, probe: ProbeConfig) -> PreparedProbe:
        """``probe`` as prepared at start-up; a probe config that is not one of this config's
        (a test's variant of it) is prepared now, the same way."""
        found = self.by_name.get(probe.name)
        if found is not None and found.config is probe:
            return found
        return prepare_probe(probe, self.config, self.contracts)
