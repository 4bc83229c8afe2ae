"""Markdown rendering of a report: a header, then one bullet per statement."""

from __future__ import annotations

from monitor.report.model import Report

MAX_IDS_SHOWN = 5


def render_markdown(report: Report) -> str:
    lines = [f"# {report.title}", "", f"> {report.scope}", ""]
    w = report.window
    lines.append(f"- Window (UTC): {w['since_utc']} to {w['until_utc']}")
    if w.get("tz") and w["tz"] != "UTC":
        lines.append(f"- Window ({w['tz']}): {w['since_local']} to {w['until_local']}")
    lines.append(f"- Environment: {report.environment}")
    if report.target:
        lines.append(f"- Target: {report.target}")
    lines.append("")
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        for s in section.statements:
            mark = "**Needs account confirmation.** " if s.needs_account_confirmation else ""
            ids = ""
            if s.run_ids:
                shown = ", ".join(f"`{i}`" for i in s.run_ids[:MAX_IDS_SHOWN])
                more = len(s.run_ids) - MAX_IDS_SHOWN
                ids = f" Runs: {shown}" + (f" (+{more} more)" if more > 0 else "") + "."
            lines.append(f"- {mark}{s.text}{ids}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
