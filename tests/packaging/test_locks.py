"""Dependencies are locked with hashes: `requirements/runtime.lock` and `requirements/dev.lock`
pin every package (constraints.txt's versions) with the sha256 of its files, and `make`
installs them with `pip --require-hashes` before the project itself with `--no-deps`."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCKS = {
    "runtime": ROOT / "requirements" / "runtime.lock",
    "dev": ROOT / "requirements" / "dev.lock",
}
_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^ ;\\]+)")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _entries(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of each requirement of a pip requirements file."""
    entries: dict[str, tuple[str, list[str]]] = {}
    current: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := _REQUIREMENT.match(line):
            current = _name(match.group(1))
            entries[current] = (match.group(3), [])
        elif line.strip().startswith("--hash=") and current is not None:
            entries[current][1].append(line.strip().removesuffix("\\").strip())
        elif line.strip() and not line.lstrip().startswith("#"):
            assert line.startswith(" "), f"{path.name}: not a pinned requirement: {line!r}"
    return entries


def _constraints() -> dict[str, str]:
    out = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if match := _REQUIREMENT.match(line):
            out[_name(match.group(1))] = match.group(3)
    return out


def _declared(extra: str | None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = list(project["dependencies"])
    if extra:
        deps += project["optional-dependencies"][extra]
    return {_name(re.split(r"[\[<>=!~; ]", dep, maxsplit=1)[0]) for dep in deps}


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_locked_package_is_pinned_with_sha256_hashes(lock: str) -> None:
    entries = _entries(LOCKS[lock])
    assert entries
    for name, (version, hashes) in entries.items():
        assert hashes, f"{name}=={version} has no hash"
        assert all(re.fullmatch(r"--hash=sha256:[0-9a-f]{64}", h) for h in hashes), name


@pytest.mark.parametrize(("lock", "extra"), [("runtime", None), ("dev", "dev")])
def test_the_locks_cover_pyproject_at_the_constraints_versions(
    lock: str, extra: str | None
) -> None:
    entries = _entries(LOCKS[lock])
    missing = _declared(extra) - set(entries)
    assert not missing, f"declared in pyproject.toml but not locked: {missing} (run make lock)"
    pins = _constraints()
    drifted = {n: (v, pins[n]) for n, (v, _) in entries.items() if n in pins and pins[n] != v}
    assert not drifted, f"lock and constraints.txt disagree (run make lock): {drifted}"
    assert "contract-monitor" not in entries  # the project is installed with --no-deps


def test_the_runtime_lock_is_part_of_the_dev_lock() -> None:
    runtime, dev = _entries(LOCKS["runtime"]), _entries(LOCKS["dev"])
    assert {n: v for n, (v, _) in runtime.items()} == {n: dev[n][0] for n in runtime if n in dev}
    assert set(runtime) <= set(dev)


@pytest.mark.parametrize(("target", "lock"), [(".venv/.dev", "dev"), (".venv/.runtime", "runtime")])
def test_make_installs_the_lock_with_require_hashes_then_the_project_without_deps(
    target: str, lock: str, tmp_path: Path
) -> None:
    # -n: print the commands a fresh checkout would run, run nothing; VENV elsewhere so the
    # developer's own .venv is not considered up to date
    result = subprocess.run(
        [
            "make",
            "-n",
            "-B",
            f"VENV={tmp_path / 'venv'}",
            target.replace(".venv", str(tmp_path / "venv")),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    installs = [line for line in result.stdout.splitlines() if " pip install " in line]
    locked = [i for i, line in enumerate(installs) if "--require-hashes" in line]
    assert locked, result.stdout
    assert f"-r requirements/{lock}.lock" in installs[locked[0]]
    project = [i for i, line in enumerate(installs) if line.rstrip().endswith("-e .")]
    assert project, result.stdout
    assert project[0] > locked[0]
    assert "--no-deps" in installs[project[0]]
    assert all("-c constraints.txt" not in line for line in installs)
