"""Configuration: a strict YAML schema and a loader whose errors name file, line and key."""

from monitor.config.loader import LoadedConfig, load_config, parse_config
from monitor.config.schema import Config, ProbeConfig, TargetConfig

__all__ = ["Config", "LoadedConfig", "ProbeConfig", "TargetConfig", "load_config", "parse_config"]
