"""Likely mistakes in a config that still runs, for ``config check`` to point out.

Never errors, and not the secret warnings (``run`` turns those into errors).
"""

from __future__ import annotations

from monitor.config.crossrefs import LineOf
from monitor.config.schema import Config
from monitor.errors import ConfigIssue


def advise(config: Config, filename: str, line_of: LineOf) -> list[ConfigIssue]:
    """Likely mistakes that still run, for ``config check`` to point out (never errors, and
    not secret warnings, which ``run`` turns into errors)."""
    out = []
    for name, target in config.targets.items():
        path = target.base_url.split("?", 1)[0].rstrip("/")
        if path.endswith("/v1") and path.count("/") > 2:
            loc = ["targets", name, "base_url"]
            out.append(
                ConfigIssue(
                    filename,
                    line_of(loc),
                    f"targets.{name}.base_url",
                    "ends in /v1, and probes add /v1/... themselves: requests would go to "
                    "/v1/v1/...; write the base URL without /v1",
                    warning=True,
                )
            )
    return out
