"""The rule table: every primitive's forward and its local derivative, side by side, once.

A rule is written against a backend `m` (`autograd.backends.SCALAR` for `Value`,
`ARRAY` for `Tensor`), so one entry serves both engines where the math is shared.

    forward(m, ctx, *inputs)                   -> out
    backward(m, ctx, needs, grad, out, *inputs) -> one gradient per input (None: none)

`ctx` holds the primitive's constants (an exponent, an axis, an index); `needs` has
one flag per input, saying whether it wants a gradient, so an expensive one (the
gradient of the input data in `x @ W`) is never computed for a constant. Gradients
are built only from arithmetic operators and `m` functions, so a later
"create_graph" mode can run the same rules on graph nodes instead of raw numbers.

`elementwise=True` marks rules whose inputs broadcast: the tensor engine sums
their gradients back to each input's shape with `unbroadcast`. `reads_inputs=False`
marks backward rules that never look at the inputs (only at how many there are,
`len(needs)`): the scalar engine then does not gather a float from every parent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Primitive:
    """One entry of the table; engines bind it to their backend."""

    name: str
    forward: Callable
    backward: Callable
    check: Callable | None = None  # check(m, ctx, *inputs): raise before anything is recorded
    elementwise: bool = False
    reads_inputs: bool = True  # False: backward is called without the inputs


PRIMITIVES: dict[str, Primitive] = {}


def define(name: str, forward: Callable, backward: Callable, *, check: Callable | None = None,
           elementwise: bool = False, reads_inputs: bool = True) -> Primitive:
    """Register a primitive under `name` (a name is defined once)."""
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is already defined")
    primitive = Primitive(name, forward, backward, check, elementwise, reads_inputs)
    PRIMITIVES[name] = primitive
    return primitive


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched, back to `shape`."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    if grad.shape[lead:] == shape:  # only added leading axes (a bias): the sum has `shape`
        if lead == 1 and grad.ndim == 2:  # a batch of rows (N, K) -> (K,)
            return column_sums(grad)
        return np.add.reduce(grad, axis=tuple(range(lead)))
    stretched = tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and grad.shape[lead + i] != 1
    )
    return grad.sum(axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)


# Sums along one axis of a 2-D float array as a product with a vector of ones (BLAS gemv).
# numpy's ufunc reduction runs its inner loop once per row, or per column, of the
# axis it keeps; with few classes or a bias of a batch that costs several times the
# additions: summing a (300, 3) array along either axis takes it about 4x as many
# instructions as the product (benchmarks/tensor.py's spiral step).
_ONES: dict[np.dtype, np.ndarray] = {}


def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of n ones: a view of one cached vector per dtype (np.ones costs
    as much as the sum it serves)."""
    ones = _ONES.get(dtype)
    if ones is None or len(ones) < n:
        ones = np.ones(max(n, 64), dtype)
        ones.flags.writeable = False
        _ONES[dtype] = ones
    return ones[:n]


def column_sums(a: np.ndarray) -> np.ndarray:
    """a (N, K) summed over its rows -> (K,); np.add.reduce for non-float dtypes."""
    if a.dtype.kind != "f":
        return np.add.reduce(a, axis=0)
    return _ones(a.shape[0], a.dtype) @ a


def row_sums(a: np.ndarray) -> np.ndarray:
    """a (N, K) summed along each row -> (N,); np.add.reduce for non-float dtypes."""
    if a.dtype.kind != "f":
        return np.add.reduce(a, axis=1)
    return a @ _ones(a.shape[1], a.dtype)


# ---------------------------------------------------------------- elementwise, both engines
# (m, ctx, a, b) -> out          (m, ctx, needs, g, out, a, b) -> (da, db)
ADD = define("add", lambda m, c, a, b: a + b,
             lambda m, c, n, g, out, a, b: (g, g), elementwise=True)
MUL = define("mul", lambda m, c, a, b: a * b,
             lambda m, c, n, g, out, a, b: (g * b, g * a), elementwise=True)
# n-ary addition: one node for a whole sum (a neuron's w.x + b) instead of n - 1 adds.
ADD_N = define("add_n", lambda m, c, *xs: m.add_n(xs),
               lambda m, c, n, g, out, *xs: (g,) * len(n), elementwise=True, reads_inputs=False)
NEG = define("neg", lambda m, c, a: -a,
             lambda m, c, n, g, out, a: (-g,), elementwise=True)
# a ** b with both sides in the graph; d/db = a**b * log(a) (0 at a == 0, nan below).
POW = define("pow", lambda m, c, a, b: m.pow(a, b),
             lambda m, c, n, g, out, a, b: (g * b * m.pow(a, b - 1), g * out * m.log_base(a)),
             check=lambda m, c, a, b: m.check_pow(a, b), elementwise=True)
# a ** c for a constant exponent c = ctx.
POW_CONST = define("pow_const", lambda m, c, a: m.pow(a, c),
                   lambda m, c, n, g, out, a: (g * c * m.pow(a, c - 1),),
                   check=lambda m, c, a: m.check_pow(a, c), elementwise=True)
EXP = define("exp", lambda m, c, a: m.exp(a),
             lambda m, c, n, g, out, a: (g * out,), elementwise=True)
LOG = define("log", lambda m, c, a: m.log(a),
             lambda m, c, n, g, out, a: (g / a,),
             check=lambda m, c, a: m.check_log("log", a), elementwise=True)
TANH = define("tanh", lambda m, c, a: m.tanh(a),
              lambda m, c, n, g, out, a: (g * (1 - out * out),), elementwise=True)
SIGMOID = define("sigmoid", lambda m, c, a: m.sigmoid(a),
                 lambda m, c, n, g, out, a: (g * out * (1 - out),), elementwise=True)
# relu'(0) = 0, as in PyTorch and micrograd.
RELU = define("relu", lambda m, c, a: m.relu(a),
              lambda m, c, n, g, out, a: (g * (a > 0),), elementwise=True)
# abs'(0) = 0 (sign), as in PyTorch.
ABS = define("abs", lambda m, c, a: m.abs(a),
             lambda m, c, n, g, out, a: (g * m.sign(a),), elementwise=True)
SQRT = define("sqrt", lambda m, c, a: m.sqrt(a),
              lambda m, c, n, g, out, a: (g * 0.5 / out,),
              check=lambda m, c, a: m.check_nonnegative("sqrt", a), elementwise=True)
# ctx = (lo, hi); the gradient passes where lo <= a <= hi, as in PyTorch.
CLIP = define("clip", lambda m, c, a: m.clip(a, c[0], c[1]),
              lambda m, c, n, g, out, a: (g * m.inside(a, c[0], c[1]),), elementwise=True)
# Ties split the gradient evenly between a and b.
MAXIMUM = define("maximum", lambda m, c, a, b: m.maximum(a, b),
                 lambda m, c, n, g, out, a, b: (g * ((a > b) + 0.5 * (a == b)),
                                                g * ((b > a) + 0.5 * (a == b))),
                 elementwise=True)


# The rest of the table: tensor-only rules and the fused softmax-cross-entropy. Imported
# here, after `define` exists, so that importing `ops` always yields the whole table.
from autograd import fused, tensor_ops  # noqa: E402, F401
