"""Stage 3 of drawing: a traced `Plan` and its labels as a `Drawing` (a `graphviz.Digraph`).

DOT lines are written straight into the Digraph's `body` (every string escaped by
`visualize.label`), which is ~10x faster than one `Digraph.node` call per node on
100,000-node graphs. Nothing here runs Graphviz: see `visualize.render` for that.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections import Counter

import numpy as np

from autograd.graph import Node
from visualize import label as lbl
from visualize.constants import held_constants
from visualize.drawing import Drawing
from visualize.layout import Layout, plan_layout
from visualize.options import Highlight, check_options, parameter_names
from visualize.style import (
    CLUSTER_STYLE,
    COPY_STYLE,
    FONT,
    FUSED_OPS,
    HIGHLIGHT,
    STYLE,
    TRUNCATED_EDGE,
)
from visualize.trace import Item, Plan, plan

DEFAULT_MAX_NODES = 500


def _attrs(attributes: dict[str, str], label: str | None = None) -> str:
    """` [label=... key="value" ...]` with `label` already quoted."""
    parts = [] if label is None else [f"label={label}"]
    parts.extend(f"{key}={lbl.quote(value)}" for key, value in attributes.items())
    return " [" + " ".join(parts) + "]" if parts else ""


@functools.lru_cache(maxsize=64)
def _style(kind: str, lit: bool, root: bool = False, copy: bool = False) -> str:
    """The attribute text of a node kind from `STYLE` (highlighted, filled as the output,
    or as a copy drawn beside a far use)."""
    attributes = dict(STYLE[kind])
    if root:
        attributes["fillcolor"] = STYLE["output"]["fillcolor"]
    if copy:
        attributes.update(COPY_STYLE)
        attributes["style"] = attributes["style"].replace(",bold", "") + ",dashed"
    if lit:
        attributes.update(HIGHLIGHT)
    return " ".join(f"{key}={lbl.quote(value)}" for key, value in attributes.items())


def _node(key: str, label: str, kind: str, lit: bool, root: bool = False,
          copy: bool = False) -> str:
    return f"\t{key} [label={label} {_style(kind, lit, root, copy)}]"


def _name(node: object, names: dict[int, str], held: dict[int, str]) -> str:
    return names.get(id(node)) or node.label or held.get(id(node), "")


def _emit(traced: Plan, root: object, *, names: dict[int, str], show_local_grads: bool,
          highlight: Highlight, max_nodes: int | None, prefix: str,
          layout: Layout) -> list[str]:
    """DOT body lines for one traced graph: cluster blocks with their nodes, then edges."""
    node_lines: dict[int, list[str]] = {}  # id(cluster Scope) or 0 (top level) -> lines
    edges: list[str] = []
    note = f"{prefix}more"
    held = held_constants([item.node for item in traced.items if item.call is None])
    kinds: dict[int, str] = {}
    copies = 0

    def add(item: Item, line: str) -> None:
        node_lines.setdefault(id(item.cluster) if item.cluster is not None else 0, []).append(line)

    lit_text = _attrs(HIGHLIGHT)

    def edge(tail: str, head: str, label: str | None, lit: bool, extra: dict | None = None):
        if label is None and not extra:
            edges.append(f"\t{tail} -> {head}{lit_text if lit else ''}")
            return
        attributes = dict(HIGHLIGHT) if lit else {}
        attributes.update(extra or {})
        text = None if label is None else lbl.quote(label)
        edges.append(f"\t{tail} -> {head}{_attrs(attributes, text)}")

    def tail(source: Item, item: Item, position: int, lit: bool) -> str:
        """The box an input edge starts from: the source, or a copy of it beside `item`."""
        nonlocal copies
        if (id(source), id(item), position) not in layout.copies:
            return source.key
        copies += 1
        key = f"{source.key}_c{copies}"
        if source.call is not None:
            text, kind = lbl.quote(source.call.name), "scope"
        else:
            node = source.node
            text = lbl.record(lbl.copy_fields(node, _name(node, names, held)))
            kind = kinds.get(id(source), "value")
        add(item, _node(key, text, kind, lit, copy=True))
        return key

    for item in traced.items:
        lit = highlight.item(item)
        uses = layout.uses.get(id(item))
        if item.call is not None:
            ops = Counter(m.op for m in item.members if m._op is not None)
            fields = lbl.group_fields(item.call.name, len(item.members), ops, item.outputs,
                                      item.shared)
            if uses:
                fields.append(f"used {uses}×: far uses drawn as copies")
            text = lbl.quote("\n".join(fields))  # a box3d, not a record: one line per row
            add(item, _node(item.key, text, "scope", lit, item is traced.root))
            target = item.key
            for source, count in item.inputs:
                source_lit = highlight.item(source) and lit
                edge(tail(source, item, count, source_lit), target,
                     f"×{count}" if count > 1 else None, source_lit)
        else:
            node = item.node
            kind = kinds[id(item)] = lbl.node_kind(node, root, names)
            fields = lbl.node_fields(node, _name(node, names, held),
                                     id(node) in held or node.is_constant)
            if uses:
                fields.append(f"used {uses}×: far uses drawn as copies")
            add(item, _node(item.key, lbl.record(fields), kind, lit))
            if node._op is None:
                continue
            target = f"{item.key}_op"
            op_kind = "fused" if node.op in FUSED_OPS else "op"
            ndim = np.ndim(node._prev[0].data) if node._prev else None
            add(item, _node(target, lbl.quote(lbl.op_text(node.op, node._ctx, ndim)), op_kind,
                            lit))
            edge(target, item.key, None, lit)
            derivatives = None
            if show_local_grads and not lbl.is_tensor(node):
                derivatives = node._op.local_derivatives(node)
            for source, position in item.inputs:
                text = None
                if show_local_grads:
                    parent = node._prev[position]
                    d = None if derivatives is None else derivatives[position]
                    text = lbl.local_grad_text(node, parent, d)
                source_lit = highlight.edge(source, item, position)
                edge(tail(source, item, position, source_lit), target, text, source_lit)
        if item.truncated:
            edge(note, target, None, False, TRUNCATED_EDGE)

    if traced.hidden:
        # Named for both audiences: the Python argument and the CLI option.
        text = (f"{traced.hidden} more nodes not shown\n(limit {max_nodes}: raise max_nodes "
                "/ --max-nodes, or collapse)")
        node_lines.setdefault(0, []).append(_node(note, lbl.quote(text), "note", False))
    return [line + "\n" for line in _nest(traced.clusters, node_lines, prefix) + edges]


def _nest(clusters: dict, node_lines: dict[int, list[str]], prefix: str) -> list[str]:
    """Wrap node lines in nested `subgraph cluster_...` blocks, innermost first (no recursion)."""
    depth = {key: len(_chain(scope)) for key, scope in clusters.items()}
    blocks: dict[int, list[str]] = {}
    for index, (key, scope) in enumerate(sorted(clusters.items(), key=lambda kv: -depth[kv[0]])):
        title = lbl.quote(scope.name)
        block = [f"subgraph cluster_{prefix}{index} {{", f"\tlabel={title}"]
        block.extend(f"\t{k}={lbl.quote(v)}" for k, v in CLUSTER_STYLE.items())
        block.extend(node_lines.get(key, []))
        block.extend(blocks.pop(key, []))
        block.append("}")
        parent = id(scope.parent) if scope.parent is not None else 0
        blocks.setdefault(parent, []).extend(block)
    return node_lines.get(0, []) + blocks.get(0, [])


def _chain(scope: object) -> list:
    chain = []
    while scope is not None:
        chain.append(scope)
        scope = scope.parent
    return chain


@contextlib.contextmanager
def _no_gc():
    """Pause the cyclic garbage collector: tracing allocates a few objects per node, and
    each automatic collection would rescan the whole (acyclic) graph, tripling the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _new_graph(rankdir: str) -> Drawing:
    return Drawing(
        format="svg",
        graph_attr={"rankdir": rankdir, "fontname": FONT, "nodesep": "0.25", "ranksep": "0.35"},
        node_attr={"fontname": FONT, "fontsize": "11", "height": "0.3"},
        edge_attr={"fontname": FONT, "fontsize": "9", "arrowsize": "0.6"},
    )


