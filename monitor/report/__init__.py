"""The incident report: facts from ``storage.report_queries`` turned into short, testable
statements (the seed's post-incident style), rendered as Markdown or JSON.

Every statement carries the count it rests on and run ids to check it by. Nothing here talks to
the database: ``build_report`` is a pure function of the facts, the window and the config.
"""

from monitor.report.build import ReportInput, build_report
from monitor.report.model import Report, Section, Statement

__all__ = ["Report", "ReportInput", "Section", "Statement", "build_report"]
