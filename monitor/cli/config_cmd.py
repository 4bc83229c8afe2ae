"""``monitor config check FILE``: validate a config without running anything.

An unset secret is a warning here (so CI without secrets can check configs); at run time it is
an error. Exit 2 with located errors when the config is rejected.
"""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit

from monitor.cli.common import Context
from monitor.clock import SystemClock
from monitor.config.loader import LoadedConfig, load_config
from monitor.contract import load_contracts
from monitor.errors import UsageError
from monitor.probes.cost import tokens_per_run
from monitor.runner.scheduler import fires_per_day

MINUTES_PER_DAY = 24 * 60


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
    for warning in (*loaded.warnings, *loaded.advice):
        ctx.stderr.write(f"{warning}\n")
    config = loaded.config
    contracts = load_contracts(loaded, SystemClock().now())  # a broken document exits 2 here
    ctx.stdout.write(
        f"{path}: OK — {len(config.targets)} target(s), {len(config.probes)} probe(s), "
        f"config hash {loaded.config_hash}\n"
    )
    ctx.stdout.write(f"  database: {database_line(loaded, ctx)}\n")
    for name, target_config in config.targets.items():
        ctx.stdout.write(f"  target {name}: host {target_host(target_config.base_url)}\n")
    for line in expected_load(loaded):
        ctx.stdout.write(line + "\n")
    for target, contract in sorted(contracts.items()):
        ref = contract.reference()
        ctx.stdout.write(
            f"  target {target}: contract {ref['source']} (OpenAPI {ref['openapi']}, "
            f"{len(contract.operations)} operation(s), sha256 {ref['sha256'][:12]})\n"
        )
    return 0


def target_host(base_url: str) -> str:
    """Scheme, host and port: what an incident needs to know was called. The path and query
    may hold an account token from ``${ENV}``, so they are not shown."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2] or '?'}"


def database_line(loaded: LoadedConfig, ctx: Context) -> str:
    """Where the data goes: a SQLite file by its absolute path (a relative one is read against
    the config file's directory), PostgreSQL without the URL (it may hold a password)."""
    from monitor.app import database_location  # the composition root is heavy: only here

    try:
        where = database_location(loaded, ctx.env)
    except UsageError as exc:  # the environment is the run's, not the file's: a warning here
        ctx.warn(f"monitor: warning: {exc}")
        return "unknown (MONITOR_DATABASE_URL is not accepted)"
    if where.path is not None:
        state = "exists" if where.path.exists() else "created on first write"
        return f"SQLite {where.path} ({state}; from {where.origin})"
    kind = "PostgreSQL" if where.url.startswith("postgresql") else "SQLite in memory"
    return f"{kind} (from {where.origin})"


def expected_load(loaded: LoadedConfig) -> list[str]:
    """Requests and tokens per day each target will receive from the monitor (cron probes
    estimated; tokens are an upper estimate: prompt plus completion limit), against budgets."""
    lines = []
    config = loaded.config
    for name, target in config.targets.items():
        probes = [p for p in config.probes if p.target == name]
        requests = sum(fires_per_day(p) for p in probes)
        with_retries = sum(fires_per_day(p) * p.retries.attempts for p in probes)
        tokens = sum(fires_per_day(p) * tokens_per_run(p) for p in probes)
        lines.append(
            f"  target {name}: about {requests} request(s) per day (at most {with_retries} "
            f"with retries) and up to {tokens} token(s) per day"
        )
        budget = target.budget
        per_minute = requests / MINUTES_PER_DAY
        if budget.requests_per_minute is not None and per_minute > budget.requests_per_minute:
            lines.append(
                f"    budget.requests_per_minute {budget.requests_per_minute} is below the "
                f"average {per_minute:.1f}: runs over it will be skipped"
            )
        if budget.tokens_per_day is not None and tokens > budget.tokens_per_day:
            lines.append(
                f"    budget.tokens_per_day {budget.tokens_per_day} is below the {tokens} "
                "expected: runs over it will be skipped"
            )
    return lines
