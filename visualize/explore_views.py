"""The explorer's views: the whole graph with every call folded, and one view inside each call.

A view is laid out and drawn by the same Graphviz as `visualize.draw`, ahead of
time, so opening a call in the page swaps in a ready drawing instead of laying
out hundreds of nodes in the browser (measured: 0.2-0.6 s per layout there,
against a 100 ms budget). The items come from `visualize.trace.plan`: the top
view is `plan(collapse=1)` (no folding if the graph has no calls); the view
inside a call nested d deep holds the items of `plan(collapse=d + 1)` boxed in
that call, plus dashed copies of what feeds it from outside. Every drawn element
gets an `id` the page's script reads, `<p>` being the pane and view (`av0`): `<p>n<i>`
(node i, numbered as in `explore_data.Model`), `<p>o<i>` (its op), `<p>q<i>` (the op's
arrow to it), `<p>e<i>_<k>` (the edge from its input k), `<p>s<j>` (folded call j) and
`<p>b<j>_n<i>` / `<p>b<j>_s<m>` (the edge into call j from node i or call m).
"""

from __future__ import annotations

import os
import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from visualize import label as lbl
from visualize.draw import _new_graph
from visualize.explore_data import Model
from visualize.render import select_renderer
from visualize.style import FUSED_OPS, STYLE, TRUNCATED_EDGE
from visualize.svg import to_svg
from visualize.trace import Item, plan

# What the page does not need: the prologue, comments, tooltips (<title>: the element ids),
# and each drawing's copy of the embedded font (`visualize.fontface`: the page has one).
_STRIP = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->|<title>.*?</title>|"
                    r'<style>.*?</style>| xml:space="preserve"|^\n', re.S | re.M)


def _attrs(attributes: dict) -> str:
    return " ".join(f"{key}={lbl.quote(value)}" for key, value in attributes.items())


class _Emitter:
    """DOT lines for one view; `prefix` makes every element id unique in the page."""

    def __init__(self, model: Model, prefix: str, inside: set) -> None:
        self.model, self.prefix, self.inside = model, prefix, inside
        self.lines: list[str] = []

    def key(self, item: Item) -> str:
        return self.prefix + self.short(item)

    def short(self, item: Item) -> str:
        if item.call is not None:
            return f"s{self.model.scopes[id(item.call)]}"
        return f"n{self.model.index[id(item.node)]}"

    def element(self, key: str, label: str, style: dict) -> None:
        self.lines.append(f'\t{key} [id="{key}" label={label} {_attrs(style)}]\n')

    def edge(self, tail: str, head: str, key: str, text: str | None,
             extra: dict | None = None) -> None:
        label = "" if text is None else f" label={lbl.quote(text)}"
        extra_text = f" {_attrs(extra)}" if extra else ""
        self.lines.append(f'\t{tail} -> {head} [id="{key}"{label}{extra_text}]\n')

    def node(self, item: Item, stub: bool = False) -> None:
        node, model = item.node, self.model
        style = dict(STYLE[lbl.node_kind(node, model.root, model.names)])
        if stub:  # drawn here only as the input it is to this call
            style["style"] = style["style"].replace(",dashed", "") + ",dashed"
        elif self.is_output(node):
            style.update(penwidth="2", style=style["style"].replace(",bold", "") + ",bold")
        key = self.key(item)
        self.element(key, lbl.record(lbl.node_fields(node, model.name(node))), style)
        if stub or not node.parents:
            return
        i = model.index[id(node)]
        op = f"{self.prefix}o{i}"
        kind = "fused" if node.op in FUSED_OPS else "op"
        self.element(op, lbl.quote(lbl.op_text(node.op, node._ctx)), STYLE[kind])
        self.edge(op, key, f"{self.prefix}q{i}", None)
        derivatives = node._op.local_derivatives(node) if model.scalar else None
        for source, position in item.inputs:
            d = None if derivatives is None else derivatives[position]
            text = lbl.local_grad_text(node, node.parents[position], d)
            self.edge(self.key(source), op, f"{self.prefix}e{i}_{position}", text)
        if item.truncated:
            self.edge(f"{self.prefix}more", op, f"{self.prefix}t{i}", None, TRUNCATED_EDGE)

    def call(self, item: Item, stub: bool = False) -> None:
        ops: dict[str, int] = {}
        for member in item.members:
            if member.op:
                ops[member.op] = ops.get(member.op, 0) + 1
        fields = lbl.group_fields(item.call.name, len(item.members), ops, item.outputs,
                                  item.shared)
        style = dict(STYLE["scope"], style="filled,dashed" if stub else "filled")
        key = self.key(item)
        self.element(key, lbl.quote("\n".join(fields)), style)
        if stub:
            return
        for source, count in item.inputs:
            edge_key = f"{self.prefix}b{self.model.scopes[id(item.call)]}_{self.short(source)}"
            self.edge(self.key(source), key, edge_key,
                      f"×{count}" if count > 1 else None)

    def is_output(self, node: object) -> bool:
        """The root, or a node some node outside this view is computed from."""
        return node is self.model.root or any(
            id(child) not in self.inside for child in self.model.children.get(id(node), ()))


