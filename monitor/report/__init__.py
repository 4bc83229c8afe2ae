"""The incident report: facts from ``storage.sql.report_queries`` turned into short, testable
statements (the seed's post-incident style), rendered as Markdown or JSON.

Every statement carries the count it rests on and run ids to check it by. Nothing here talks to
the database but ``service`` (which asks the store for the facts): ``build_report`` is a pure
function of the facts, the window and the config.

May import: core, config, storage and the root's modules. Never runner, alerts, selfcheck,
views, api, app, service or cli.
"""

from monitor.report.build import ReportInput, build_report
from monitor.report.model import Report, Section, Statement

__all__ = ["Report", "ReportInput", "Section", "Statement", "build_report"]
