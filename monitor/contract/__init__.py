"""The published contract: OpenAPI documents read, resolved and compiled once, then asked.

``load_contracts(loaded, now)`` reads every target's ``contract`` (a path, relative to the
config file, or a URL) and returns a ``Contract`` per target; a broken document is a
``ConfigError`` located both in the config (``targets.NAME.contract``) and in the document.
``Contract`` implements ``monitor.core.documented.ContractOracle`` for the judge and
``check_request`` for the request-side rule (an undocumented field is a client bug).

May import: ``core``, ``config`` (the loaded config names the documents; ``config.locate``
locates their errors) and the root's modules. Never probes, storage or anything above.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml

from monitor.config.loader import LoadedConfig
from monitor.config.locate import Locator
from monitor.contract.document import ContractDocument, ContractError, Fetch, fetch_url
from monitor.contract.document import read_document as read_document
from monitor.contract.oracle import Contract
from monitor.errors import ConfigError, ConfigIssue


def load_contract(
    source: str, *, now: datetime, base_dir: Path | None = None, fetch: Fetch = fetch_url
) -> Contract:
    return Contract(read_document(source, now=now, base_dir=base_dir, fetch=fetch))


def load_contracts(
    loaded: LoadedConfig, now: datetime, *, fetch: Fetch = fetch_url
) -> dict[str, Contract]:
    """Every configured contract by target name; all problems reported at once."""
    base_dir = Path(loaded.path).resolve().parent
    contracts: dict[str, Contract] = {}
    issues: list[ConfigIssue] = []
    by_source: dict[str, Contract] = {}
    for name, target in loaded.config.targets.items():
        if not target.contract:
            continue
        try:
            if target.contract not in by_source:
                by_source[target.contract] = load_contract(
                    target.contract, now=now, base_dir=base_dir, fetch=fetch
                )
            contracts[name] = by_source[target.contract]
        except ContractError as exc:
            line = _config_line(loaded.path, ["targets", name, "contract"])
            issues.append(
                ConfigIssue(
                    loaded.path, line, f"targets.{name}.contract", f"broken contract: {exc}"
                )
            )
        except Exception as exc:  # a schema the validator library cannot compile
            line = _config_line(loaded.path, ["targets", name, "contract"])
            issues.append(
                ConfigIssue(
                    loaded.path,
                    line,
                    f"targets.{name}.contract",
                    f"broken contract: {target.contract}: {type(exc).__name__}: {exc}"[:500],
                )
            )
    if issues:
        raise ConfigError(issues)
    return contracts


def _config_line(path: str, loc: list[str | int]) -> int | None:
    try:
        root = yaml.compose(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return Locator(root).line(loc)


__all__ = [
    "Contract",
    "ContractDocument",
    "ContractError",
    "load_contract",
    "load_contracts",
    "read_document",
]
