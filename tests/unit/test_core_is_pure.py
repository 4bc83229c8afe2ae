"""The pure core imports nothing but the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "monitor" / "core"


def test_core_modules_import_only_stdlib_and_core() -> None:
    offenders = []
    for module in sorted(CORE.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if name.startswith("monitor.core") or top == "__future__":
                    continue
                if top not in sys.stdlib_module_names:
                    offenders.append(f"{module.name}: {name}")
    assert offenders == []
