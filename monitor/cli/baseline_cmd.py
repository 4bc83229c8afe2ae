"""``monitor baseline show|accept|reset|export|import PROBE``.

``accept`` adopts the latest run's shape as a new version (the old one is kept) and resolves the
open drift events that run showed; their resolution alerts go out before the command exits.
``export`` writes the current baselines as reviewable JSON (stdout or ``--output FILE``);
``import FILE`` makes each class in it a new active version.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from monitor.app import build_app, open_store
from monitor.cli.common import Context, unknown_probe
from monitor.cli.output import write_json, write_table
from monitor.clock import SystemClock
from monitor.core.shape.stats import Shape
from monitor.errors import UsageError
from monitor.probes import request_hash
from monitor.storage.sql.baselines import ImportProblem
from monitor.storage.status_records import AcceptedBaseline

ALERT_DRAIN_S = 30.0
MAX_IMPORT_BYTES = 16 * 1024 * 1024


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "baseline", parents=[common], help="inspect or change learned baselines"
    )
    actions = parser.add_subparsers(dest="baseline_action", metavar="ACTION")
    actions.required = True
    for name, handler, text in (
        ("show", handle_show, "show baseline versions and the active shape"),
        ("accept", handle_accept, "adopt the latest observed shape as a new active version"),
        ("reset", handle_reset, "forget the current baselines; the next runs relearn"),
        ("export", handle_export, "write the current baselines as JSON (for review)"),
        ("import", handle_import, "make the baselines in FILE the new active versions"),
    ):
        action = actions.add_parser(name, parents=[common], help=text, description=text)
        action.add_argument("probe", metavar="PROBE", help="the probe's name")
        if name == "show":
            action.add_argument("--json", action="store_true", help="JSON output")
        if name == "export":
            action.add_argument("--output", "-o", metavar="FILE", help="default: stdout")
        if name == "import":
            action.add_argument("file", metavar="FILE", help="a file written by export")
        action.set_defaults(handler=handler)


def _probe_checked(ctx: Context) -> str:
    loaded = ctx.load()
    name = str(ctx.args.probe)
    if loaded.config.probe(name) is None:
        raise unknown_probe(name, loaded)
    return name


def handle_show(ctx: Context) -> int:
    probe = _probe_checked(ctx)
    store = open_store(ctx.load(), ctx.env, SystemClock(), must_exist=True)
    try:
        rows = store.list_baselines(probe)
    finally:
        store.close()
    if ctx.args.json:
        write_json([r.to_json() for r in rows], ctx.stdout)
        return 0
    if not rows:
        ctx.stdout.write(f"no baseline yet for {probe}: run `monitor check --probe {probe}`\n")
        return 0
    write_table(
        [
            (
                r.response_class,
                r.version,
                r.state,
                r.samples,
                r.source,
                r.started_at,
                r.activated_at,
                r.request_hash,
            )
            for r in rows
        ],
        ("class", "version", "state", "samples", "source", "started", "activated", "request"),
        ctx.stdout,
    )
    for row in rows:
        if row.state in ("active", "learning"):
            ctx.stdout.write(f"\n{row.response_class} v{row.version} ({row.state}):\n")
            _shape_table(Shape.from_json(row.shape), ctx)
    return 0


def _shape_table(shape: Shape, ctx: Context) -> None:
    rows: list[tuple[Any, ...]] = []
    for path, stats in sorted(shape.paths.items()):
        values = (
            ", ".join(sorted(stats.values)) if stats.values else ("(open)" if stats.enum else "")
        )
        rows.append(
            (
                path,
                f"{stats.present}/{shape.samples}",
                "|".join(sorted(stats.types)),
                stats.nulls,
                values,
            )
        )
    write_table(rows, ("path", "present", "types", "nulls", "values"), ctx.stdout)
    if shape.header_samples:
        headers = ", ".join(
            f"{n} {c}/{shape.header_samples}" for n, c in sorted(shape.headers.items())
        )
        ctx.stdout.write(f"headers: {headers}\n")
    if shape.framing_samples:
        framing = ", ".join(
            f"{n} {c}/{shape.framing_samples}" for n, c in sorted(shape.framing.items())
        )
        ctx.stdout.write(f"sse framing: {framing or 'data: lines only'}\n")


def handle_accept(ctx: Context) -> int:
    probe = _probe_checked(ctx)
    accepted = asyncio.run(_accept(ctx, probe))
    if accepted is None:
        raise UsageError(f"{probe} has no run with a parsed body to accept")
    ctx.stdout.write(
        f"{probe}: {accepted.baseline.response_class} baseline v{accepted.baseline.version} "
        f"is active ({accepted.baseline.note})\n"
    )
    resolved = accepted.resolved_events
    if resolved:
        ctx.stdout.write(f"{probe}: {len(resolved)} drift event(s) it explains resolved\n")
    return 0


async def _accept(ctx: Context, probe: str) -> AcceptedBaseline | None:
    loaded = ctx.load()
    app = build_app(loaded, env=ctx.env, stderr=ctx.stderr)
    try:
        config = loaded.config.probe(probe)
        assert config is not None
        from monitor.probes.spec import alert_facts

        info = alert_facts(loaded.config, config)
        accepted = await app.db.run(
            lambda: app.store.accept_baseline(
                probe, app.clock.now(), router=app.pipeline.deps.router, probe_info=info
            )
        )
        if accepted is not None and accepted.outbox_ids:
            app.dispatcher.wake()
            await app.dispatcher.drain(timeout_s=ALERT_DRAIN_S)
        return accepted
    finally:
        await app.aclose()


def handle_reset(ctx: Context) -> int:
    probe = _probe_checked(ctx)
    clock = SystemClock()
    store = open_store(ctx.load(), ctx.env, clock)
    try:
        count = store.reset_baselines(probe, clock.now())
    finally:
        store.close()
    ctx.stdout.write(f"{probe}: {count} baseline(s) superseded; the next runs relearn\n")
    return 0


def handle_export(ctx: Context) -> int:
    probe = _probe_checked(ctx)
    clock = SystemClock()
    store = open_store(ctx.load(), ctx.env, clock, must_exist=True)
    try:
        document = store.export_baselines(probe, clock.now())
    finally:
        store.close()
    if not document["baselines"]:
        raise UsageError(f"{probe} has no baseline to export yet")
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if ctx.args.output:
        Path(ctx.args.output).write_text(text, encoding="utf-8")
        ctx.stdout.write(
            f"{probe}: {len(document['baselines'])} baseline(s) written to {ctx.args.output}\n"
        )
    else:
        ctx.stdout.write(text)
    return 0


def handle_import(ctx: Context) -> int:
    probe = _probe_checked(ctx)
    loaded = ctx.load()
    config = loaded.config.probe(probe)
    assert config is not None
    path = Path(ctx.args.file)
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise UsageError(f"{path}: larger than {MAX_IMPORT_BYTES} bytes")
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not JSON: {exc}") from None
    clock = SystemClock()
    store = open_store(loaded, ctx.env, clock)
    try:
        added = store.import_baselines(probe, document, request_hash(config), clock.now())
    except ImportProblem as exc:
        raise UsageError(f"{path}: {exc}") from None
    finally:
        store.close()
    for row in added:
        ctx.stdout.write(
            f"{probe}: {row.response_class} baseline v{row.version} is active ({row.note})\n"
        )
    return 0
