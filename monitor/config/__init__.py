"""Configuration: YAML in, a typed ``Config`` out, every rejection located as
``file:line: key``. ``schema`` (pydantic, ``extra=forbid``, every key and its default),
``loader`` (YAML nodes, ``${ENV}`` expansion, pydantic errors mapped to lines), ``locate`` (key
paths and their lines, shared with the contract reader), ``crossrefs`` (checks a schema cannot
express), ``typewalk``, and the small parsers the rest of the monitor shares: ``timeparse``
(durations, instants, ``iso_z``), ``crontab``, ``listen``, ``dburl``, ``secrets`` (reading the
key, masking credentials).

May import: ``core`` (its vocabulary: categories, finding kinds) and the root's errors, clock
and ids. Never anything above it (probes, storage, runner, ...): every layer reads the config.
"""

from monitor.config.loader import LoadedConfig, load_config, parse_config
from monitor.config.schema import Config, ProbeConfig, TargetConfig

__all__ = ["Config", "LoadedConfig", "ProbeConfig", "TargetConfig", "load_config", "parse_config"]
