"""Imports only point down, and no two modules import each other, however indirectly.

The layer table below is the rule (ARCHITECTURE.md shows the same table): each unit (a folder
of ``monitor/`` or a module at its root) may import itself, the units it lists and the root's
shared modules. Every ``monitor`` import counts: at module level, inside a function and behind
``TYPE_CHECKING`` alike, because an import hidden from the interpreter still ties the two
modules together for a reader and for mypy.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "monitor"

# The root's modules every unit may import (core only ``errors``, ``clock`` and ``ids``).
# ``monitor`` itself is the package's ``__init__`` (``__version__``).
SHARED = frozenset({"errors", "clock", "ids", "blocking", "monitor"})
CORE_SHARED = frozenset({"errors", "clock", "ids"})

# unit -> the units it may import besides itself and SHARED. Ordered bottom-up.
LAYERS: Mapping[str, frozenset[str]] = {
    "errors": frozenset(),
    "clock": frozenset(),
    "ids": frozenset(),
    "blocking": frozenset(),
    "monitor": frozenset(),
    "core": frozenset(),
    "simulator": frozenset(),
    "config": frozenset({"core"}),
    "contract": frozenset({"core", "config"}),
    "storage": frozenset({"core", "config"}),
    "telemetry": frozenset({"core", "config", "storage"}),
    "probes": frozenset({"core", "config", "telemetry"}),
    "views": frozenset({"core", "config", "storage"}),
    "report": frozenset({"core", "config", "storage"}),
    "alerts": frozenset({"core", "config", "storage", "telemetry"}),
    "runner": frozenset({"core", "config", "contract", "probes", "storage", "telemetry", "views"}),
    "selfcheck": frozenset({"core", "config", "storage", "telemetry", "alerts", "runner"}),
    "web": frozenset({"core", "config", "storage", "views", "report", "selfcheck"}),
    "api": frozenset(
        {"core", "config", "storage", "telemetry", "views", "report", "selfcheck", "web"}
    ),
    "app": frozenset(
        {"core", "config", "contract", "probes", "storage", "telemetry", "views", "report"}
        | {"alerts", "runner", "selfcheck", "web", "api"}
    ),
    "service": frozenset(
        {"core", "config", "contract", "probes", "storage", "telemetry", "views", "report"}
        | {"alerts", "runner", "selfcheck", "web", "api", "app"}
    ),
    "cli": frozenset(
        {"core", "config", "contract", "probes", "storage", "telemetry", "views", "report"}
        | {"alerts", "runner", "selfcheck", "web", "api", "app", "service", "simulator"}
    ),
    "__main__": frozenset({"cli"}),
}

# Inside the core, the sub-folders stay apart: shapes know nothing of streams (a chunk is a
# shape, not the other way round) and neither knows the call policies.
FORBIDDEN_INSIDE_CORE = {
    "core.shape": frozenset({"core.stream", "core.policy"}),
    "core.stream": frozenset({"core.policy"}),
    "core.policy": frozenset({"core.shape", "core.stream"}),
}

Graph = dict[str, set[str]]


def module_files(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package (applied migrations are
    Alembic's, loaded by path, and import nothing of ours but the tables)."""
    out: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        if "migrations" in path.relative_to(package).parts:
            continue
        parts = [package.name, *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def import_graph(package: Path) -> Graph:
    """Module -> the package's modules it imports, every import statement counted."""
    files = module_files(package)
    graph: Graph = {}
    for name, path in files.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(_known(alias.name, files) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, here)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.add(sub if sub in files else _known(base, files))
        graph[name] = {t for t in targets if t and t != name}
    return graph


def _absolute(node: ast.ImportFrom, here: str) -> str:
    if not node.level:
        return node.module or ""
    parts = here.split(".")
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, node.module] if node.module else parts)


def _known(name: str, files: Mapping[str, Path]) -> str:
    """The longest prefix of ``name`` that is one of our modules ('' for third-party)."""
    while name and name not in files:
        name = name.rpartition(".")[0]
    return name


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer_violations(graph: Graph) -> list[str]:
    out = []
    for module, targets in sorted(graph.items()):
        unit = unit_of(module)
        shared = CORE_SHARED if unit == "core" else SHARED
        allowed = LAYERS[unit] | shared | {unit}
        for target in sorted(targets):
            if unit_of(target) not in allowed:
                out.append(f"{module} imports {target}")
            sub, target_sub = ".".join(module.split(".")[1:3]), ".".join(target.split(".")[1:3])
            if target_sub in FORBIDDEN_INSIDE_CORE.get(sub, ()):
                out.append(f"{module} imports {target}")
    return out


def test_every_unit_of_the_package_has_a_row_in_the_layer_table() -> None:
    units = {unit_of(module) for module in module_files(PACKAGE)}
    assert units - set(LAYERS) == set()


def test_the_layer_table_itself_has_no_cycle() -> None:
    table = {unit: set(allowed) for unit, allowed in LAYERS.items()}
    assert cycles(table) == []


def test_imports_only_point_down_the_layer_table() -> None:
    assert layer_violations(import_graph(PACKAGE)) == []


def test_no_two_modules_import_each_other_even_indirectly() -> None:
    assert cycles(import_graph(PACKAGE)) == []


def test_architecture_md_shows_the_same_layer_table() -> None:
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    shown: dict[str, frozenset[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        words = {word.strip("`,;:().") for word in cells[1].split()}
        shown[cells[0].strip("`")] = frozenset(words & set(LAYERS))
    hidden = SHARED  # the shared modules are said once, above the table
    assert shown == {unit: allowed for unit, allowed in LAYERS.items() if unit not in hidden}


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_cycle_hidden_behind_type_checking_is_found(tmp_path: Path) -> None:
    package = tmp_path / "monitor"
    _write(package, "__init__.py", "")
    _write(package, "runner/__init__.py", "")
    _write(package, "runner/pipeline.py", "from monitor.runner.replay import replay\n")
    _write(
        package,
        "runner/replay.py",
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from monitor.runner.pipeline import Pipeline\n",
    )
    assert cycles(import_graph(package)) == [["monitor.runner.pipeline", "monitor.runner.replay"]]


def test_an_upward_import_inside_a_function_is_a_violation(tmp_path: Path) -> None:
    package = tmp_path / "monitor"
    _write(package, "__init__.py", "")
    _write(package, "probes/__init__.py", "")
    _write(package, "config/__init__.py", "")
    _write(package, "config/checks.py", "def check():\n    from monitor.probes import sdk\n")
    _write(package, "probes/sdk.py", "from ..config import checks\n")
    graph = import_graph(package)
    assert layer_violations(graph) == ["monitor.config.checks imports monitor.probes.sdk"]
    assert cycles(graph) == [["monitor.config.checks", "monitor.probes.sdk"]]
