"""Where in a YAML document: a key path written as people read it (``probes[2].every``) and the
line it sits on in the composed node tree. Shared by the config loader and the contract reader,
so both locate their errors the same way (``file:line: key``).
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml

Loc = Sequence[str | int]


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += part if not out else f".{part}"
    return out


class Locator:
    """Finds the line of a key path in the composed YAML node tree."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    def line(self, loc: Loc, *, key: bool = False) -> int | None:
        node = self.root
        last_line = None if node is None else node.start_mark.line + 1
        for index, part in enumerate(loc):
            found = self._child(node, part, want_key=key and index == len(loc) - 1)
            if found is None:
                return last_line
            node = found
            last_line = node.start_mark.line + 1
        return last_line

    @staticmethod
    def _child(node: yaml.Node | None, part: str | int, *, want_key: bool) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if str(key_node.value) == str(part):
                    chosen: yaml.Node = key_node if want_key else value_node
                    return chosen
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child: yaml.Node = node.value[part]
            return child
        return None
