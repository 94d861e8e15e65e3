"""The chain rule spelled out: every path from a leaf to the root of a `Value` graph.

d(root)/d(leaf) = sum over paths leaf -> ... -> root of the product of the local
derivatives d(child)/d(parent) along the path. The number of paths can grow
exponentially with depth (shared sub-expressions), so the sum is computed by
dynamic programming over the topological order (it is exactly backpropagation)
and only the first `max_paths` paths are listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograd import Value, topological_order
from visualize import label as lbl
from visualize.style import OP_SYMBOLS


@dataclass(frozen=True)
class ChainPath:
    """One path leaf -> root: `nodes[i + 1]` is computed from `nodes[i]` (its input
    number `positions[i]`), with local derivative `factors[i]`; `product` multiplies them."""

    nodes: tuple
    positions: tuple[int, ...]
    factors: tuple[float, ...]
    product: float

    @property
    def ops(self) -> tuple[str, ...]:
        """The primitive applied at each step."""
        return tuple(node.op for node in self.nodes[1:])


@dataclass
class ChainResult:
    """`paths` (at most `max_paths` of `path_count`), and `total` = d(root)/d(leaf)."""

    root: Value
    leaf: Value
    paths: list[ChainPath]
    total: float
    path_count: int
    max_paths: int
    node_ids: frozenset = field(repr=False, default=frozenset())
    edge_ids: frozenset = field(repr=False, default=frozenset())

    @property
    def truncated(self) -> bool:
        """True when more paths exist than were listed."""
        return self.path_count > len(self.paths)

    def __str__(self) -> str:
        leaf, root = _name(self.leaf, "leaf"), _name(self.root, "root")
        lines = [f"d {root} / d {leaf}: {self.path_count} path(s), "
                 "each the product of the local derivatives along it"]
        if not self.path_count:
            lines[0] = f"d {root} / d {leaf} = 0: {root} does not depend on {leaf} (no path)"
            return "\n".join(lines)
        rows = []
        names = _expression_names(self.root)
        for number, path in enumerate(self.paths, 1):
            steps = [_name(path.nodes[0], "leaf")]
            for node, factor in zip(path.nodes[1:], path.factors):
                op = OP_SYMBOLS.get(node.op, node.op).replace("\n", " ")
                steps.append(f"-[{op} ×{lbl.number(factor)}]-> {names[id(node)]}")
            rows.append((f"{number:>4}", " ".join(steps), lbl.number(path.product)))
        width = max([len(r[1]) for r in rows] + [4])
        lines.append(f"{'#':>4}  {'path':<{width}}  product")
        lines.extend(f"{n}  {p:<{width}}  {v}" for n, p, v in rows)
        if self.truncated:
            lines.append(f"      ... {self.path_count - len(self.paths)} more path(s) not listed "
                         f"(max_paths={self.max_paths})")
        lines.append(f"{'sum':>4}  {'over all paths (= ' + leaf + '.grad after backward)':<{width}}"
                     f"  {lbl.number(self.total)}")
        return "\n".join(lines)


def _name(node: Value, fallback: str) -> str:
    return node.label or fallback


_INFIX = {"add": "+", "mul": "*", "pow": "**"}
_NAME_LIMIT = 24  # longer expressions are named by their op: "tanh(…)"


def _loose(text: str) -> bool:
    """True if `text` has a space outside parentheses: "a + b" needs them around it."""
    depth = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == " " and depth == 0:
            return True
    return False


def _expression_names(root: Value) -> dict[int, str]:
    """A name for each node: its label, else the expression it computes from its inputs'
    names ("x1*w1 + b"), else (when that is long) its op ("tanh(…)")."""
    names: dict[int, str] = {}
    for node in topological_order(root):
        if node.label:
            names[id(node)] = lbl.clean(node.label)
            continue
        if node._op is None:
            names[id(node)] = lbl.number(node.data)
            continue
        args = [names[id(p)] for p in node._prev]
        wrapped = [f"({a})" if _loose(a) else a for a in args]
        op = node.op
        if op == "add" and len(args) == 2:
            text = f"{args[0]} + {args[1]}"
        elif op in _INFIX and len(args) == 2:
            text = f"{wrapped[0]}{_INFIX[op]}{wrapped[1]}"
        elif op == "add_n":
            text = " + ".join(args)
        elif op == "neg":
            text = f"-{wrapped[0]}"
        elif op == "pow_const":
            text = f"{wrapped[0]}**{lbl.number(node._ctx)}"
        else:
            text = f"{op}({', '.join(args)})"
        names[id(node)] = text if len(text) <= _NAME_LIMIT else f"{op}(…)"
    return names


def chain(root: Value, leaf: Value, *, max_paths: int = 50) -> ChainResult:
    """Every path leaf -> root with its product of local derivatives; they sum to d root/d leaf."""
    if not isinstance(root, Value) or not isinstance(leaf, Value):
        bad = root if not isinstance(root, Value) else leaf
        raise TypeError("visualize.chain is for the scalar engine (Value graphs), got "
                        f"{type(bad).__name__}; draw a Tensor graph with "
                        "visualize.draw(root, show_local_grads=True) instead")
    if not isinstance(max_paths, int) or max_paths < 0:
        raise ValueError(f"visualize.chain: max_paths must be an int >= 0, got {max_paths!r}")
    order = topological_order(root)
    # Nodes on some leaf -> root path: the leaf and everything computed from it.
    on_path = {id(leaf)}
    for node in order:
        if any(id(parent) in on_path for parent in node._prev):
            on_path.add(id(node))

    local = {id(node): node._op.local_derivatives(node)
             for node in order if id(node) in on_path and node._op is not None}
    adjoint = {id(root): 1.0}
    count = {id(leaf): 1}  # number of paths from the leaf to each node
    edge_ids = set()
    for node in order:
        if id(node) in on_path and node is not leaf:
            count[id(node)] = sum(count[id(p)] for p in node._prev if id(p) in on_path)
            edge_ids.update((id(p), id(node), i) for i, p in enumerate(node._prev)
                            if id(p) in on_path)
    for node in reversed(order):  # backpropagation restricted to the paths
        if id(node) in on_path and node is not leaf:
            grad = adjoint.get(id(node), 0.0)
            for parent, d in zip(node._prev, local[id(node)]):
                if id(parent) in on_path:
                    adjoint[id(parent)] = adjoint.get(id(parent), 0.0) + grad * d

    # A leaf outside the graph has no path: the empty sum, d root/d leaf = 0.
    return ChainResult(root, leaf, _list_paths(root, leaf, on_path, local, max_paths),
                       adjoint.get(id(leaf), 0.0), count.get(id(root), 0), max_paths,
                       frozenset(on_path), frozenset(edge_ids))


def _list_paths(root: Value, leaf: Value, on_path: set, local: dict, limit: int) -> list:
    """Up to `limit` paths, found depth first from the root with an explicit stack."""
    paths: list[ChainPath] = []
    if id(root) not in on_path:
        return paths
    # A stack entry is a linked list from the current node back up to the root:
    # (node, its input position in the next node, local derivative, rest).
    stack: list[tuple] = [(root, -1, 1.0, None)]
    while stack and len(paths) < limit:
        entry = stack.pop()
        node = entry[0]
        if node is leaf:
            nodes, positions, factors = [], [], []
            product = 1.0
            while entry is not None:
                nodes.append(entry[0])
                if entry[3] is not None:
                    positions.append(entry[1])
                    factors.append(entry[2])
                    product *= entry[2]
                entry = entry[3]
            paths.append(ChainPath(tuple(nodes), tuple(positions), tuple(factors), product))
            continue
        derivatives = local[id(node)]
        for i in reversed(range(len(node._prev))):
            parent = node._prev[i]
            if id(parent) in on_path:
                stack.append((parent, i, derivatives[i], entry))
    return paths
