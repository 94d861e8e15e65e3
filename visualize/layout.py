"""What makes dot slow, estimated before it runs: long edges out of widely used nodes.

dot puts the boxes of a left-to-right drawing in columns and routes an edge that
spans k columns through k - 1 invisible chain nodes, which then take part in
crossing minimisation and in the network-simplex placement. A node used by many
operations far apart (the `a` of `a + a + ... + a`, a weight read at every step)
gets an edge to each use: 1,000 uses of one leaf make ~10^6 chain nodes and minutes
of layout, and two such leaves interleaved are worse still (measured in
`benchmarks/render.py`).

When those long edges would add more than `FAN_BUDGET` chain nodes, each use
further than `NEAR` columns from the node gets a small copy of the node (its
name and value, dashed) beside it instead of an edge: the picture stays linear
in size and reads well. Smaller graphs are drawn exactly as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from visualize.trace import Item, Plan

FAN_USES = 3  # a node with this many drawn uses or more may be drawn again beside them
NEAR = 2  # uses within this many columns keep their edge
FAN_BUDGET = 400  # chain nodes from such nodes' long edges that dot handles in well under 1 s


@dataclass
class Layout:
    """Edges drawn as copies, the number of uses of each copied node, and the chain
    nodes dot will still add (`hidden_edges`, for `visualize.render.check_size`)."""

    copies: set = field(default_factory=set)  # (id(source item), id(item), position)
    uses: dict = field(default_factory=dict)  # id(source item) -> drawn uses
    hidden_edges: int = 0


def _edges(items: list[Item]) -> list[tuple[Item, Item, int]]:
    """(source, consumer, position or edge count) for every drawn input edge."""
    return [(source, item, position) for item in items for source, position in item.inputs]


def _columns(items: list[Item]) -> dict[int, int]:
    """Column of each consumer's target (its op node, or a folded box): longest path from
    the inputs, where leaves do not count (dot moves a leaf next to its first use)."""
    column: dict[int, int] = {}
    pending = {id(item): sum(1 for source, _ in item.inputs if source.inputs)
               for item in items}
    users: dict[int, list[Item]] = {}
    for item in items:
        for source, _ in item.inputs:
            users.setdefault(id(source), []).append(item)
    ready = [item for item in items if pending[id(item)] == 0]
    while ready:  # Kahn's algorithm: no recursion, any depth
        item = ready.pop()
        start = max((column[id(s)] + (1 if s.call is not None else 2)
                     for s, _ in item.inputs if s.inputs), default=1)
        column[id(item)] = start
        for user in users.get(id(item), ()):
            if item.inputs:
                pending[id(user)] -= 1
                if pending[id(user)] == 0:
                    ready.append(user)
    return column


def plan_layout(traced: Plan) -> Layout:
    """Decide which long edges out of widely used nodes to draw as copies (see above)."""
    items = traced.items
    edges = _edges(items)
    column = _columns(items)

    def out_column(source: Item, consumers: list[int]) -> int:
        if source.inputs:  # its record sits one column after its op (a folded box: at it)
            return column[id(source)] + (0 if source.call is not None else 1)
        return min(consumers) - 1  # a leaf sits just before its first use

    targets: dict[int, list[int]] = {}
    for source, item, _ in edges:
        targets.setdefault(id(source), []).append(column[id(item)])
    spans = []
    for source, item, position in edges:
        span = column[id(item)] - out_column(source, targets[id(source)])
        spans.append((source, item, position, max(span, 1)))

    fan = sum(span - 1 for source, _, _, span in spans if len(targets[id(source)]) >= FAN_USES)
    layout = Layout()
    for source, item, position, span in spans:
        uses = len(targets[id(source)])
        if fan > FAN_BUDGET and uses >= FAN_USES and span > NEAR:
            layout.copies.add((id(source), id(item), position))
            layout.uses[id(source)] = uses
        else:
            layout.hidden_edges += span - 1
    return layout
