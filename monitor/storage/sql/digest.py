"""``runs.ledger_digest``: a run's assumption ledger and contract reference in 16 hex digits.

The incident report says in how many runs each assumption held and which contract the runs
were checked against, over the whole window. Both are in ``evidence``, whose rows are large;
the digest, written on the run row, lets the report count runs per digest in the window scan it
already makes and read one evidence row per digest: runs with one digest have the same ledger
entries and the same contract reference. The entries' ``reason`` is left out: it carries
per-run detail ("the baseline saw it in 7 of 9 responses") the report does not read, and would
give nearly every run a digest of its own.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def ledger_digest(ledger: list[Any] | None, contract: dict[str, Any] | None) -> str:
    entries = [
        {k: v for k, v in entry.items() if k != "reason"} if isinstance(entry, dict) else entry
        for entry in ledger or []
    ]
    text = json.dumps(
        {"ledger": entries, "contract": contract},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]
