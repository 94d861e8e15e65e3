"""Rules that only the tensor engine uses: matmul, linear, reductions, shapes, indexing, joins.

Same table and signatures as `autograd.ops`; these rules see numpy arrays only.
"""

from __future__ import annotations

import numpy as np

from autograd.ops import define, unbroadcast


def _swap(x: np.ndarray) -> np.ndarray:
    return x.swapaxes(-1, -2)


def _matmul_backward(m, c, needs, g, out, a, b):
    """d(a @ b): g @ b^T for a, a^T @ g for b, with 1-D operands promoted as np.matmul does."""
    if a.ndim == 2 and b.ndim == 2:  # the common case: no promotion, no batch to sum
        return (g @ b.T if needs[0] else None, a.T @ g if needs[1] else None)
    if a.ndim == 1 and b.ndim == 1:  # dot product: out and g are 0-d
        return (g * b if needs[0] else None, g * a if needs[1] else None)
    if a.ndim == 1:  # (k) @ (..., k, n) -> (..., n)
        grad_a = unbroadcast((g[..., None, :] @ _swap(b))[..., 0, :], a.shape) if needs[0] else None
        grad_b = unbroadcast(a[:, None] * g[..., None, :], b.shape) if needs[1] else None
        return grad_a, grad_b
    if b.ndim == 1:  # (..., m, k) @ (k) -> (..., m)
        grad_a = unbroadcast(g[..., :, None] * b, a.shape) if needs[0] else None
        grad_b = unbroadcast((_swap(a) @ g[..., :, None])[..., 0], b.shape) if needs[1] else None
        return grad_a, grad_b
    grad_a = unbroadcast(g @ _swap(b), a.shape) if needs[0] else None
    grad_b = unbroadcast(_swap(a) @ g, b.shape) if needs[1] else None
    return grad_a, grad_b


MATMUL = define("matmul", lambda m, c, a, b: np.matmul(a, b), _matmul_backward)


# x (..., in) @ w (in, out) + b (out,): a dense layer as one node, like PyTorch's addmm.
def _linear_forward(m, c, x, w, b):
    out = np.matmul(x, w)
    out += b  # in place: the product is a new array
    return out


def _linear_backward(m, c, needs, g, out, x, w, b):
    """matmul's rule for x and w; for b, g summed back to its shape (over the rows)."""
    grad_x, grad_w = _matmul_backward(m, c, needs, g, out, x, w)
    return grad_x, grad_w, unbroadcast(g, b.shape) if needs[2] else None


LINEAR = define("linear", _linear_forward, _linear_backward)


# ---------------------------------------------------------------- reductions
# ctx = (axes, keepdims) with axes a normalised tuple of non-negative ints.
def _expand(g: np.ndarray, ctx: tuple) -> np.ndarray:
    """Put back the reduced axes (as size 1) so g broadcasts against the input."""
    axes, keepdims = ctx
    return g if keepdims else np.expand_dims(g, axes)


SUM = define("sum", lambda m, c, a: a.sum(axis=c[0], keepdims=c[1]),
             lambda m, c, n, g, out, a: (np.broadcast_to(_expand(g, c), a.shape),))


def _extreme_backward(m, c, needs, g, out, a):
    """Gradient of max/min: shared evenly by all entries equal to the extreme (ties split)."""
    hits = a == _expand(out, c)
    return (_expand(g, c) * hits / hits.sum(axis=c[0], keepdims=True),)


MAX = define("max", lambda m, c, a: a.max(axis=c[0], keepdims=c[1]), _extreme_backward)
MIN = define("min", lambda m, c, a: a.min(axis=c[0], keepdims=c[1]), _extreme_backward)


# ---------------------------------------------------------------- shapes
# reshape: ctx = the new shape.
RESHAPE = define("reshape", lambda m, c, a: a.reshape(c),
                 lambda m, c, n, g, out, a: (g.reshape(a.shape),))
# transpose: ctx = the permutation of axes.
TRANSPOSE = define("transpose", lambda m, c, a: a.transpose(c),
                   lambda m, c, n, g, out, a: (g.transpose(np.argsort(c)),))


def _getitem_backward(m, c, needs, g, out, a):
    """Scatter g back to the indexed places; repeated indices accumulate (np.add.at)."""
    index, basic = c
    grad = np.zeros_like(a)
    if basic:  # ints and slices cannot repeat an element
        grad[index] = g
    else:
        np.add.at(grad, index, g)
    return (grad,)


# getitem: ctx = (index, True when the index has no arrays).
GETITEM = define("getitem", lambda m, c, a: a[c[0]], _getitem_backward)


# ---------------------------------------------------------------- joins (n-ary)
def _concatenate_backward(m, c, needs, g, out, *xs):
    """Cut g back into the pieces along the joined axis."""
    bounds = np.cumsum([x.shape[c] for x in xs])[:-1]
    return tuple(np.split(g, bounds, axis=c))


# concatenate / stack: ctx = the axis.
CONCATENATE = define("concatenate", lambda m, c, *xs: np.concatenate(xs, axis=c),
                     _concatenate_backward)
STACK = define("stack", lambda m, c, *xs: np.stack(xs, axis=c),
               lambda m, c, n, g, out, *xs: tuple(np.moveaxis(g, c, 0)))
