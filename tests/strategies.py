"""Hypothesis strategies shared by the autograd tests: expression DAGs, broadcastable shapes,
reduction axes and fancy indices.

Data arrays are drawn from a numpy generator seeded by hypothesis (continuous values, so
no accidental ties at a kink), while the structure (shapes, axes, graphs) is drawn by
hypothesis itself so that it shrinks to a readable counter-example.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

# ---------------------------------------------------------------- expression DAGs
# Each op maps already built nodes to a new one using only methods that Value and a 0-d
# torch tensor share, so one program runs on both engines. Every op is defined for every
# real input (log and division act on 1 + x*x, the base of `**` is positive), so finite
# differences never leave the domain. `kink` names the arguments of relu/abs, which must
# stay away from 0 for a central difference to be meaningful.
BINARY_OPS: dict[str, Callable] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "mul_tanh": lambda a, b: a * b.tanh(),
    "div": lambda a, b: a / (b * b + 1.0),
    "pow_value": lambda a, b: (a * a + 1.0) ** b.tanh(),
}
UNARY_OPS: dict[str, Callable] = {
    "neg": lambda a: -a,
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "exp": lambda a: a.tanh().exp(),
    "log": lambda a: (a * a + 1.0).log(),
    "square": lambda a: a ** 2,
    "cube": lambda a: a ** 3,
    "relu": lambda a: a.relu(),
    "radd": lambda a: 3.0 + a,
    "rsub": lambda a: 2.0 - a,
    "rmul": lambda a: 0.5 * a,
    "rdiv": lambda a: 1.0 / (a * a + 2.0),
    "rpow": lambda a: 2.0 ** a.tanh(),
}
KINKED = {"relu"}


@dataclass(frozen=True)
class Program:
    """A DAG over `leaves` inputs: step i combines earlier nodes (leaves are 0..leaves-1)."""

    leaves: tuple[float, ...]
    steps: tuple[tuple[str, tuple[int, ...]], ...]

    def run(self, nodes: Sequence, total: Callable[[list], object]) -> tuple[object, list]:
        """Evaluate on input nodes; the root is total(every step's output), so all are used."""
        built = list(nodes)
        for name, args in self.steps:
            op = BINARY_OPS.get(name) or UNARY_OPS[name]
            built.append(op(*(built[i] for i in args)))
        return total(built[len(self.leaves):]), built

    def kink_arguments(self, built: Sequence) -> list[float]:
        """Values fed to non-smooth ops in an evaluated program."""
        return [float(built[args[0]].data) for name, args in self.steps if name in KINKED]


@st.composite
def programs(draw: st.DrawFn, max_leaves: int = 3, max_steps: int = 8) -> Program:
    """Random expression DAGs; later steps reuse earlier nodes, so sub-expressions are shared."""
    n_leaves = draw(st.integers(1, max_leaves))
    leaves = tuple(draw(st.lists(st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False),
                                 min_size=n_leaves, max_size=n_leaves)))
    steps = []
    for i in range(draw(st.integers(1, max_steps))):
        available = n_leaves + i
        index = st.integers(0, available - 1)
        if draw(st.booleans()):
            name = draw(st.sampled_from(sorted(BINARY_OPS)))
            steps.append((name, (draw(index), draw(index))))
        else:
            name = draw(st.sampled_from(sorted(UNARY_OPS)))
            steps.append((name, (draw(index),)))
    return Program(leaves, tuple(steps))


def is_tame(values: Sequence[float], bound: float = 1e4) -> bool:
    """Finite and of moderate size: finite differences stay accurate."""
    return all(math.isfinite(v) and abs(v) < bound for v in values)


# ---------------------------------------------------------------- shapes
def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 3) -> st.SearchStrategy:
    """Array shapes, 0-d included."""
    return st.lists(st.integers(1, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def broadcastable_pairs(draw: st.DrawFn, max_dims: int = 3) -> tuple[tuple, tuple]:
    """Two shapes that broadcast: each a suffix of a common shape with some sides set to 1."""
    full = draw(shapes(0, max_dims))

    def operand() -> tuple[int, ...]:
        keep = draw(st.integers(0, len(full)))
        suffix = full[len(full) - keep:]
        return tuple(1 if draw(st.booleans()) else side for side in suffix)

    return operand(), operand()


@st.composite
def reductions(draw: st.DrawFn) -> tuple[tuple, object, bool]:
    """(shape, axis, keepdims) with axis None, an int or a tuple, possibly negative."""
    shape = draw(shapes(0, 4))
    ndim = len(shape)
    if ndim == 0:
        axis = draw(st.sampled_from([None, ()]))
    else:
        def spell(a: int) -> int:
            return a - ndim if draw(st.booleans()) else a  # the negative spelling of axis a

        kind = draw(st.sampled_from(["none", "int", "tuple"]))
        if kind == "none":
            axis = None
        elif kind == "int":
            axis = spell(draw(st.integers(0, ndim - 1)))
        else:
            chosen = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
            axis = tuple(spell(a) for a in chosen)
    return shape, axis, draw(st.booleans())


@st.composite
def fancy_indices(draw: st.DrawFn) -> tuple[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """An (n, c) shape and `(rows, cols)` integer arrays of equal length, repeats likely."""
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    length = draw(st.integers(1, 8))
    rows = draw(st.lists(st.integers(0, n - 1), min_size=length, max_size=length))
    cols = draw(st.lists(st.integers(-c, c - 1), min_size=length, max_size=length))
    return (n, c), (np.array(rows), np.array(cols))


seeds = st.integers(0, 2**32 - 1)

