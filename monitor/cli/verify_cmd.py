"""``monitor verify --request req.json --response resp.json [--status 200] [--probe NAME]``.

Checks a sanitized request/response pair captured from production against the published
contract, the probe's learned baseline and its assumptions, and prints the assumption ledger and
the findings: the seed's "compare the client contract to the published endpoint from production
artifacts, not from memory". Without ``--header`` the response headers count as not captured:
they are not compared with the baseline and header assumptions need confirmation (an absent
header proves nothing when no header was given). Nothing is stored or alerted. Exit 0 when
nothing is breaking and no assumption is unsupported, 1 otherwise, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from monitor.app import open_store
from monitor.cli.common import Context
from monitor.cli.output import write_json, write_table
from monitor.clock import SystemClock
from monitor.config.schema import ProbeConfig
from monitor.contract import load_contracts
from monitor.core.judge import Judgement, judge
from monitor.core.observation import Observation
from monitor.core.shape.body import MAX_BODY_BYTES
from monitor.errors import UsageError
from monitor.probes import kind_for, request_hash
from monitor.probes.spec import probe_spec


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "verify",
        parents=[common],
        help="check a captured request/response pair against contract, baseline and assumptions",
        description="Check a sanitized request/response pair captured from production against "
        "the probe's contract, baseline and assumptions; print the ledger and the findings. "
        "The request is validated against the contract's request schema. Without --header the "
        "response headers count as not captured: no header drift is reported and header "
        "assumptions are marked needs_confirmation (headers not captured).",
    )
    parser.add_argument("--request", required=True, metavar="FILE", help="request body (JSON)")
    parser.add_argument("--response", required=True, metavar="FILE", help="response body")
    parser.add_argument("--status", type=int, default=200, help="response status (default 200)")
    parser.add_argument("--probe", metavar="NAME", help="whose baseline and assumptions to use")
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="a response header (repeatable); content-type defaults to application/json. "
        "Give the captured headers to have them compared with the baseline and the assumptions; "
        "without any, headers are not checked",
    )
    parser.add_argument("--json", action="store_true", help="JSON output")
    parser.set_defaults(handler=handle)


def _read(path: str, what: str) -> bytes:
    try:
        file = Path(path)
        if file.stat().st_size > MAX_BODY_BYTES:
            raise UsageError(f"{what} {path}: larger than {MAX_BODY_BYTES} bytes")
        return file.read_bytes()
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot read: {exc.strerror or exc}") from None


def _choose_probe(ctx: Context, probes: list[ProbeConfig]) -> ProbeConfig:
    if ctx.args.probe:
        found = next((p for p in probes if p.name == ctx.args.probe), None)
        if found is None:
            known = ", ".join(p.name for p in probes) or "none"
            raise UsageError(f"unknown probe {ctx.args.probe!r} (probes: {known})")
        return found
    if len(probes) != 1:
        known = ", ".join(p.name for p in probes) or "none"
        raise UsageError(f"several probes are configured: pass --probe NAME ({known})")
    return probes[0]


def _headers(values: list[str]) -> dict[str, str]:
    headers = {"content-type": "application/json"}
    for value in values:
        name, sep, text = value.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header {value!r}: use NAME:VALUE")
        headers[name.strip().lower()] = text.strip()
    return headers


def handle(ctx: Context) -> int:
    loaded = ctx.load()
    probe = _choose_probe(ctx, list(loaded.config.probes))
    request_bytes = _read(ctx.args.request, "request")
    try:
        request_body = json.loads(request_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"request {ctx.args.request}: not JSON: {exc}") from None
    response = _read(ctx.args.response, "response")
    if not 100 <= ctx.args.status <= 599:
        raise UsageError(f"--status {ctx.args.status}: not an HTTP status")
    clock = SystemClock()
    now = clock.now()
    target = loaded.config.targets[probe.target]
    kind = kind_for(probe.kind)
    prepared = kind.prepare(probe, target, None)  # for the method and URL; no secret needed
    observation = Observation(
        probe=probe.name,
        target=probe.target,
        method=prepared.method,
        url=prepared.url,
        started_at=now,
        latency_ms=0.0,
        request_body=request_body,
        status_code=ctx.args.status,
        response_headers=_headers(ctx.args.header),
        headers_captured=bool(ctx.args.header),
        body=response,
    )
    contract = load_contracts(loaded, now).get(probe.target)
    store = open_store(loaded, ctx.env, clock, must_exist=True)
    try:
        state = store.load_state(probe.name, request_hash(probe))
    finally:
        store.close()
    judgement = judge(
        observation,
        probe_spec(probe, kind.expected_status(probe)),
        state,
        now,
        kind_checks=lambda doc: kind.check(probe, observation, doc),
        contract=contract,
    )
    baseline = state.baselines.get(judgement.response_class) if judgement.response_class else None
    view = _view(probe.name, judgement, contract.reference() if contract else None, baseline)
    if ctx.args.json:
        write_json(view, ctx.stdout)
    else:
        _print(view, ctx)
    bad = any(f["severity"] == "breaking" for f in view["findings"]) or any(
        e["mark"] == "unsupported" for e in view["ledger"]
    )
    return 1 if bad else 0


def _view(
    probe: str, judgement: Judgement, contract: dict[str, Any] | None, baseline: Any
) -> dict[str, Any]:
    active = baseline is not None and baseline.is_active
    return {
        "probe": probe,
        "outcome": judgement.outcome.value,
        "category": judgement.category.value if judgement.category else None,
        "verdict": judgement.verdict.value if judgement.verdict else None,
        "contract": contract,
        "baseline": {
            "class": judgement.response_class.value if judgement.response_class else None,
            "state": baseline.state if baseline is not None else None,
            "version": baseline.version if baseline is not None else None,
            "compared": active,
        },
        "ledger": [entry.to_json() for entry in judgement.ledger],
        "findings": [f.to_json() for f in judgement.findings],
    }


def _print(view: dict[str, Any], ctx: Context) -> None:
    out = ctx.stdout
    contract = view["contract"]
    out.write(
        f"contract: {contract['source']} (sha256 {contract['sha256'][:12]})\n"
        if contract
        else "contract: none configured for this target\n"
    )
    base = view["baseline"]
    out.write(
        f"baseline: {base['class']} v{base['version']} ({base['state']})\n"
        if base["compared"]
        else "baseline: none active for this probe: not compared\n"
    )
    out.write("\nassumptions:\n")
    write_table(
        [(e["kind"], e["subject"], e["mark"], e["reason"]) for e in view["ledger"]],
        ("kind", "assumption", "mark", "evidence"),
        out,
    )
    out.write("\nfindings:\n")
    write_table(
        [
            (f["severity"], f["kind"], f["path"] or "(body)", f["verdict"], f["message"])
            for f in view["findings"]
        ],
        ("severity", "kind", "path", "verdict", "message"),
        out,
        empty="none",
    )
    out.write(f"\noutcome: {view['outcome']}\n")
