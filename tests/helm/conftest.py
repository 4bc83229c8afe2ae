"""Rendering the chart (in a subprocess) and validating manifests strictly against the
Kubernetes schemas (kubernetes-validate) and a strict ServiceMonitor schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "contract-monitor"
RENDER = Path(__file__).with_name("render_chart.py")
# kubernetes-validate has no schemas for custom resources: strict ones for the operator's kinds
CRD_SCHEMAS = {
    "ServiceMonitor": ROOT / "tests/fixtures/k8s/servicemonitor-monitoring.coreos.com-v1.json",
    "PrometheusRule": ROOT / "tests/fixtures/k8s/prometheusrule-monitoring.coreos.com-v1.json",
}
# the chart's kubeVersion floor and the newest release kubernetes-validate knows
KUBE_VERSIONS = ("1.25.0", kubernetes_validate.latest_version())
RELEASE, NAMESPACE = "cm", "observability"


class RenderError(Exception):
    pass


def render(values: dict[str, Any] | None = None) -> dict[str, str]:
    """The chart's templates rendered with ``values``: template path -> text."""
    with subprocess.Popen(
        [sys.executable, str(RENDER), "render", str(CHART), "/dev/stdin", RELEASE, NAMESPACE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        out, err = proc.communicate(json.dumps(values or {}), timeout=120)
    answer = json.loads(out) if out.strip() else {"error": err}
    if proc.returncode != 0:
        raise RenderError(answer.get("error", err))
    return dict(answer["manifests"])


def lint() -> dict[str, Any]:
    """``helm lint --strict`` of the chart with its default values."""
    result = subprocess.run(
        [sys.executable, str(RENDER), "lint", str(CHART)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(result.stdout))


def documents(manifests: dict[str, str]) -> list[dict[str, Any]]:
    """Every Kubernetes object rendered (NOTES.txt is not one)."""
    docs: list[dict[str, Any]] = []
    for path, text in sorted(manifests.items()):
        if path.endswith("NOTES.txt"):
            continue
        docs.extend(d for d in yaml.safe_load_all(text) if d)
    return docs


def _k8s_definitions(version: str) -> Resource:  # type: ignore[type-arg]
    import importlib.resources

    folder = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"
    path = folder / f"v{version}-local-strict" / "_definitions.json"
    return Resource.from_contents(json.loads(path.read_text()))


def validate_strict(doc: dict[str, Any], version: str) -> None:
    """Raise if ``doc`` is not a valid object of its kind, unknown fields included."""
    crd = CRD_SCHEMAS.get(str(doc.get("kind")))
    if crd is not None:
        schema = json.loads(crd.read_text())
        registry = Registry().with_resource(
            "https://kubernetes.io/api/_definitions.json", _k8s_definitions(version)
        )
        schema["$id"] = f"https://kubernetes.io/api/{crd.name}"
        jsonschema.Draft202012Validator(schema, registry=registry).validate(doc)
        return
    kubernetes_validate.validate(doc, version, strict=True)


@pytest.fixture(scope="session")
def default_manifests() -> dict[str, str]:
    return render()
