"""Stage 1 of drawing: which boxes to draw and how they connect (no text, no DOT).

A `Plan` lists drawn items. An item is either one graph node or, with
`collapse=k`, one folded call of a composite function: every node recorded in a
`Scope` call nested k deep (counting the outermost call as 1) becomes a single
summary item, together with the leaves used only inside that call; the calls
around it (depth < k) become cluster boxes. Replacing a call by one summary node,
rather than only boxing its nodes, is what keeps a 5,000-node MLP drawable and
readable; `collapse=k` larger than the nesting depth boxes every call without
folding anything.

The graph is walked once with the shared iterative `autograd.topological_order`;
truncation (`max_nodes`) keeps the items nearest the root, breadth first, so
every kept item still connects to the root.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from autograd import topological_order


class Item:
    """One drawn box: a graph node (`node`) or a folded call (`call`, with `members`)."""

    __slots__ = ("key", "node", "call", "members", "cluster", "inputs", "outputs", "shared",
                 "truncated")

    def __init__(self, key: str, node: object = None, call: object = None,
                 cluster: object = None) -> None:
        self.key = key
        self.node = node
        self.call = call  # the folded autograd Scope
        self.members: list = []  # folded call: its nodes (and the leaves only it uses)
        self.cluster = cluster  # innermost enclosing Scope drawn as a cluster box
        # Plain node: (source item, parent position) per drawn parent, in order.
        # Folded call: (source item, number of edges) per distinct outside source.
        self.inputs: list = []
        self.outputs: list = []  # folded call: its members used outside it
        self.shared = 0  # folded call: parameters it shares with other folded calls (not drawn)
        self.truncated = False  # some inputs left out by max_nodes


@dataclass
class Plan:
    """The items to draw (root item first), and how many were left out by `max_nodes`."""

    items: list
    root: Item
    hidden: int
    clusters: dict  # id(Scope) -> Scope, every cluster box needed
    node_count: int  # graph nodes under the root


def _scope_chain(scope: object) -> list:
    """The enclosing calls from the outermost inward, ending with `scope`."""
    chain = []
    while scope is not None:
        chain.append(scope)
        scope = scope.parent
    chain.reverse()
    return chain


def _placement(scope: object, depth: int, cache: dict) -> tuple:
    """(call to fold the node into or None, innermost cluster or None) for a node's scope."""
    key = id(scope)
    if key not in cache:
        chain = _scope_chain(scope)
        if depth <= 0:
            cache[key] = (None, None)
        elif len(chain) >= depth:
            cache[key] = (chain[depth - 1], chain[depth - 2] if depth >= 2 else None)
        else:
            cache[key] = (None, chain[-1] if chain else None)
    return cache[key]


def plan(root: object, *, collapse: int = 0, max_nodes: int | None = None,
         prefix: str = "", named: frozenset = frozenset()) -> Plan:
    """Trace the graph under `root` into drawn items (see the module docstring)."""
    order = topological_order(root)
    if collapse <= 0:
        return _plain_plan(root, order, max_nodes, prefix)
    cache: dict = {}
    fold: dict[int, object] = {}  # id(node) -> folded call, or _SHARED
    cluster_of: dict[int, object] = {}
    if collapse > 0:
        for node in order:
            if node.scope is not None:
                call, cluster = _placement(node.scope, collapse, cache)
                if call is not None:
                    fold[id(node)] = call
                elif cluster is not None:
                    cluster_of[id(node)] = cluster
    shared: dict[int, int] = {}
    if fold:
        shared = _fold_leaves(order, root, fold, named)

    items: dict[int, Item] = {}  # id(node) or id(call) -> Item
    rep: dict[int, Item | None] = {}  # id(node) -> its item (None: not drawn)
    for index, node in enumerate(order):
        call = fold.get(id(node))
        if call is None:
            item = items[id(node)] = Item(f"{prefix}n{index}", node, None,
                                          cluster_of.get(id(node)))
        elif call is _SHARED:
            item = None
        else:
            item = items.get(id(call))
            if item is None:
                item = items[id(call)] = Item(f"{prefix}s{len(items)}", None, call,
                                              _placement(call, collapse, cache)[1])
                item.shared = shared.get(id(call), 0)
            item.members.append(node)
        rep[id(node)] = item

    counts: dict[int, dict] = {}  # id(folded item) -> id(source) -> [source, edges]
    is_output: set = set()
    for node in order:
        item = rep[id(node)]
        if item is None:
            continue
        if item.call is None:
            item.inputs = [(rep[id(p)], i) for i, p in enumerate(node._prev)
                           if rep[id(p)] is not None]
            if not fold:
                continue
        for parent in node._prev:
            source = rep[id(parent)]
            if source is item or source is None:
                continue
            if item.call is not None:
                entry = counts.setdefault(id(item), (item, {}))[1].setdefault(id(source),
                                                                  [source, 0])
                entry[1] += 1
            if source.call is not None and id(parent) not in is_output:
                is_output.add(id(parent))
                source.outputs.append(parent)
    for item, sources in counts.values():
        item.inputs = [tuple(entry) for entry in sources.values()]
    root_item = rep[id(root)]
    if root_item.call is not None and id(root) not in is_output:
        root_item.outputs.append(root)

    kept = _nearest(root_item, max_nodes)
    if len(kept) < len(items):
        drawn = {id(item) for item in kept}
        for item in kept:
            inputs = [entry for entry in item.inputs if id(entry[0]) in drawn]
            item.truncated = len(inputs) < len(item.inputs)
            item.inputs = inputs
    clusters: dict[int, object] = {}
    for item in kept:
        for scope in _scope_chain(item.cluster):
            clusters[id(scope)] = scope
    return Plan(kept, root_item, len(items) - len(kept), clusters, len(order))


