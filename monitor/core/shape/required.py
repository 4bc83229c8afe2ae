"""An answer must carry its protocol's required members, whatever the baseline says.

Without this, an upstream answering ``{}`` with 200 while the baseline is being learned is a
``pass``, ``{}`` becomes the baseline, and a valid answer later is only ``info``. A kind names
its protocol's members (chat: ``choices``; a responses answer would name ``output``, a messages
answer ``content``) in ``ProbeSpec.required_members``; a success body, or a stream in which no
chunk carries one, lacking any of them is ``required-member-missing``: a parser finding, so the
run fails and nothing is learned from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from monitor.core.model import Finding, ResponseClass, Severity, Source
from monitor.core.taxonomy import REQUIRED_MEMBER_MISSING

KIND = REQUIRED_MEMBER_MISSING


def missing_members(
    required: Sequence[str], document: Any, chunks: Iterable[Any] | None = None
) -> Finding | None:
    """The finding for the members of ``required`` absent from ``document`` (a JSON answer)
    or from every one of ``chunks`` (a stream's parsed chunks); None when all are there or the
    answer is not an object (``body-not-an-object`` reports that)."""
    if not required:
        return None
    if chunks is not None:
        present: set[str] = set()
        for chunk in chunks:
            if isinstance(chunk, dict):
                present.update(str(k) for k in chunk)
        where, response_class = "no chunk of the stream carries", ResponseClass.CHUNK
    elif isinstance(document, dict):
        present = {str(k) for k in document}
        where, response_class = "the answer lacks", ResponseClass.SUCCESS
    else:
        return None
    missing = [m for m in required if m not in present]
    if not missing:
        return None
    names = ", ".join(f"`{m}`" for m in missing)
    return Finding(
        kind=KIND,
        path=missing[0],
        severity=Severity.BREAKING,
        source=Source.PARSER,
        message=f"{where} {names}, which its protocol requires: not an answer, not learned",
        before=list(required),
        after=sorted(present)[:20],
        response_class=response_class,
    )
