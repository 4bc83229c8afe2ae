"""Facts -> statements. Pure: every sentence is built from counts the database returned.

Style (the seed's "what to write in the post-incident note"): short sentences that can be
tested against the evidence, a count and run ids behind each, percentages of all runs in the
window, rate-limit and billing observations flagged as needing account confirmation, open
questions kept apart from conclusions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from monitor.report.model import Report, Section, Statement

MAX_SEGMENTS_PER_PROBE = 12


@dataclass(frozen=True)
class ReportInput:
    facts: dict[str, Any]
    since: datetime
    until: datetime
    tz: str = "UTC"
    target: str | None = None
    environment: str = "production"
    contracts: dict[str, str | None] = field(default_factory=dict)  # target -> contract source


def _t(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def _runs(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def build_report(inp: ReportInput) -> Report:
    f = inp.facts
    totals = f["totals"]
    zone = ZoneInfo(inp.tz)
    window = {
        "since_utc": _t(inp.since),
        "until_utc": _t(inp.until),
        "tz": inp.tz,
        "since_local": inp.since.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z"),
        "until_local": inp.until.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    scope = (
        f"These statements cover synthetic probes only ({_runs(totals['runs'])} of "
        f"{totals['probes']} probe(s) sent by Contract Monitor), not production traffic."
    )
    sections = (
        Section("versions", "Contract and baseline versions in force", _versions(inp)),
        Section("status", "Status-code timeline", _timeline(f["timeline"])),
        Section("failures", "Failed runs by category and verdict", _failures(f, totals)),
        Section("episodes", "First failure and recovery", _episodes(f["episodes"])),
        Section("ledger", "Assumption ledger", _ledger(f["ledgers"])),
        Section("usage", "Usage fields", _usage(totals, f["usage_absent_ids"])),
        Section("spend", "What the monitor itself spent", _spend(totals)),
        Section("open_questions", "Open questions", _open_questions(f["open_questions"])),
        Section("account", "Rate-limit and billing observations", _account(f["account"])),
    )
    title = "Incident packet" + (f": target {inp.target}" if inp.target else "")
    return Report(title, scope, window, inp.target, inp.environment, sections, dict(totals))


def _versions(inp: ReportInput) -> tuple[Statement, ...]:
    out = []
    targets = [inp.target] if inp.target else sorted(inp.contracts)
    for target in targets:
        source = inp.contracts.get(target)
        out.append(
            Statement(
                f"Target {target} is checked against the published contract {source}."
                if source
                else f"Target {target} has no published contract configured: "
                "findings come from learned baselines only."
            )
        )
    notes: dict[str, list[str]] = defaultdict(list)
    for row in inp.facts["ledgers"]:
        contract = row.get("contract")
        if isinstance(contract, dict):
            label = contract.get("version") or contract.get("source") or contract.get("document")
            if label:
                notes[str(label)].append(row["id"])
    for label, ids in sorted(notes.items()):
        out.append(
            Statement(f"{_runs(len(ids))} recorded contract version {label}.", len(ids), tuple(ids))
        )
    for b in inp.facts["baselines"]:
        out.append(
            Statement(
                f"{b['probe']} compared {b['baseline_class']} responses with baseline "
                f"v{b['baseline_version']} ({b['baseline_state']}) in {_runs(b['count'])}.",
                b["count"],
                (b["first_id"],),
            )
        )
    if not inp.facts["baselines"]:
        out.append(Statement("No run in the window was compared with a baseline.", 0))
    return tuple(out)


def _timeline(segments: list[dict[str, Any]]) -> tuple[Statement, ...]:
    by_probe: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for seg in segments:
        by_probe[seg["probe"]].append(seg)
    out = []
    for probe, segs in sorted(by_probe.items()):
        for seg in segs[:MAX_SEGMENTS_PER_PROBE]:
            status = f"HTTP {seg['status_code']}" if seg["status_code"] else "no HTTP response"
            ids = (
                (seg["first_id"],)
                if seg["first_id"] == seg["last_id"]
                else (
                    seg["first_id"],
                    seg["last_id"],
                )
            )
            when = (
                f"at {_t(seg['first_at'])}"
                if seg["first_at"] == seg["last_at"]
                else f"from {_t(seg['first_at'])} to {_t(seg['last_at'])}"
            )
            out.append(
                Statement(
                    f"{probe}: {status} {when} ({_runs(seg['count'])}).",
                    seg["count"],
                    ids,
                )
            )
        if len(segs) > MAX_SEGMENTS_PER_PROBE:
            rest = segs[MAX_SEGMENTS_PER_PROBE:]
            out.append(
                Statement(
                    f"{probe}: {len(rest)} more status changes until {_t(rest[-1]['last_at'])}.",
                    sum(s["count"] for s in rest),
                    (rest[0]["first_id"],),
                )
            )
    if not out:
        out.append(Statement("No probe sent a request in the window.", 0))
    return tuple(out)


def _failures(f: dict[str, Any], totals: dict[str, int]) -> tuple[Statement, ...]:
    total = totals["runs"]
    out = []
    for g in f["failures"]:
        verb = "failed" if g["outcome"] == "fail" else "drifted"
        out.append(
            Statement(
                f"{g['count']} of {total} runs ({_pct(g['count'], total)}) {verb} with "
                f"{g['category'] or 'no category'} ({g['verdict'] or 'no verdict'}), "
                f"first at {_t(g['first_at'])}, last at {_t(g['last_at'])}.",
                g["count"],
                tuple(g["run_ids"]),
            )
        )
    if not out:
        out.append(
            Statement(
                f"No run failed or drifted: {totals['pass']} of {total} runs passed"
                + (f" and {totals['skipped']} were skipped." if totals["skipped"] else "."),
                totals["pass"],
            )
        )
    return tuple(out)


def _brief(run: dict[str, Any]) -> str:
    status = f"HTTP {run['status_code']}" if run["status_code"] else "no HTTP response"
    trace = f", trace {run['trace_id']}" if run.get("trace_id") else ""
    return f"{status}, {run['category'] or run['outcome']}{trace}"


def _episodes(episodes: list[dict[str, Any]]) -> tuple[Statement, ...]:
    out = []
    for e in episodes:
        first, last, rec = e["first"], e["last"], e["recovered"]
        out.append(
            Statement(
                f"{e['probe']} first failed at {_t(first['started_at'])} ({_brief(first)}).",
                1,
                (first["id"],),
            )
        )
        if rec is not None:
            out.append(
                Statement(
                    f"{e['probe']} recovered at {_t(rec['started_at'])} (trace {rec['trace_id']}): "
                    "it passed after its "
                    f"last failure at {_t(last['started_at'])} and did not fail again.",
                    1,
                    (rec["id"], last["id"]),
                )
            )
        else:
            out.append(
                Statement(
                    f"{e['probe']} had not recovered by the end of the window: no run passed "
                    f"after its last failure at {_t(last['started_at'])} ({_brief(last)}).",
                    1,
                    (last["id"],),
                )
            )
    if not out:
        out.append(Statement("No probe failed in the window.", 0))
    return tuple(out)


def _entry_name(entry: dict[str, Any]) -> str:
    for key in ("assumption", "name", "path", "id", "key"):
        if entry.get(key):
            kind = entry.get("kind") or entry.get("area")
            return f"{kind} {entry[key]}" if kind else str(entry[key])
    return "an unnamed assumption"


def _ledger(rows: list[dict[str, Any]]) -> tuple[Statement, ...]:
    # The contract engine writes the ledger; entries are read tolerantly (name and mark keys).
    marks: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        for entry in row.get("ledger") or []:
            if not isinstance(entry, dict):
                continue
            mark = str(entry.get("mark") or entry.get("status") or entry.get("state") or "?")
            marks[_entry_name(entry)][mark].append(row["id"])
    out = []
    order = ("unsupported", "needs_confirmation", "supported")
    for name, by_mark in sorted(
        marks.items(), key=lambda kv: [-len(kv[1].get(m, [])) for m in order]
    ):
        parts = [f"{m} in {_runs(len(by_mark[m]))}" for m in order if by_mark.get(m)]
        parts += [f"{m} in {_runs(len(ids))}" for m, ids in by_mark.items() if m not in order]
        worst = next((m for m in order if by_mark.get(m)), next(iter(by_mark)))
        out.append(
            Statement(
                f"Assumption `{name}` was " + ", ".join(parts) + ".",
                sum(len(v) for v in by_mark.values()),
                tuple(by_mark[worst]),
                needs_account_confirmation=False,
            )
        )
    if not out:
        out.append(Statement("No run in the window recorded an assumption ledger.", 0))
    return tuple(out)


def _usage(totals: dict[str, int], absent_ids: list[str]) -> tuple[Statement, ...]:
    ok, present = totals["ok2xx"], totals["usage_present"]
    absent = ok - present
    if not ok:
        return (Statement("No successful (2xx) response in the window to check usage in.", 0),)
    return (
        Statement(
            f"Usage fields were present in {present} of {ok} successful responses "
            f"({_pct(present, ok)}).",
            present,
        ),
        Statement(
            f"Usage fields were absent in {absent} of {ok} successful responses "
            f"({_pct(absent, ok)}).",
            absent,
            tuple(absent_ids),
        ),
    )


def _spend(t: dict[str, int]) -> tuple[Statement, ...]:
    retries = max(0, t["attempts"] - t["requests"])
    out = [
        Statement(
            f"The monitor sent {t['requests']} probe requests in {t['attempts']} attempts "
            f"({retries} retries)"
            + (f"; {t['skipped']} runs were skipped without sending." if t["skipped"] else "."),
            t["attempts"],
        ),
        Statement(
            f"Responses reported {t['prompt_tokens']} prompt and {t['completion_tokens']} "
            f"completion tokens in {t['usage_present']} responses with usage; token counts "
            "are the provider's, not billing records.",
            t["prompt_tokens"] + t["completion_tokens"],
        ),
    ]
    return tuple(out)


def _open_questions(groups: list[dict[str, Any]]) -> tuple[Statement, ...]:
    out = [
        Statement(
            f"Open question: {_runs(g['count'])} showed `{g['kind']}`"
            + (f" at `{g['path']}`" if g["path"] else "")
            + f" ({g['category']}, {g['verdict']}), first at {_t(g['first_at'])}; "
            "the evidence does not settle whose behaviour this is.",
            g["count"],
            tuple(g["run_ids"]),
        )
        for g in groups
    ]
    if not out:
        out.append(Statement("No finding in the window is an open vendor question.", 0))
    return tuple(out)


def _account(account: dict[str, list[dict[str, Any]]]) -> tuple[Statement, ...]:
    out = []
    for g in account["statuses"]:
        meaning = "rate limiting" if g["status_code"] == 429 else "a payment or quota problem"
        out.append(
            Statement(
                f"{_runs(g['count'])} answered HTTP {g['status_code']} ({meaning}), first at "
                f"{_t(g['first_at'])}; the endpoint documentation does not establish rate "
                "limits or billing, so confirm with the account dashboard, contract or support.",
                g["count"],
                tuple(g["run_ids"]),
                needs_account_confirmation=True,
            )
        )
    for g in account["findings"]:
        out.append(
            Statement(
                f"{_runs(g['count'])} showed `{g['kind']}`"
                + (f" at `{g['path']}`" if g["path"] else "")
                + " (usage_billing_assumption); billing conclusions need account-level records.",
                g["count"],
                tuple(g["run_ids"]),
                needs_account_confirmation=True,
            )
        )
    if not out:
        out.append(Statement("No rate-limit or billing signal was observed.", 0))
    return tuple(out)
