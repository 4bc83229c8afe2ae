"""Response headers and the content type compared with a baseline's.

A header in every baseline response that is now missing, a header never seen before, and a new
content type (only its parameters, e.g. a charset: ``media-type-params-changed``, info). Skipped
when either side was captured without headers (an old baseline, ``monitor verify``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from monitor.core.model import Finding, Source
from monitor.core.shape.stats import Shape, normalize_media
from monitor.core.taxonomy import make_finding


def in_all(count: int) -> str:
    """ "in all 3 baseline responses", and "in the 1 baseline response" (English, not a count)."""
    return "in the 1 baseline response" if count == 1 else f"in all {count} baseline responses"


_finding = partial(make_finding, source=Source.BASELINE)


def header_changes(baseline: Shape, observed: Shape) -> list[Finding]:
    if not baseline.header_samples or not observed.header_samples:
        return []  # one side was captured without headers (an old baseline, `verify`)
    out: list[Finding] = []
    for name, count in sorted(baseline.headers.items()):
        if count >= baseline.header_samples and name not in observed.headers:
            out.append(
                _finding(
                    "header-removed",
                    f"header:{name}",
                    f"response header `{name}` was {in_all(count)} and is missing",
                    "present",
                    "absent",
                )
            )
    for name in sorted(set(observed.headers) - set(baseline.headers)):
        out.append(
            _finding(
                "header-added",
                f"header:{name}",
                f"response header `{name}` appeared",
                "absent",
                "present",
            )
        )
    out.extend(_media(baseline.media, observed.media))
    return out


def _media(before: Mapping[str, int], after: Mapping[str, int]) -> list[Finding]:
    if not before or not after:
        return []
    out = []
    for value in sorted(set(after) - set(before)):
        kinds = {normalize_media(v).split(";", 1)[0] for v in before}
        same_type = value.split(";", 1)[0] in kinds
        out.append(
            _finding(
                "media-type-params-changed" if same_type else "media-type-changed",
                "header:content-type",
                f"content-type is {value!r}; the baseline saw {', '.join(sorted(before))}",
                sorted(before),
                value,
                value_key=value,
            )
        )
    return out
