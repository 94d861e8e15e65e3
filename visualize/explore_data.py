"""The explorer's model of a graph: every node's numbers, inputs and local derivatives, as JSON.

Nodes are numbered in `autograd.topological_order` (inputs before the nodes made
from them, the root last), so the page replays backward by walking the numbers
down from the root. A scalar node carries its local derivatives
d(node)/d(input) (`_op.local_derivatives`, the numbers `visualize.chain`
multiplies); a tensor node carries the Jacobians' shapes. Arrays of up to
`MATRIX_LIMIT` entries are sent whole; larger ones as a small heat map (block
means, scaled by the largest magnitude) with shape, dtype, min, mean and max.
"""

from __future__ import annotations

import math

import numpy as np

from autograd import topological_order
from visualize import label as lbl
from visualize.style import OP_SYMBOLS

MATRIX_LIMIT = 64  # entries shown as a real matrix; more become a heat map
HEAT_CELLS = 24  # a heat map has at most this many rows and columns


def number(x: float) -> float | str:
    """A float for JSON: finite as it is, inf and NaN as the strings JavaScript's Number() reads."""
    x = float(x)
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _as_matrix(a: np.ndarray) -> np.ndarray:
    """An n-d array as rows × columns: the last axis across, every other axis down."""
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    return a.reshape(-1, a.shape[-1])


def _heat(m: np.ndarray) -> dict:
    """Block means of a 2-D float array on at most HEAT_CELLS² cells, scaled to -100..100."""
    rows = np.array_split(np.arange(m.shape[0]), min(HEAT_CELLS, m.shape[0]))
    cols = np.array_split(np.arange(m.shape[1]), min(HEAT_CELLS, m.shape[1]))
    finite = np.where(np.isfinite(m), m, 0.0)
    cells = np.array([[finite[np.ix_(r, c)].mean() for c in cols] for r in rows])
    scale = float(np.abs(cells).max()) or 1.0
    return {"rows": len(rows), "cols": len(cols),
            "cells": np.rint(cells / scale * 100).astype(int).ravel().tolist()}


def array(a: object) -> dict | None:
    """An array for the page: shape, dtype, and its values or a heat map with min/mean/max."""
    if a is None:
        return None
    a = np.asarray(a)
    out: dict = {"shape": list(a.shape), "dtype": str(a.dtype)}
    numeric = np.issubdtype(a.dtype, np.number) and not np.iscomplexobj(a)
    if not numeric:
        out["text"] = lbl.summary(a)
        return out
    m = _as_matrix(a.astype(np.float64, copy=False))
    if a.size <= MATRIX_LIMIT:
        out["rows"], out["cols"] = m.shape
        out["values"] = [number(v) for v in m.ravel()]
        return out
    out["min"], out["mean"], out["max"] = (number(f(m)) for f in (np.min, np.mean, np.max))
    out["heat"] = _heat(m)
    return out


class Model:
    """One graph as the page sees it: `order`, `index` (id(node) -> number) and `scopes`."""

    def __init__(self, root: object, names: dict[int, str]) -> None:
        self.root = root
        self.names = names
        self.order = topological_order(root)
        self.index = {id(node): i for i, node in enumerate(self.order)}
        self.children: dict[int, list] = {}  # id(node) -> the nodes computed from it
        for node in self.order:
            for parent in node.parents:
                self.children.setdefault(id(parent), []).append(node)
        self.scopes: dict[int, int] = {}  # id(Scope) -> number
        self.scope_list: list = []
        for node in self.order:
            self.scope_number(node.scope)
        self.scalar = not lbl.is_tensor(root)

    def scope_number(self, scope: object) -> int | None:
        """The scope's number (its enclosing calls numbered first); None for no scope."""
        if scope is None:
            return None
        unnumbered = []
        while scope is not None and id(scope) not in self.scopes:
            unnumbered.append(scope)
            scope = scope.parent
        for new in reversed(unnumbered):
            self.scopes[id(new)] = len(self.scope_list)
            self.scope_list.append(new)
        return self.scopes[id(unnumbered[0])] if unnumbered else self.scopes[id(scope)]

    def name(self, node: object) -> str:
        return self.names.get(id(node)) or node.label or ""

    def node_json(self, node: object) -> dict:
        """What the page shows of one node (see the module docstring)."""
        out = {"name": self.name(node), "kind": lbl.node_kind(node, self.root, self.names),
               "op": node.op, "parents": [self.index[id(p)] for p in node.parents]}
        if node.op:
            out["opText"] = OP_SYMBOLS.get(node.op, node.op).replace("\n", " ")
            ctx = node._ctx
            if isinstance(ctx, (int, float, tuple)) and not isinstance(ctx, bool):
                out["ctx"] = str(ctx)
        if node.scope is not None:
            out["scope"] = self.scopes[id(node.scope)]
        if self.scalar:
            out["data"], out["grad"] = number(node.data), number(node.grad)
            if node.op:
                out["local"] = [number(d) for d in node._op.local_derivatives(node)]
        else:
            out["data"], out["grad"] = array(node.data), array(node.grad)
            if node.op:
                out["jacobians"] = [list(s) for s in node._op.local_derivatives(node)]
        return out

    def to_json(self) -> dict:
        """Nodes in topological order, the root's number, and the scopes (name, parent, title)."""
        scopes, seen = [], {}
        for scope in self.scope_list:  # numbered among same-named calls in the same call
            parent = self.scope_number(scope.parent)
            count = seen[parent, scope.name] = seen.get((parent, scope.name), 0) + 1
            scopes.append({"name": scope.name, "parent": parent,
                           "title": f"{scope.name} #{count}"})
        return {"nodes": [self.node_json(node) for node in self.order],
                "root": len(self.order) - 1, "scopes": scopes, "scalar": self.scalar}
