"""What one run of a probe may cost the target: requests and tokens (for budgets and
``config check``). Tokens are an upper estimate: the prompt at 4 characters a token plus the
completion limit the probe sets; kinds built to be refused (or that generate nothing) cost 0.
"""

from __future__ import annotations

from monitor.config.schema import ProbeConfig
from monitor.core.policy.budget import estimate_tokens
from monitor.probes.negative import SYNTHETIC
from monitor.probes.token_field import DEFAULT_LIMIT, TOKEN_FIELDS

GENERATION_KINDS = frozenset({"chat_completion", "chat_completion_stream"})


def tokens_per_run(probe: ProbeConfig) -> int:
    if probe.kind in GENERATION_KINDS:
        return estimate_tokens(probe.messages, probe.params)
    if probe.kind == "token_field":
        limit = next((probe.params[f] for f in TOKEN_FIELDS if f in probe.params), DEFAULT_LIMIT)
        return estimate_tokens(probe.messages or SYNTHETIC, {"max_tokens": limit})
    return 0
