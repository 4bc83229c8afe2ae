"""Configuration: a strict YAML schema and a loader whose errors name file, line and key.

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
