"""What keeps one hostile answer (or one bug) from wedging a run.

Judging and the redaction before storage are pure walks over what an upstream sent. If either
raises, the exception must not escape ``record_run``: the run would stay ``claimed``, the
reaper would re-run the slot and send upstream again, and nothing would ever be recorded.
So an exception becomes a ``fail`` run with a ``monitor-error`` finding naming its type and
a scrubbed message, judged like a transport failure (nothing learned, only the probe's health
event moves).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from monitor.core.judge import Judgement, ProbeSpec, ProbeState, judge
from monitor.core.observation import Observation, TransportFailure
from monitor.core.policy.redact import redact_observation
from monitor.core.policy.scrub import Scrubber
from monitor.core.taxonomy import MONITOR_ERROR

log = logging.getLogger("monitor.runner.guard")
MESSAGE_CAP = 300


def monitor_error(observation: Observation, exc: BaseException, scrubber: Scrubber) -> Observation:
    """``observation`` as a failure of the monitor itself: no body left to walk."""
    text = scrubber.text(str(exc))[:MESSAGE_CAP]
    message = f"the monitor could not judge this answer: {type(exc).__name__}: {text}".rstrip()
    failure = TransportFailure(MONITOR_ERROR, message.rstrip(": "), retryable=False)
    return replace(observation, body=b"", stream=None, failure=failure)


def guarded_judge(
    judge_run: Callable[[ProbeState], Judgement],
    observation: Observation,
    spec: ProbeSpec,
    finished: datetime,
    scrubber: Scrubber,
) -> Callable[[ProbeState], Judgement]:
    """``judge_run``, or the judgement of a ``monitor-error`` failure when it raises."""

    def run(state: ProbeState) -> Judgement:
        try:
            return judge_run(state)
        except Exception as exc:  # any bug or hostile input: recorded, never a stuck claim
            log.error("probe %s: judging failed with %s", spec.name, type(exc).__name__)
            return judge(monitor_error(observation, exc, scrubber), spec, state, finished)

    return run


def stored_form(observation: Observation, *, response_text: bool) -> Observation:
    """What storage keeps (answer text withheld when asked); when even that walk fails, the
    body is withheld whole rather than the run lost."""
    try:
        return redact_observation(observation, response_text=response_text, secrets=[])
    except Exception as exc:
        log.error("probe %s: redaction failed with %s", observation.probe, type(exc).__name__)
        return replace(observation, body=b"", stream=None)
