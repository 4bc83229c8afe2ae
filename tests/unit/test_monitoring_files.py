"""The Grafana dashboard and Prometheus rules shipped in the Helm chart only query metrics the
monitor exports, and parse as what their consumers expect."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import yaml

from monitor.storage.status_records import ProbeStatus
from monitor.telemetry.metrics import MonitorMetrics, MonitorState

CHART = Path(__file__).resolve().parents[2] / "helm" / "contract-monitor"
METRIC = re.compile(r"\bmonitor_[a-z_]+\b")


def _exported_names() -> set[str]:
    state = MonitorState(
        probes=[
            ProbeStatus(
                probe="p",
                target="t",
                last_outcome="pass",
                last_run_at=None,
                last_success_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        ],
        open_events={},
    )
    metrics = MonitorMetrics(lambda: state, lambda: datetime(2026, 1, 1, tzinfo=UTC))
    metrics.run_skipped("p", "t", "budget")
    metrics.slot_started("p", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    metrics.delivery_attempted("console", "delivered", 1.0)
    names = set()
    for family in metrics.registry.collect():
        names |= {s.name for s in family.samples}
    metrics.ttft.labels("p").observe(0.1)
    metrics.latency.labels("p").observe(0.1)
    for family in metrics.registry.collect():
        names |= {s.name for s in family.samples}
    return names


def test_dashboard_queries_only_exported_metrics() -> None:
    dashboard = json.loads((CHART / "files" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in METRIC.findall(e)}
    assert used
    assert used <= _exported_names()
    assert dashboard["uid"] == "contract-monitor"


def test_alert_rules_query_only_exported_metrics_and_are_well_formed() -> None:
    rules = yaml.safe_load((CHART / "files" / "prometheus-rules.yaml").read_text())
    (group,) = rules["groups"]
    alerts = group["rules"]
    assert {"ContractMonitorProbeDown", "ContractMonitorAbsent"} <= {a["alert"] for a in alerts}
    for alert in alerts:
        assert set(alert) >= {"alert", "expr", "labels", "annotations"}
        assert alert["labels"]["severity"] in ("warning", "critical")
    used = {m for a in alerts for m in METRIC.findall(a["expr"])}
    assert used <= _exported_names()


def test_configmap_templates_name_the_files_they_ship() -> None:
    dashboard = (CHART / "templates" / "grafana-dashboard-configmap.yaml").read_text()
    rules = (CHART / "templates" / "prometheus-rules.yaml").read_text()
    assert '.Files.Get "files/grafana-dashboard.json"' in dashboard
    assert "grafanaDashboard.label" in dashboard
    assert '.Files.Get "files/prometheus-rules.yaml"' in rules
    assert "kind: PrometheusRule" in rules
