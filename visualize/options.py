"""Draw's options, checked and interpreted: the option values, `highlight=`, `params=`."""

from __future__ import annotations

from autograd.graph import Node
from visualize.trace import Item

RANKDIRS = ("LR", "RL", "TB", "BT")


class Highlight:
    """Which nodes and edges to draw in the highlight colour (from a `chain` result or nodes)."""

    def __init__(self, highlight: object) -> None:
        self.edges = None
        if highlight is None:
            self.nodes: set[int] = set()
        elif hasattr(highlight, "edge_ids") and hasattr(highlight, "node_ids"):
            self.nodes, self.edges = set(highlight.node_ids), set(highlight.edge_ids)
        else:
            try:
                self.nodes = {id(node) for node in highlight}
            except TypeError:
                raise TypeError("draw(highlight=...): expected a visualize.chain result or an "
                                f"iterable of nodes, got {type(highlight).__name__}") from None

    def item(self, item: Item) -> bool:
        """Is this box lit (a folded call: is any of its members)?"""
        if item.call is None:
            return id(item.node) in self.nodes
        return any(id(member) in self.nodes for member in item.members)

    def edge(self, source: Item, item: Item, position: int) -> bool:
        """Is the edge from `source` into input `position` of `item` lit?"""
        if item.call is None and source.call is None and self.edges is not None:
            parent = item.node._prev[position]
            return (id(parent), id(item.node), position) in self.edges
        return self.item(source) and self.item(item)


def check_options(root: object, collapse: object, max_nodes: object, rankdir: object,
                  params: object) -> int:
    """Validate draw's options; return the collapse depth."""
    if not isinstance(root, Node):
        raise TypeError(f"visualize.draw: expected a Value or Tensor, got {type(root).__name__}")
    if isinstance(collapse, bool):
        depth = int(collapse)
    elif isinstance(collapse, int) and collapse >= 0:
        depth = collapse
    else:
        raise ValueError(f"visualize.draw: collapse must be True/False or a depth >= 0, "
                         f"got {collapse!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"visualize.draw: max_nodes must be None or >= 1, got {max_nodes!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"visualize.draw: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if params is not None and not callable(getattr(params, "named_parameters", None)):
        raise TypeError("visualize.draw: params must have a named_parameters() method, "
                        f"got {type(params).__name__}")
    return depth


def parameter_names(params: object) -> dict[int, str]:
    return {} if params is None else {id(node): str(name)
                                       for name, node in params.named_parameters()}
