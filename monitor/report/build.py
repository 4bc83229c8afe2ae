"""Facts -> statements. Pure: every sentence is built from counts the database returned.

Style (the seed's "what to write in the post-incident note"): short sentences that can be
tested against the evidence, a count and run ids behind each, percentages of all runs in the
window, rate-limit and billing observations flagged as needing account confirmation, open
questions kept apart from conclusions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.report.model import Report, Section, Statement
from monitor.report.sections import ACCOUNT, account, ledger, open_questions, spend, usage
from monitor.report.text import CITED_RUNS, pct, runs_phrase, utc
from monitor.storage.report_facts import Episode, ReportFacts, RunBrief, Segment

MAX_SEGMENTS_PER_PROBE = 12


@dataclass(frozen=True)
class ReportInput:
    facts: ReportFacts
    since: datetime
    until: datetime
    tz: str = "UTC"
    target: str | None = None
    environment: str = "production"
    contracts: dict[str, str | None] = field(default_factory=dict)  # target -> contract source


def build_report(inp: ReportInput) -> Report:
    f = inp.facts
    totals = f.totals
    zone = ZoneInfo(inp.tz)
    window = {
        "since_utc": utc(inp.since),
        "until_utc": utc(inp.until),
        "tz": inp.tz,
        "since_local": inp.since.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z"),
        "until_local": inp.until.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    scope = (
        f"These statements cover synthetic probes only ({runs_phrase(totals['runs'])} of "
        f"{totals['probes']} probe(s) sent by Contract Monitor), not production traffic."
    )
    sections = (
        Section("versions", "Contract and baseline versions in force", _versions(inp)),
        Section("status", "Status-code timeline", _timeline(f.timeline)),
        Section("failures", "Failed runs by category and verdict", _failures(f, totals)),
        Section("episodes", "First failure or drift, and recovery", _episodes(f.episodes)),
        Section("ledger", "Assumption ledger", ledger(f.ledgers)),
        Section("usage", "Usage fields", usage(totals, f.usage_absent_ids)),
        Section("spend", "What the monitor itself spent", spend(totals)),
        Section(
            "open_questions",
            "Open questions",
            open_questions(f.open_questions, f.account_questions),
        ),
        Section("account", ACCOUNT, account(f.account)),
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
    counts: dict[str, int] = defaultdict(int)
    notes: dict[str, list[str]] = defaultdict(list)
    fetched: dict[str, str] = {}
    for group in inp.facts.ledgers:  # the window's runs by ledger digest (contract included)
        contract = group.contract
        if isinstance(contract, dict) and contract.get("source"):
            # The engine records the document's source, version, sha256 and fetch time; every
            # process start fetches again, so one document is one line, with its latest fetch.
            label = str(contract["source"])
            if contract.get("version"):
                label += f" version {contract['version']}"
            if contract.get("sha256"):
                label += f" (sha256 {str(contract['sha256'])[:12]})"
            if contract.get("fetched_at"):
                fetched[label] = max(fetched.get(label, ""), str(contract["fetched_at"]))
            counts[label] += group.count
            notes[label].extend(group.run_ids)
    for label, n in sorted(counts.items()):
        last = f", last fetched {fetched[label]}" if label in fetched else ""
        out.append(
            Statement(
                f"{runs_phrase(n)} {'was' if n == 1 else 'were'} checked against {label}{last}.",
                n,
                tuple(notes[label][:CITED_RUNS]),
            )
        )
    for b in inp.facts.baselines:
        out.append(
            Statement(
                f"{b.probe} compared {b.baseline_class} responses with baseline "
                f"v{b.baseline_version} ({b.baseline_state}) in {runs_phrase(b.count)}.",
                b.count,
                (b.first_id,),
            )
        )
    if not inp.facts.baselines:
        out.append(Statement("No run in the window was compared with a baseline.", 0))
    return tuple(out)


def _timeline(segments: Sequence[Segment]) -> tuple[Statement, ...]:
    by_probe: dict[str, list[Segment]] = defaultdict(list)
    for seg in segments:
        by_probe[seg.probe].append(seg)
    out = []
    for probe, segs in sorted(by_probe.items()):
        for seg in segs[:MAX_SEGMENTS_PER_PROBE]:
            status = f"HTTP {seg.status_code}" if seg.status_code else "no HTTP response"
            ids = (
                (seg.first_id,)
                if seg.first_id == seg.last_id
                else (
                    seg.first_id,
                    seg.last_id,
                )
            )
            when = (
                f"at {utc(seg.first_at)}"
                if seg.first_at == seg.last_at
                else f"from {utc(seg.first_at)} to {utc(seg.last_at)}"
            )
            out.append(
                Statement(
                    f"{probe}: {status} {when} ({runs_phrase(seg.count)}).",
                    seg.count,
                    ids,
                )
            )
        if len(segs) > MAX_SEGMENTS_PER_PROBE:
            rest = segs[MAX_SEGMENTS_PER_PROBE:]
            out.append(
                Statement(
                    f"{probe}: {len(rest)} more status changes until {utc(rest[-1].last_at)}.",
                    sum(s.count for s in rest),
                    (rest[0].first_id,),
                )
            )
    if not out:
        out.append(Statement("No probe sent a request in the window.", 0))
    return tuple(out)


def _failures(f: ReportFacts, totals: Mapping[str, int]) -> tuple[Statement, ...]:
    total = totals["runs"]
    out = []
    for g in f.failures:
        verb = "failed" if g.outcome == "fail" else "drifted"
        out.append(
            Statement(
                f"{g.count} of {total} runs ({pct(g.count, total)}) {verb} with "
                f"{g.category or 'no category'} ({g.verdict or 'no verdict'}), "
                f"first at {utc(g.first_at)}, last at {utc(g.last_at)}.",
                g.count,
                g.run_ids,
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


def _brief(run: RunBrief) -> str:
    status = f"HTTP {run.status_code}" if run.status_code else "no HTTP response"
    trace = f", trace {run.trace_id}" if run.trace_id else ""
    return f"{status}, {run.category or run.outcome}{trace}"


def _went_wrong(run: RunBrief) -> str:
    """A drift is an answer that changed, a failure no valid answer: worded apart."""
    return "drifted" if run.outcome == "drift" else "failed"


def _episodes(episodes: Sequence[Episode]) -> tuple[Statement, ...]:
    out = []
    for e in episodes:
        first, last, rec = e.first, e.last, e.recovered
        out.append(
            Statement(
                f"{e.probe} first {_went_wrong(first)} at {utc(first.started_at)} "
                f"({_brief(first)}).",
                1,
                (first.id,),
            )
        )
        noun = "drift" if last.outcome == "drift" else "failure"
        if rec is not None:
            out.append(
                Statement(
                    f"{e.probe} recovered at {utc(rec.started_at)} "
                    f"(trace {rec.trace_id}): it passed after its last {noun} at "
                    f"{utc(last.started_at)} and did not fail or drift again.",
                    1,
                    (rec.id, last.id),
                )
            )
        else:
            out.append(
                Statement(
                    f"{e.probe} had not recovered by the end of the window: no run passed "
                    f"after its last {noun} at {utc(last.started_at)} ({_brief(last)}).",
                    1,
                    (last.id,),
                )
            )
    if not out:
        out.append(Statement("No probe failed or drifted in the window.", 0))
    return tuple(out)
