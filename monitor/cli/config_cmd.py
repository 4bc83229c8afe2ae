"""``monitor config check FILE``: validate a config without running anything.

An unset secret is a warning here (so CI without secrets can check configs); at run time it is
an error. Exit 2 with located errors when the config is rejected.
"""

from __future__ import annotations

import argparse

from monitor.cli.common import Context
from monitor.clock import SystemClock
from monitor.config.loader import LoadedConfig, load_config
from monitor.contract import load_contracts
from monitor.scheduler import fires_per_day


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser("config", parents=[common], help="configuration tools")
    actions = parser.add_subparsers(dest="config_action", metavar="ACTION")
    actions.required = True
    check = actions.add_parser(
        "check",
        parents=[common],
        help="validate a configuration file",
        description="Validate FILE strictly; print each problem as file:line: key: message.",
    )
    check.add_argument(
        "file", metavar="FILE", nargs="?", help="default: --config / $MONITOR_CONFIG"
    )
    check.set_defaults(handler=handle_check)


def handle_check(ctx: Context) -> int:
    path = ctx.args.file or ctx.config_path()
    loaded = load_config(path, ctx.env)
    for warning in loaded.warnings:
        ctx.stderr.write(f"{warning}\n")
    config = loaded.config
    contracts = load_contracts(loaded, SystemClock().now())  # a broken document exits 2 here
    ctx.stdout.write(
        f"{path}: OK — {len(config.targets)} target(s), {len(config.probes)} probe(s), "
        f"config hash {loaded.config_hash}\n"
    )
    for line in expected_load(loaded):
        ctx.stdout.write(line + "\n")
    for target, contract in sorted(contracts.items()):
        ref = contract.reference()
        ctx.stdout.write(
            f"  target {target}: contract {ref['source']} (OpenAPI {ref['openapi']}, "
            f"{len(contract.operations)} operation(s), sha256 {ref['sha256'][:12]})\n"
        )
    return 0


def expected_load(loaded: LoadedConfig) -> list[str]:
    """Requests per day each target will receive from the monitor (cron probes estimated)."""
    lines = []
    for name in loaded.config.targets:
        per_day = sum(fires_per_day(p) for p in loaded.config.probes if p.target == name)
        lines.append(f"  target {name}: about {per_day} request(s) per day")
    return lines
