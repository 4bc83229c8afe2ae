"""``monitor last-good PROBE``: the last passing run, and what changed since then."""

from __future__ import annotations

import argparse

from monitor.app import open_store
from monitor.cli.common import Context, add_format_options
from monitor.cli.output import write_json
from monitor.clock import SystemClock
from monitor.errors import UsageError
from monitor.views.diff import diff_runs, render_diff


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "last-good",
        parents=[common],
        help="the last passing run of a probe and what changed since",
        description="Find PROBE's newest passing run, count the runs after it by outcome, and "
        "diff it with the newest run (status, shape, headers).",
    )
    parser.add_argument("probe", metavar="PROBE", help="the probe's name")
    add_format_options(parser, ("text", "json"))
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    loaded = ctx.load()
    probe = ctx.args.probe
    if loaded.config.probe(probe) is None:
        known = ", ".join(p.name for p in loaded.config.probes) or "none"
        raise UsageError(f"unknown probe {probe!r} (probes: {known})")
    store = open_store(loaded, ctx.env, SystemClock(), must_exist=True)
    try:
        good = store.last_run(probe, outcomes=("pass",))
        latest = store.last_run(probe)
        counts = store.outcome_counts(probe, good["started_at"]) if good else {}
        diff = None
        if good and latest and latest["id"] != good["id"]:
            diff = diff_runs(
                good, store.get_evidence(good["id"]), latest, store.get_evidence(latest["id"])
            )
    finally:
        store.close()
    result = {
        "probe": probe,
        "last_good": _brief(good),
        "latest": _brief(latest),
        "runs_since": counts,
        "diff": diff,
    }
    if ctx.args.format == "json":
        write_json(result, ctx.stdout)
        return 0
    out = ctx.stdout
    if good is None:
        out.write(f"{probe} has no passing run on record\n")
        return 1
    out.write(f"last good run of {probe}: {good['id']} at {result['last_good']['started_at']}\n")
    if diff is None:
        out.write("it is also the newest run: nothing changed since\n")
        return 0
    tally = ", ".join(f"{n} {o}" for o, n in sorted(counts.items())) or "none"
    out.write(f"runs since: {tally}\n")
    out.write(render_diff(diff))
    return 0


def _brief(row: dict[str, object] | None) -> dict[str, object] | None:
    if row is None:
        return None
    return {k: row.get(k) for k in ("id", "started_at", "outcome", "status_code", "trace_id")}
