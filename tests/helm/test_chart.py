"""The Helm chart rendered for default and custom values: every object valid against the
Kubernetes schemas (strict: unknown fields rejected), standard labels, probes on /healthz and
/readyz, graceful termination, secrets referenced and never inlined, a config checksum that
rolls the pods, the migration hook, and a config the monitor itself accepts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from monitor.cli import main
from monitor.config.timeparse import parse_duration
from tests.helm.conftest import (
    KUBE_VERSIONS,
    RELEASE,
    RenderError,
    documents,
    lint,
    render,
    validate_strict,
)

CUSTOM: dict[str, Any] = {
    "replicaCount": 3,
    "fullnameOverride": "monitor",
    "image": {"repository": "registry.example/cm", "tag": "1.2.3", "pullPolicy": "Always"},
    "imagePullSecrets": [{"name": "registry"}],
    "secrets": {
        "name": "monitor-secrets",
        "databaseUrl": {"env": "MONITOR_DATABASE_URL", "key": "pg-url"},
        "providerKey": {"env": "OPENAI_KEY", "key": "openai"},
        "slackToken": {"env": "SLACK_BOT_TOKEN", "key": "slack", "optional": False},
        "pagerdutyKey": {"env": "PD_KEY", "key": "pd", "optional": True},
        "apiToken": {"env": "API_TOKEN", "key": "api"},
    },
    "config": yaml.safe_dump(
        {
            "environment": "staging",
            "targets": {
                "openai": {"base_url": "https://api.openai.com", "api_key_env": "OPENAI_KEY"}
            },
            "probes": [
                {
                    "name": "chat",
                    "target": "openai",
                    "every": "1m",
                    "model": "gpt-4o-mini",
                    "messages": [{"role": "user", "content": "contract_probe"}],
                    "params": {"max_tokens": 8},
                }
            ],
            "alerts": {"slack": {"token_env": "SLACK_BOT_TOKEN", "channel": "#llm-contracts"}},
            "storage": {"lease_margin": "20s"},
            "api": {"listen": "127.0.0.1:1", "enabled": True},
        }
    ),
    "extraEnv": [{"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://otel:4318"}],
    "shutdownGrace": "20s",
    "terminationGracePeriodSeconds": 45,
    "service": {"type": "ClusterIP", "port": 9090, "annotations": {"a": "b"}},
    "serviceMonitor": {"enabled": True, "interval": "15s", "labels": {"release": "prom"}},
    "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
    "serviceAccount": {"create": True, "name": "cm-sa", "annotations": {"x": "y"}},
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "obs"}],
    "topologySpreadConstraints": [
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "contract-monitor"}},
        }
    ],
    "resources": {"requests": {"cpu": "200m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
}


def _kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def _deployment(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (deployment,) = _kind(docs, "Deployment")
    return deployment


def _config(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (cm,) = [
        d
        for d in _kind(docs, "ConfigMap")
        if "helm.sh/hook" not in d["metadata"].get("annotations", {})
        and "config.yaml" in d.get("data", {})
    ]
    return dict(yaml.safe_load(cm["data"]["config.yaml"]))


@pytest.mark.parametrize("values", [None, CUSTOM], ids=["default", "custom"])
@pytest.mark.parametrize("version", KUBE_VERSIONS)
def test_every_rendered_object_is_valid_against_the_strict_kubernetes_schemas(
    values: dict[str, Any] | None, version: str
) -> None:
    docs = documents(render(values))
    kinds = sorted(d["kind"] for d in docs)
    for doc in docs:
        validate_strict(doc, version)
    expected = {
        "ConfigMap",
        "Deployment",
        "Job",
        "Service",
        "ServiceAccount",
        "PodDisruptionBudget",
    }
    assert expected <= set(kinds)
    if values is CUSTOM:
        assert "ServiceMonitor" in kinds


def test_helm_lint_strict_finds_no_warning_or_error() -> None:
    report = lint()
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_strict_validation_rejects_an_unknown_field_so_passing_means_something() -> None:
    docs = documents(render())
    deployment = _deployment(docs)
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessprobe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_strict(deployment, KUBE_VERSIONS[-1])
    monitor = _kind(documents(render(CUSTOM)), "ServiceMonitor")[0]
    monitor["spec"]["endpoints"][0]["intervall"] = "15s"
    with pytest.raises(jsonschema.ValidationError):
        validate_strict(monitor, KUBE_VERSIONS[-1])


@pytest.mark.parametrize("values", [None, CUSTOM], ids=["default", "custom"])
def test_every_object_carries_the_standard_labels(values: dict[str, Any] | None) -> None:
    for doc in documents(render(values)):
        labels = doc["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "contract-monitor"
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["app.kubernetes.io/version"] == "0.1.0"
        assert labels["app.kubernetes.io/part-of"] == "contract-monitor"
        assert labels["helm.sh/chart"] == "contract-monitor-0.1.0"


def test_the_deployment_probes_health_and_readiness_and_terminates_gracefully() -> None:
    docs = documents(render(CUSTOM))
    deployment = _deployment(docs)
    assert deployment["spec"]["replicas"] == 3
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 9090, "protocol": "TCP"}]
    assert container["args"] == ["--shutdown-grace", "20s"]  # appended to the image's entrypoint
    grace = parse_duration(container["args"][1]).total_seconds()
    assert pod["terminationGracePeriodSeconds"] >= grace + 5  # runs finish, then alerts drain
    assert container["resources"] == CUSTOM["resources"]
    assert container["image"] == "registry.example/cm:1.2.3"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    (service,) = _kind(docs, "Service")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    (monitor,) = _kind(docs, "ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert monitor["metadata"]["labels"]["release"] == "prom"
    (pdb,) = _kind(docs, "PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_a_single_replica_gets_no_disruption_budget_and_no_servicemonitor_by_default() -> None:
    kinds = {d["kind"] for d in documents(render({"replicaCount": 1}))}
    assert "PodDisruptionBudget" not in kinds
    assert "ServiceMonitor" not in kinds


def test_secrets_are_referenced_from_the_named_secret_and_never_inlined() -> None:
    docs = documents(render(CUSTOM))
    assert _kind(docs, "Secret") == []
    env = {
        e["name"]: e for e in _deployment(docs)["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    expected = {
        "MONITOR_DATABASE_URL": ("pg-url", False),
        "OPENAI_KEY": ("openai", False),
        "SLACK_BOT_TOKEN": ("slack", False),
        "PD_KEY": ("pd", True),
        "API_TOKEN": ("api", False),
    }
    for name, (key, optional) in expected.items():
        ref = env[name]["valueFrom"]["secretKeyRef"]
        assert (ref["name"], ref["key"], ref["optional"]) == ("monitor-secrets", key, optional)
        assert "value" not in env[name]
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"] == "http://otel:4318"
    (job,) = _kind(docs, "Job")
    (job_env,) = job["spec"]["template"]["spec"]["containers"][0]["env"]
    assert job_env["valueFrom"]["secretKeyRef"] == {"name": "monitor-secrets", "key": "pg-url"}


def test_the_config_checksum_changes_with_the_config_and_only_with_it() -> None:
    def checksum(values: dict[str, Any]) -> str:
        deployment = _deployment(documents(render(values)))
        return str(deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"])

    base = checksum({})
    assert len(base) == 64
    assert checksum({"image": {"repository": "x/y", "tag": "9"}, "replicaCount": 5}) == base
    changed = {"config": CUSTOM["config"]}
    assert checksum(changed) != base


def test_the_migration_job_upgrades_the_schema_before_install_and_upgrade() -> None:
    docs = documents(render())
    (job,) = _kind(docs, "Job")
    hook_cm = [
        d
        for d in _kind(docs, "ConfigMap")
        if "helm.sh/hook" in d["metadata"].get("annotations", {})
    ]
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == [
        "monitor",
        "db",
        "upgrade",
        "--config",
        "/etc/monitor/config.yaml",
    ]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # its config exists before it runs (hooks run before the release's own objects)
    (cm,) = hook_cm
    assert int(cm["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        annotations["helm.sh/hook-weight"]
    )
    assert (
        job["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"] == cm["metadata"]["name"]
    )
    assert yaml.safe_load(cm["data"]["config.yaml"]) == _config(docs)
    assert "migrations" not in {
        d["kind"] for d in documents(render({"migrations": {"enabled": False}}))
    }
    assert _kind(documents(render({"migrations": {"enabled": False}})), "Job") == []


@pytest.mark.parametrize("values", [None, CUSTOM], ids=["default", "custom"])
def test_the_rendered_config_is_accepted_by_monitor_config_check(
    values: dict[str, Any] | None, tmp_path: Path
) -> None:
    docs = documents(render(values))
    config = _config(docs)
    assert config["api"]["listen"].startswith("0.0.0.0:")  # reachable by the kubelet's probes
    env_names = {
        e["name"] for e in _deployment(docs)["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert config["api"]["token_env"] in env_names  # a non-loopback listen needs a token
    for target in config["targets"].values():
        assert target["api_key_env"] in env_names
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    out, err = io.StringIO(), io.StringIO()
    env = dict.fromkeys(env_names, "set-by-kubernetes")
    code = main(["config", "check", str(path)], env=env, stdout=out, stderr=err)
    assert code == 0, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"replicaCount": 0}, "/replicaCount"),
        ({"replicas": 2}, "replicas"),
        ({"secrets": {"apiToken": {"env": "has space", "key": "k"}}}, "/secrets/apiToken/env"),
        ({"shutdownGrace": "ten seconds"}, "/shutdownGrace"),
        ({"config": "targets: {}"}, "config: no probes"),
        ({"config": "- a list"}, "config: not a YAML mapping"),
    ],
)
def test_values_outside_the_schema_are_refused_naming_the_key(
    values: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(RenderError, match="(?s)" + complaint.replace("/", r"\/?")):
        render(values)


def test_the_default_image_is_the_one_docker_build_makes_and_notes_say_how() -> None:
    from monitor import __version__

    manifests = render()
    (deployment,) = [d for d in documents(manifests) if d["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    # nothing is published: the default is the local name of `docker build -t ...:VERSION .`
    assert container["image"] == f"contract-monitor:{__version__}"
    notes = next(text for path, text in manifests.items() if path.endswith("NOTES.txt"))
    assert f"docker build -t contract-monitor:{__version__} ." in notes
    pushed = render({"image": {"repository": "registry.example/cm"}})
    assert "docker build" not in next(t for p, t in pushed.items() if p.endswith("NOTES.txt"))
