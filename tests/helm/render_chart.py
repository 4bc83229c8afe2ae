"""Render a Helm chart offline with helm-python-sdk (Helm's Go library through ctypes).

Run as a subprocess by the chart tests, so the Go runtime never lives inside pytest:

    python tests/helm/render_chart.py render CHART VALUES_JSON_FILE RELEASE NAMESPACE
    python tests/helm/render_chart.py lint CHART

``render`` prints ``{"manifests": {template path: text}}``; on a rendering or values error it
prints ``{"error": message}`` and exits 1. ``lint`` prints ``helm lint --strict``'s report.
"""

from __future__ import annotations

import json
import sys


def main(chart_dir: str, values_file: str, release: str, namespace: str) -> int:
    import helm_python

    with open(values_file, encoding="utf-8") as f:
        values = json.load(f)
    try:
        with helm_python.Chart.load(chart_dir) as chart:
            manifests = chart.render(
                values=values, name=release, namespace=namespace, is_install=True
            )
    except helm_python.HelmError as exc:
        print(json.dumps({"error": str(exc)}))
        return 1
    print(json.dumps({"manifests": manifests}))
    return 0


def lint(chart_dir: str) -> int:
    import helm_python

    print(json.dumps(helm_python.lint(chart_dir, strict=True)))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "lint":
        sys.exit(lint(sys.argv[2]))
    sys.exit(main(*sys.argv[2:6]))
