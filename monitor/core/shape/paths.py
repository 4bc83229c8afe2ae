"""The path notation of shapes: dots for object members, ``[]`` for array items
(``choices[].message.content``), and a member whose key holds a dot or a bracket quoted
(``headers."x.y"``). Findings, overrides, assumptions and the contract all name paths so.
"""

from __future__ import annotations


def parent_path(path: str) -> str:
    if path.endswith("[]"):
        return path[:-2]
    cut = path.rfind('"', 0, len(path) - 1) - 1 if path.endswith('"') else path.rfind(".")
    return "" if cut < 0 else path[:cut]


def leaf_key(path: str) -> str:
    base = path[:-2] if path.endswith("[]") else path
    parent = parent_path(base)
    leaf = base[len(parent) + 1 :] if parent else base
    return leaf.strip('"')


def member_path(prefix: str, key: str) -> str:
    safe = key if ("." not in key and "[" not in key) else f'"{key}"'
    return safe if prefix == "" else f"{prefix}.{safe}"
