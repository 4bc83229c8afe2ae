"""Report sections about what the runs said beyond pass/fail: the assumption ledger, usage,
what the monitor spent, open questions and observations needing account confirmation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from monitor.report.model import Statement
from monitor.report.text import CITED_RUNS, pct, runs_phrase, utc
from monitor.storage.report_facts import AccountFacts, LedgerGroup, RunGroup, Sample

ACCOUNT = "Rate-limit and billing observations"  # the title of the section ``account`` fills


def _entry_name(entry: dict[str, Any]) -> str:
    for key in ("subject", "assumption", "name", "path", "id", "key"):
        if entry.get(key):
            kind = entry.get("kind") or entry.get("area")
            return f"{kind} {entry[key]}" if kind else str(entry[key])
    return "an unnamed assumption"


def ledger(digests: Sequence[LedgerGroup]) -> tuple[Statement, ...]:
    """``digests``: the window's runs grouped by ledger digest, each with its run count, the
    runs to cite and the ledger they share, so every count is over the whole window."""
    # The contract engine writes the ledger; entries are read tolerantly (name and mark keys).
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    cited: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for group in digests:
        marked: dict[tuple[str, str], None] = {}  # in ledger order: ties keep it
        for entry in group.ledger or []:
            if not isinstance(entry, dict):
                continue
            mark = str(entry.get("mark") or entry.get("status") or entry.get("state") or "?")
            marked[(_entry_name(entry), mark)] = None
        for name, mark in marked:  # a run counts once per assumption and mark
            counts[name][mark] += group.count
            cited[name][mark].extend(group.run_ids)
    out = []
    order = ("unsupported", "needs_confirmation", "supported")
    for name, by_mark in sorted(counts.items(), key=lambda kv: [-kv[1].get(m, 0) for m in order]):
        parts = [f"{m} in {runs_phrase(by_mark[m])}" for m in order if by_mark.get(m)]
        parts += [f"{m} in {runs_phrase(n)}" for m, n in by_mark.items() if m not in order]
        worst = next((m for m in order if by_mark.get(m)), next(iter(by_mark)))
        out.append(
            Statement(
                f"Assumption `{name}` was " + ", ".join(parts) + ".",
                sum(by_mark.values()),
                tuple(cited[name][worst][:CITED_RUNS]),
                needs_account_confirmation=False,
            )
        )
    if not out:
        out.append(Statement("No run in the window recorded an assumption ledger.", 0))
    return tuple(out)


def usage(totals: Mapping[str, int], absent_ids: Sequence[str]) -> tuple[Statement, ...]:
    ok, present = totals["ok2xx"], totals["usage_present"]
    absent = ok - present
    if not ok:
        return (Statement("No successful (2xx) response in the window to check usage in.", 0),)
    return (
        Statement(
            f"Usage fields were present in {present} of {ok} successful responses "
            f"({pct(present, ok)}).",
            present,
        ),
        Statement(
            f"Usage fields were absent in {absent} of {ok} successful responses "
            f"({pct(absent, ok)}).",
            absent,
            tuple(absent_ids),
        ),
    )


def spend(t: Mapping[str, int]) -> tuple[Statement, ...]:
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


def open_questions(groups: Sequence[RunGroup], left_out: Sample) -> tuple[Statement, ...]:
    """``left_out``: the runs whose vendor question is a 402/429 answer; they are the account's
    to confirm and shown there, but "Failed runs" counts them with the verdict vendor_question,
    so this section says they exist instead of claiming there is no vendor question."""
    out = [
        Statement(
            f"Open question: {runs_phrase(g.count)} showed `{g.kind}`"
            + (f" at `{g.path}`" if g.path else "")
            + f" ({g.category}, {g.verdict}), first at {utc(g.first_at)}; "
            "the evidence does not settle whose behaviour this is.",
            g.count,
            g.run_ids,
        )
        for g in groups
    ]
    if n := left_out.count:
        answers = f"the rate-limit or billing answers of {runs_phrase(n)} (HTTP 402/429; see "
        answers += f"{ACCOUNT})"
        text = (
            f"Besides these, {answers} are questions for the account."
            if out
            else f"No open vendor question besides {answers}."
        )
        out.append(Statement(text, n, left_out.run_ids, needs_account_confirmation=True))
    if not out:
        out.append(Statement("No finding in the window is an open vendor question.", 0))
    return tuple(out)


def account(account: AccountFacts) -> tuple[Statement, ...]:
    out = []
    for g in account.statuses:
        meaning = "rate limiting" if g.status_code == 429 else "a payment or quota problem"
        out.append(
            Statement(
                f"{runs_phrase(g.count)} answered HTTP {g.status_code} ({meaning}), first at "
                f"{utc(g.first_at)}; the endpoint documentation does not establish rate "
                "limits or billing, so confirm with the account dashboard, contract or support.",
                g.count,
                g.run_ids,
                needs_account_confirmation=True,
            )
        )
    for g in account.findings:
        out.append(
            Statement(
                f"{runs_phrase(g.count)} showed `{g.kind}`"
                + (f" at `{g.path}`" if g.path else "")
                + " (usage_billing_assumption); billing conclusions need account-level records.",
                g.count,
                g.run_ids,
                needs_account_confirmation=True,
            )
        )
    if not out:
        out.append(Statement("No rate-limit or billing signal was observed.", 0))
    return tuple(out)
