"""``monitor show RUN_ID``: one run's full redacted evidence and its assumption ledger."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from monitor.app import open_store
from monitor.cli.common import Context, add_format_options
from monitor.cli.output import shown, write_json
from monitor.clock import SystemClock
from monitor.errors import UsageError
from monitor.views.evidence import run_detail
from monitor.views.jsonable import to_jsonable


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "show",
        parents=[common],
        help="one run's evidence, findings and assumption ledger",
        description="Everything stored for one run (secrets redacted): request, response, "
        "attempts, findings, the assumption ledger and the trace id.",
    )
    parser.add_argument(
        "run_id", metavar="RUN_ID", help="run id, or a unique prefix of 6+ characters"
    )
    add_format_options(parser, ("text", "json"))
    parser.set_defaults(handler=handle)


def load_detail(ctx: Context, run_id: str) -> dict[str, Any]:
    loaded = ctx.load()
    store = open_store(loaded, ctx.env, SystemClock(), must_exist=True)
    try:
        run_id = store.resolve_run_id(run_id)
        row = store.get_run(run_id)
        if row is None:
            raise UsageError(f"no run {run_id!r}: see `monitor history` for run ids")
        return run_detail(row, store.get_evidence(run_id))
    finally:
        store.close()


def handle(ctx: Context) -> int:
    detail = load_detail(ctx, ctx.args.run_id)
    if ctx.args.format == "json":
        write_json(detail, ctx.stdout)
    else:
        render_detail(detail, ctx.stdout)
    return 0


def _dump(value: Any) -> str:
    return json.dumps(value, default=to_jsonable, ensure_ascii=False, indent=2)


def render_detail(d: dict[str, Any], out: TextIO) -> None:
    ev = d.get("evidence") or {}
    w = out.write
    w(f"run {d['run_id']}  {d['probe']} -> {d['target']}  ({d['trigger']})\n")
    w(f"  started   {shown(d['started_at'])}   finished {shown(d['finished_at'])}\n")
    w(f"  outcome   {shown(d['outcome'])}   status {shown(d['status_code'], 'none')}   ")
    w(f"{shown(d['latency_ms'])} ms   attempts {d['attempts']}\n")
    w(f"  category  {d['category'] or '-'}   verdict {d['verdict'] or '-'}\n")
    w(f"  trace id  {d['trace_id'] or '-'}   request id {d['request_id'] or '-'}\n")
    b = d["baseline"]
    if b["class"] is None:
        w("  baseline  none (the run was not compared with a baseline)\n")
    else:
        w(f"  baseline  {b['class']} v{shown(b['version'], '?')} ({shown(b['state'])})\n")
    if d.get("error"):
        w(f"  error     {d['error']}\n")
    w("\nfindings:\n")
    for f in d["findings"] or []:
        w(f"  {f['severity']:<8} {f['kind']} `{f['path'] or '(body)'}` ")
        w(f"[{f['category']}, {f['verdict']}]: {f['message']}\n")
    if not d["findings"]:
        w("  none\n")
    w("\nassumption ledger:\n")
    ledger = ev.get("ledger")
    if ledger:
        for entry in ledger:
            w(f"  {_ledger_line(entry)}\n")
    else:
        w("  none recorded (the probe declares no `assumes`)\n")
    if not ev:
        w("\nno evidence stored for this run\n")
        return
    w(f"\nrequest: {ev['method']} {ev['url']}  (key fingerprint {ev['key_fingerprint'] or '-'})\n")
    for name, value in sorted(ev["request_headers"].items()):
        w(f"  {name}: {value}\n")
    if ev["request_body"] is not None:
        w(_indent(_dump(ev["request_body"])) + "\n")
    w("\nresponse headers:\n")
    for name, value in sorted(ev["response_headers"].items()):
        w(f"  {name}: {value}\n")
    size = ev["body_size"]
    w(f"\nresponse body ({size} bytes{', truncated' if ev['body_truncated'] else ''}):\n")
    w(_indent(ev["body"] or "(empty)") + "\n")
    if ev["attempts"]:
        w("\nattempts:\n")
        for a in ev["attempts"]:
            w(f"  #{a.get('number')} +{a.get('started_ms', 0)} ms {a.get('outcome')} ")
            w(f"status {shown(a.get('status_code'), 'none')} {shown(a.get('latency_ms'))} ms")
            w(f" {a['error']}\n" if a.get("error") else "\n")
    w(f"\nusage: {_dump(ev['usage']) if ev['usage'] is not None else 'absent'}\n")
    if ev.get("contract"):
        w(f"contract: {_dump(ev['contract'])}\n")


def _ledger_line(entry: Any) -> str:
    if not isinstance(entry, dict):
        return str(entry)
    mark = entry.get("mark") or entry.get("status") or "?"
    name = entry.get("subject") or entry.get("assumption") or entry.get("name") or "?"
    kind = entry.get("kind") or entry.get("area") or ""
    detail = entry.get("reason") or entry.get("detail") or entry.get("message") or ""
    return f"{mark:<19} {kind + ' ' if kind else ''}{name}" + (f": {detail}" if detail else "")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
