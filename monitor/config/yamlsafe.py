"""Composing YAML without alias bombs, for the config and contract loaders.

PyYAML composes an alias as a second reference to the anchored node, so composing stays
linear; every walk after it (duplicate keys, ``${ENV}`` expansion, validation, JSON
conversion) expands the aliases. Eight levels of nine aliases ("billion laughs", under 1 KB)
are 43 million nodes to walk: 40 s and 2.75 GB for one contract. ``BoundedLoader`` knows each
composed node's expanded size (one sum per node, as it completes) and refuses, at the alias,
once the nodes aliases add pass ``alias_budget``. Ordinary reuse (a shared header block, a
schema anchored once) costs a few hundred nodes.
"""

from __future__ import annotations

import yaml

CONFIG_ALIAS_BUDGET = 10_000
CONTRACT_ALIAS_BUDGET = 100_000


class AliasBudgetError(yaml.YAMLError):
    """Aliases expand past the budget; ``problem_mark`` is the alias that went over."""

    def __init__(self, mark: yaml.Mark, budget: int) -> None:
        super().__init__()
        self.problem_mark = mark
        self.problem = (
            f"YAML aliases expand to more than {budget} nodes here (an alias bomb?): "
            "write the repeated part out, or anchor less"
        )

    def __str__(self) -> str:
        return str(self.problem)


class BoundedLoader(yaml.SafeLoader):
    def __init__(self, stream: str, alias_budget: int) -> None:
        super().__init__(stream)
        self.alias_budget = alias_budget
        self.aliased = 0  # nodes that aliases added to the document, expanded
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            node = super().compose_node(parent, index)
            # an alias of an ancestor (recursive) has no size yet; the loaders refuse it
            self.aliased += self._sizes.get(id(node), 0)
            if self.aliased > self.alias_budget:
                raise AliasBudgetError(event.start_mark, self.alias_budget)
            return node
        node = super().compose_node(parent, index)
        if node is not None:
            self._sizes[id(node)] = 1 + sum(self._sizes.get(id(c), 0) for c in _children(node))
        return node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