_SHARED = object()  # marks a parameter used by several folded calls: counted, not drawn


def _fold_leaves(order: list, root: object, fold: dict, named: frozenset) -> dict[int, int]:
    """Fold the leaves that only folded calls use; return id(call) -> shared leaves hidden.

    A parameter or an unlabelled leaf used by one call is folded into it (a
    neuron's weights); one used by several calls (weights across a batch) is not
    drawn, only counted in each call's summary. A labelled input is folded only
    when its one call has another input drawn outside, so a call keeps its input.
    """
    users: dict[int, set] = {}
    for node in order:
        call = fold.get(id(node))
        for parent in node._prev:
            if not parent._prev and parent is not root:
                users.setdefault(id(parent), set()).add(id(call) if call is not None else None)
    calls = {id(call): call for call in fold.values()}
    shared: dict[int, int] = {}
    inputs: dict[int, object] = {}  # id(labelled input leaf) -> its one call
    for node in order:
        only = users.get(id(node))
        if only is None or None in only:
            continue
        if node.label and id(node) not in named:
            if len(only) == 1:
                inputs[id(node)] = calls[next(iter(only))]
        elif len(only) == 1:
            fold[id(node)] = calls[next(iter(only))]
        else:
            fold[id(node)] = _SHARED
            for key in only:
                shared[key] = shared.get(key, 0) + 1
    fed_from_outside = set()
    for node in order:
        call = fold.get(id(node))
        if call is None or call is _SHARED:
            continue
        for parent in node._prev:
            source = fold.get(id(parent))
            if source is not call and source is not _SHARED and inputs.get(id(parent)) is not call:
                fed_from_outside.add(id(call))
    for key, call in inputs.items():
        if id(call) in fed_from_outside:
            fold[key] = call
    return shared


def _plain_plan(root: object, order: list, max_nodes: int | None, prefix: str) -> Plan:
    """`plan` without folding: one item per node, built only for the nodes kept."""
    kept = order
    if max_nodes is not None and len(order) > max_nodes:
        seen = {id(root)}
        kept = [root]
        queue = deque(kept)
        while queue and len(kept) < max_nodes:
            for parent in queue.popleft()._prev:
                if id(parent) not in seen and len(kept) < max_nodes:
                    seen.add(id(parent))
                    kept.append(parent)
                    queue.append(parent)
    items = {id(node): Item(f"{prefix}n{i}", node) for i, node in enumerate(kept)}
    for node in kept:
        item = items[id(node)]
        parents = node._prev
        item.inputs = [(items[id(p)], i) for i, p in enumerate(parents) if id(p) in items]
        item.truncated = len(item.inputs) < len(parents)
    root_item = items[id(root)]
    ordered = list(items.values())
    return Plan(ordered, root_item, len(order) - len(kept), {}, len(order))


def _nearest(root_item: Item, max_nodes: int | None) -> list:
    """Items breadth first from the root, at most `max_nodes` of them."""
    limit = float("inf") if max_nodes is None else max(1, max_nodes)
    seen = {id(root_item)}
    kept = [root_item]
    queue = deque(kept)
    while queue and len(kept) < limit:
        item = queue.popleft()
        for source, _ in item.inputs:
            if id(source) not in seen and len(kept) < limit:
                seen.add(id(source))
                kept.append(source)
                queue.append(source)
    return kept