def _body(root: Node, *, prefix: str, depth: int, max_nodes: int | None, params: object,
          show_local_grads: bool, highlight: object) -> tuple[Plan, list[str], int]:
    """Trace, lay out and label one graph -> (plan, DOT body lines, hidden chain edges)."""
    names = parameter_names(params)
    with _no_gc():
        traced = plan(root, collapse=depth, max_nodes=max_nodes, prefix=prefix,
                      named=frozenset(names))
        layout = plan_layout(traced)
        body = _emit(traced, root, names=names, show_local_grads=show_local_grads,
                     highlight=Highlight(highlight), max_nodes=max_nodes, prefix=prefix,
                     layout=layout)
    return traced, body, layout.hidden_edges


def draw(root: Node, *, show_local_grads: bool = False, params: object = None,
         collapse: bool | int = False, max_nodes: int | None = DEFAULT_MAX_NODES,
         highlight: object = None, rankdir: str = "LR") -> Drawing:
    """The graph under `root` (a Value or a Tensor) as a `Drawing` (a `graphviz.Digraph`).

    One record per node (label, data, grad; for a Tensor its shape and dtype, and
    its values when it has at most 12), one small node per op, styled as in
    `visualize.style.STYLE`. `show_local_grads` writes d(node)/d(input) on each
    input -> op edge (a Tensor edge shows the input's shape); `params=model` names
    parameters after `model.named_parameters()`; `collapse=True` folds each
    outermost `scope` call into one summary node (`collapse=k`: calls nested k
    deep, with the calls around them drawn as titled cluster boxes); `max_nodes`
    (None: no limit) keeps the boxes nearest the root and adds a note saying how
    many were left out; `highlight` takes a `visualize.chain` result (or nodes) and
    draws it in red. A node used by many operations far apart is drawn again beside
    each far use (see `visualize.layout`). The result displays inline in Jupyter and
    renders without a system Graphviz (`.render`, `.pipe`, `visualize.save`).
    Raises TypeError/ValueError for a bad option.
    """
    depth = check_options(root, collapse, max_nodes, rankdir, params)
    graph = _new_graph(rankdir)
    _, body, hidden = _body(root, prefix="", depth=depth, max_nodes=max_nodes, params=params,
                            show_local_grads=show_local_grads, highlight=highlight)
    graph.body.extend(body)
    graph.hidden_edges = hidden
    return graph


