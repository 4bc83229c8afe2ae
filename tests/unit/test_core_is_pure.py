"""The pure core (every module, sub-folders included) imports only the standard library and
itself (STYLE habit 1)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "monitor" / "core"


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_modules_import_only_stdlib_and_the_core_itself() -> None:
    offenders = {}
    for path in sorted(CORE.rglob("*.py")):
        for root in _imported_roots(path):
            if root in sys.stdlib_module_names or root == "__future__":
                continue
            offenders.setdefault(str(path.relative_to(CORE)), set()).add(root)
    # `monitor` imports must stay inside monitor.core
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("monitor")
            ) and not node.module.startswith("monitor.core"):
                offenders.setdefault(str(path.relative_to(CORE)), set()).add(node.module)
    offenders = {k: {r for r in v if r != "monitor"} for k, v in offenders.items()}
    assert {k: v for k, v in offenders.items() if v} == {}
