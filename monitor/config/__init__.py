"""Configuration: YAML in, a typed ``Config`` out, every rejection located as
``file:line: key``. ``schema`` (pydantic, ``extra=forbid``, every key and its default),
``loader`` (YAML nodes, ``${ENV}`` expansion, pydantic errors mapped to lines), ``locate`` (key
paths and their lines, shared with the contract reader), ``crossrefs`` (checks a schema cannot
express), ``typewalk``, and the small parsers the rest of the monitor shares: ``timeparse``
(durations, instants, ``iso_z``), ``crontab``, ``listen``, ``dburl``, ``secrets`` (reading the
key, masking credentials).

May import: ``core`` (its vocabulary: categories, finding kinds) and the root's errors, clock
and ids. Never anything above it (probes, storage, runner, ...): every layer reads the config.

The names below are loaded on first use (PEP 562), not when the package is imported: the light
modules here (``timeparse``, ``dburl``, ``listen``) are read by ``monitor --help`` and
``monitor healthcheck``, which must not pay for pydantic, yaml and APScheduler.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.config.loader import LoadedConfig, load_config, parse_config
    from monitor.config.schema import Config, ProbeConfig, TargetConfig

__all__ = ["Config", "LoadedConfig", "ProbeConfig", "TargetConfig", "load_config", "parse_config"]

_HOMES = {
    "Config": "monitor.config.schema",
    "ProbeConfig": "monitor.config.schema",
    "TargetConfig": "monitor.config.schema",
    "LoadedConfig": "monitor.config.loader",
    "load_config": "monitor.config.loader",
    "parse_config": "monitor.config.loader",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