def compare(fused_root: Node, composed_root: Node, *, show_local_grads: bool = False,
            params: object = None, collapse: bool | int = False,
            max_nodes: int | None = DEFAULT_MAX_NODES, rankdir: str = "TB",
            title: str | None = None) -> Drawing:
    """Two graphs in one drawing, in boxes titled "fused: N nodes" and "composed: M nodes".

    Drawn top to bottom (`rankdir="TB"`), the two boxes stand side by side, each as
    narrow as its widest node: the composed graph is a long chain, which left to
    right makes a drawing many screens wide. `title` (default "fused vs composed";
    "" for none) heads the drawing. Other options as for `draw`.
    """
    graph = _new_graph(rankdir)
    heading = "fused vs composed" if title is None else title
    if heading:
        graph.body.append(f"\tlabel={lbl.quote(heading)} labelloc=\"t\" fontsize=\"16\"\n")
    for name, root, prefix in (("fused", fused_root, "f_"), ("composed", composed_root, "c_")):
        depth = check_options(root, collapse, max_nodes, rankdir, params)
        traced, body, hidden = _body(root, prefix=prefix, depth=depth, max_nodes=max_nodes,
                                     params=params, show_local_grads=show_local_grads,
                                     highlight=None)
        graph.hidden_edges += hidden
        graph.body.append(f"subgraph cluster_{name} {{\n")
        graph.body.append(f"\tlabel={lbl.quote(f'{name}: {traced.node_count} nodes')}\n")
        graph.body.append('\tstyle="rounded" color="#7f8c8d" fontsize="14"\n')
        graph.body.extend(body)
        graph.body.append("}\n")
    return graph
