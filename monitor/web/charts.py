"""Server-side SVG: the 24-hour outcome strip, the outcome timeline, the latency chart and the
status badge. Pure functions of plain values; every shape carries a ``<title>`` (the run and its
time) so colour is never the only signal, and text labels sit beside the marks.

Hand-written rather than a charting library: the pages must work without JavaScript and inside
closed networks, and these four small pictures need nothing a library would add.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

OUTCOME_CLASS = {"pass": "ok", "drift": "drift", "fail": "fail", "skipped": "skip"}
# letters inside cells: readable without colour (and by screen readers through <title>)
OUTCOME_MARK = {"pass": "", "drift": "D", "fail": "F", "skipped": "S"}


@dataclass(frozen=True)
class Point:
    at: datetime
    outcome: str
    run_id: str
    latency_ms: float | None = None


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Cell:
    """One slice of a strip: its worst outcome, how many runs it holds and a run to link to."""

    at: datetime
    outcome: str
    runs: int
    run_id: str


RANK = {"fail": 3, "drift": 2, "skipped": 1, "pass": 0}


def folded(current: Cell | None, at: datetime, outcome: str, runs: int, run_id: str) -> Cell:
    """A slice with ``runs`` more runs of ``outcome``: drawn by its worst outcome, linking the
    run that gave it."""
    total = runs + (current.runs if current else 0)
    if current is None or RANK.get(outcome, 0) > RANK.get(current.outcome, 0):
        return Cell(at, outcome, total, run_id)
    return Cell(current.at, current.outcome, total, current.run_id)


def cells_from_points(
    points: Sequence[Point], now: datetime, *, hours: int = 24, cells: int = 96
) -> list[Cell | None]:
    span = timedelta(hours=hours) / cells
    start = now - timedelta(hours=hours)
    out: list[Cell | None] = [None] * cells
    for p in points:
        i = int((p.at - start) / span)
        if not 0 <= i < cells:
            continue
        out[i] = folded(out[i], start + span * i, p.outcome, 1, p.run_id)
    return out


def strip(
    points: Sequence[Point], now: datetime, *, hours: int = 24, cells: int = 96, links: bool = True
) -> str:
    return draw_strip(cells_from_points(points, now, hours=hours, cells=cells), hours, links)


def draw_strip(cells: Sequence[Cell | None], hours: int = 24, links: bool = True) -> str:
    """One cell per slice of the window, drawn by its worst outcome (fail > drift > skipped >
    pass, taller when not a pass); empty slices are drawn hollow."""
    width, height, gap = 3, 16, 1
    count = len(cells)
    parts = [
        f'<svg class="strip" role="img" viewBox="0 0 {count * (width + gap)} {height}" '
        f'width="{count * (width + gap)}" height="{height}" aria-label="runs over {hours} hours">'
    ]
    for i, cell in enumerate(cells):
        x = i * (width + gap)
        if cell is None:
            parts.append(
                f'<rect class="cell none" x="{x}" y="0" width="{width}" height="{height}"/>'
            )
            continue
        cls = OUTCOME_CLASS.get(cell.outcome, "skip")
        tall = height if cell.outcome != "pass" else height - 4
        label = f"{escape(cell.outcome)} {_iso(cell.at)}, {cell.runs} run{'s' * (cell.runs != 1)}"
        rect = (
            f'<rect class="cell {cls}" x="{x}" y="{height - tall}" width="{width}" '
            f'height="{tall}"><title>{label}{" run " + escape(cell.run_id) if links else ""}'
            "</title></rect>"
        )
        parts.append(f'<a href="/runs/{escape(cell.run_id)}">{rect}</a>' if links else rect)
    parts.append("</svg>")
    return "".join(parts)


def latency_chart(points: Sequence[Point], start: datetime, end: datetime) -> str:
    """Latency over a window: one dot per run (shape by outcome), y from 0 to the largest value."""
    width, height, pad = 640, 160, 36
    values = [p.latency_ms for p in points if p.latency_ms is not None]
    top = max(values) if values else 1.0
    top = top if top > 0 else 1.0
    span = (end - start).total_seconds() or 1.0
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="latency in milliseconds">',
        f'<line class="axis" x1="{pad}" y1="{height - pad}" x2="{width}" y2="{height - pad}"/>',
        f'<line class="axis" x1="{pad}" y1="0" x2="{pad}" y2="{height - pad}"/>',
        f'<text class="label" x="2" y="12">{top:.0f} ms</text>',
        f'<text class="label" x="2" y="{height - pad}">0</text>',
        f'<text class="label" x="{pad}" y="{height - 8}">{_iso(start)}</text>',
        f'<text class="label" x="{width - 150}" y="{height - 8}">{_iso(end)}</text>',
    ]
    for p in points:
        if p.latency_ms is None:
            continue
        x = pad + (width - pad - 4) * max(0.0, min(1.0, (p.at - start).total_seconds() / span))
        y = (height - pad) - (height - pad - 4) * (p.latency_ms / top)
        cls = OUTCOME_CLASS.get(p.outcome, "skip")
        title = f"<title>{p.latency_ms:.0f} ms {escape(p.outcome)} {_iso(p.at)}</title>"
        if p.outcome == "pass":
            parts.append(
                f'<circle class="dot {cls}" cx="{x:.1f}" cy="{y:.1f}" r="2.5">{title}</circle>'
            )
        else:  # a square: failures stand out without colour
            parts.append(
                f'<rect class="dot {cls}" x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" '
                f'height="6">{title}</rect>'
            )
    parts.append("</svg>")
    return "".join(parts)


BADGE_COLOURS = {"pass": "#2e7d32", "drift": "#b26a00", "fail": "#c62828"}


def badge(label: str, state: str, uptime: float | None) -> str:
    """A flat two-part badge like shields.io's: the probe's name and ``state · 99.9%``."""
    right = state if uptime is None else f"{state} · {uptime:.1f}%"
    lw, rw = 7 * len(label) + 12, 7 * len(right) + 12
    colour = BADGE_COLOURS.get(state, "#616161")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lw + rw}" height="20" role="img" '
        f'aria-label="{escape(label)}: {escape(right)}">'
        f"<title>{escape(label)}: {escape(right)}</title>"
        f'<rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{rw}" height="20" '
        f'fill="{colour}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" '
        f'font-size="11"><text x="6" y="14">{escape(label)}</text><text x="{lw + 6}" y="14">'
        f"{escape(right)}</text></g></svg>"
    )
