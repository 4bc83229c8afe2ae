"""Load a YAML config strictly; every rejection names the file, the line and the key path.

PyYAML composes a node tree (which keeps line numbers) and pydantic validates the data; the
two are joined by key path so a pydantic error ``('probes', 2, 'every')`` becomes
``config.yaml:14: probes[2].every: invalid duration '5 minutes' ...``.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from monitor.config.advice import advise
from monitor.config.crossrefs import check_config
from monitor.config.locate import Loc, Locator, format_loc
from monitor.config.schema import Config, TargetConfig, WithHeaders
from monitor.config.secrets import url_secret_parts
from monitor.config.typewalk import valid_keys
from monitor.errors import ConfigError, ConfigIssue

__all__ = ["EnvUse", "LoadedConfig", "Loc", "Locator", "format_loc", "load_config", "parse_config"]

EnvUse = tuple[list[str | int], str]  # where a ``${NAME}`` was expanded, and its value
_ENV_REF = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class LoadedConfig:
    config: Config
    path: str
    sha256: str
    warnings: tuple[ConfigIssue, ...] = ()
    # likely mistakes that still run (``config check`` prints them; never errors)
    advice: tuple[ConfigIssue, ...] = ()

    @property
    def config_hash(self) -> str:
        return self.sha256[:12]


def load_config(
    path: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    *,
    secrets_required: bool = False,
) -> LoadedConfig:
    filename = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            [ConfigIssue(filename, None, "", f"cannot read the file: {exc}")]
        ) from None
    return parse_config(text, filename, env, secrets_required=secrets_required)


def parse_config(
    text: str,
    filename: str,
    env: Mapping[str, str] | None = None,
    *,
    secrets_required: bool = False,
) -> LoadedConfig:
    environ = os.environ if env is None else env
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        issues = _duplicate_keys(root, filename, [])
        data = loader.construct_document(root) if root is not None else {}
    except _RecursiveAliasError as exc:
        raise ConfigError([exc.issue]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([ConfigIssue(filename, line, "", f"invalid YAML: {problem}")]) from None
    finally:
        loader.dispose()
    locator = Locator(root)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        issues.append(ConfigIssue(filename, 1, "", "the top level must be a mapping of keys"))
        raise ConfigError(issues)
    from_env: list[EnvUse] = []
    data = _expand_env(data, [], environ, issues, filename, locator, from_env)
    if issues:
        raise ConfigError(issues)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_pydantic_issues(exc, filename, locator)) from None
    _note_env_secrets(config, from_env)
    errors, warnings = check_config(config, filename, locator.line, environ, secrets_required)
    if errors:
        raise ConfigError(errors)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    advice = tuple(advise(config, filename, locator.line))
    return LoadedConfig(
        config=config, path=filename, sha256=digest, warnings=tuple(warnings), advice=advice
    )


class _RecursiveAliasError(Exception):
    def __init__(self, issue: ConfigIssue) -> None:
        self.issue = issue


def _duplicate_keys(
    node: yaml.Node | None,
    filename: str,
    loc: list[str | int],
    ancestors: frozenset[int] = frozenset(),
) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    if node is not None and id(node) in ancestors:
        # `a: &x [*x]` contains itself; nothing downstream could ever finish walking it
        raise _RecursiveAliasError(
            ConfigIssue(filename, node.start_mark.line + 1, format_loc(loc), "recursive YAML alias")
        )
    if node is not None:
        ancestors = ancestors | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                issues.append(
                    ConfigIssue(
                        filename,
                        key_node.start_mark.line + 1,
                        format_loc([*loc, key]),
                        "duplicate key (YAML would silently keep only the last one)",
                    )
                )
            seen.add(key)
            issues.extend(_duplicate_keys(value_node, filename, [*loc, key], ancestors))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            issues.extend(_duplicate_keys(item, filename, [*loc, index], ancestors))
    return issues


def _expand_env(
    value: Any,
    loc: list[str | int],
    env: Mapping[str, str],
    issues: list[ConfigIssue],
    filename: str,
    locator: Locator,
    from_env: list[EnvUse],
) -> Any:
    """``value`` with ``${NAME}`` references expanded; where a variable's value was used, the
    location and the value are appended to ``from_env``."""
    if isinstance(value, dict):
        return {
            k: _expand_env(v, [*loc, str(k)], env, issues, filename, locator, from_env)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _expand_env(v, [*loc, i], env, issues, filename, locator, from_env)
            for i, v in enumerate(value)
        ]
    if not isinstance(value, str) or "$" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name in env:
            from_env.append((loc, env[name]))
            return env[name]
        if default is not None:
            return default
        issues.append(
            ConfigIssue(
                filename,
                locator.line(loc),
                format_loc(loc),
                f"environment variable {name} is not set "
                f"(write ${{{name}:-default}} for a default)",
            )
        )
        return ""

    return _ENV_REF.sub(replace, value)


def _note_env_secrets(config: Config, from_env: list[EnvUse]) -> None:
    """Values from the environment where a credential can hide are scrubbed wherever they are
    echoed, like the API key: configured headers (evidence also masks them by name), an
    ``http`` probe's path and body, the path and query of a target's ``base_url``
    (``?token=${T}``; never its scheme and host, which incidents must show). Model names,
    messages and params are left alone: masking a prompt would mangle its echoes and hide
    nothing."""
    for loc, value in from_env:
        section, owner, field = [*loc, "", "", ""][:3]
        if section == "targets" and owner in config.targets:
            model: WithHeaders = config.targets[str(owner)]
        elif section == "probes" and isinstance(owner, int) and owner < len(config.probes):
            model = config.probes[owner]
        else:
            continue
        if field == "headers" and len(loc) == 4:
            model.note_env_header(str(loc[3]))
            model.note_env_secret(value)
        elif field == "base_url" and isinstance(model, TargetConfig):
            for part in url_secret_parts(model.base_url, value):
                model.note_env_secret(part)
        elif field in ("path", "body", "base_url"):
            model.note_env_secret(value)


def unknown_key_message(loc: Loc) -> str:
    """An unknown key, with the nearest valid one ("did you mean `every`?"); a target's
    ``api_key`` is a key written into the file, which is never accepted: say what to write."""
    allowed = valid_keys(Config, loc[:-1])
    key = str(loc[-1])
    if key == "api_key" and "api_key_env" in allowed:
        return (
            "unknown key: the API key is never written in the config; name its environment "
            "variable with `api_key_env` or a file holding it with `api_key_file`"
        )
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return "unknown key" + hint + (f"; valid keys: {', '.join(allowed)}" if allowed else "")


def _pydantic_issues(exc: ValidationError, filename: str, locator: Locator) -> list[ConfigIssue]:
    issues = []
    for error in exc.errors():
        loc = [p for p in error["loc"] if isinstance(p, str | int)]
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = unknown_key_message(loc)
            line = locator.line(loc, key=True)
        elif error["type"] == "missing":
            message = "required key is missing"
            line = locator.line(loc[:-1], key=True)
        else:
            line = locator.line(loc)
        issues.append(ConfigIssue(filename, line, format_loc(loc), message))
    return sorted(issues, key=lambda i: (i.line or 0, i.key_path))