def _nearest(items: list, limit: int) -> list:
    """At most `limit` items, breadth first from the ones nothing in the view uses."""
    drawn = {id(item) for item in items}
    used = {id(source) for item in items for source, _ in item.inputs}
    start = [item for item in items if id(item) not in used]
    kept, seen, queue = [], set(), deque(start)
    for item in start:
        seen.add(id(item))
    while queue and len(kept) < limit:
        item = queue.popleft()
        kept.append(item)
        for source, _ in item.inputs:
            if id(source) in drawn and id(source) not in seen:
                seen.add(id(source))
                queue.append(source)
    return kept


def _svg(lines: list[str], rankdir: str, renderer: str | None) -> str:
    graph = _new_graph(rankdir)
    graph.body.extend(lines)
    return _STRIP.sub("", to_svg(graph, renderer=renderer)).strip()


def _render_all(views: list[dict], rankdir: str, renderer: str | None) -> None:
    """Replace each view's DOT `lines` by its `svg`. A renderer that runs as a program
    (graphviz-pure, the system dot) lays views out in parallel, one per core (up to 4);
    the WebAssembly one is a single instance, so one view at a time."""
    def one(view: dict) -> None:
        view["svg"] = _svg(view.pop("lines"), rankdir, renderer)

    workers = min(4, os.cpu_count() or 1)
    if workers == 1 or len(views) == 1 or select_renderer(renderer) == "wasm":
        for view in views:
            one(view)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, views))  # list(): re-raise the first error


def _view(model: Model, items: list, prefix: str, max_nodes: int | None, hidden: int) -> dict:
    """One view's items (and dashed copies of their outside inputs) as DOT lines."""
    if max_nodes is not None and len(items) > max_nodes:
        kept = _nearest(items, max_nodes)
        hidden += len(items) - len(kept)
        items = kept
    drawn = {id(item) for item in items}
    inside = set()
    for item in items:
        inside.update(id(m) for m in (item.members if item.call is not None else [item.node]))
    emitter = _Emitter(model, prefix, inside)
    stubs: dict[int, Item] = {}
    for item in items:
        truncated = False
        for source, _ in item.inputs:
            if id(source) not in drawn:
                if max_nodes is not None and len(drawn) + len(stubs) >= 2 * max_nodes:
                    truncated = True
                    continue
                stubs.setdefault(id(source), source)
        item.truncated = item.truncated or truncated
        item.inputs = [entry for entry in item.inputs
                       if id(entry[0]) in drawn or id(entry[0]) in stubs]
    for source in stubs.values():
        (emitter.call if source.call is not None else emitter.node)(source, stub=True)
    for item in items:
        (emitter.call if item.call is not None else emitter.node)(item)
    if hidden or any(item.truncated for item in items):
        text = f"{hidden} more nodes not shown (max_nodes={max_nodes})"
        emitter.element(f"{prefix}more", lbl.quote(text), STYLE["note"])
    return {"lines": emitter.lines,
            # Folded calls with the node whose data and grad their box shows (None: several).
            "calls": sorted([model.scopes[id(i.call)], model.index[id(i.outputs[0])]
                             if len(i.outputs) == 1 else None]
                            for i in items if i.call is not None)}


def _depth(scope: object) -> int:
    depth = 0
    while scope is not None:
        depth, scope = depth + 1, scope.parent
    return depth


def build_views(model: Model, prefix: str, *, max_nodes: int | None, rankdir: str = "LR",
                renderer: str | None = None) -> list[dict]:
    """The top view, then one view per call: dicts of `scope` (None: top), `svg`, `calls`."""
    depths = [_depth(scope) for scope in model.scope_list]
    deepest = max(depths, default=0)
    named = frozenset(model.names)
    top = plan(model.root, collapse=min(deepest, 1), max_nodes=max_nodes, named=named)
    views = [dict(_view(model, top.items, f"{prefix}v0", None, top.hidden), scope=None)]
    for depth in range(1, deepest + 1):
        traced = plan(model.root, collapse=depth + 1, max_nodes=None, named=named)
        inside: dict[int, list] = {}
        for item in traced.items:
            if item.cluster is not None and _depth(item.cluster) == depth:
                inside.setdefault(model.scopes[id(item.cluster)], []).append(item)
        for number in sorted(inside):
            view = _view(model, inside[number], f"{prefix}v{len(views)}", max_nodes, 0)
            views.append(dict(view, scope=number))
    _render_all(views, rankdir, renderer)
    return views
