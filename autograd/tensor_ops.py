"""The primitives only the tensor engine has: matmul, linear, reductions, shapes,
indexing, joins. Same table and rule signatures as `autograd.ops`; the inputs are numpy
arrays, or Tensor nodes under `create_graph=True`, so rules move gradients between
shapes only through methods both have (`reshape`, `transpose`, `.T`, `@`, basic
indexing) and `m` functions.
"""

from __future__ import annotations

import numpy as np

from autograd.quiet import quiet
from autograd.sums import row_max, row_sums
from autograd.table import define


def _matmul_backward(m, c, needs, g, out, a, b):
    """d(a @ b): g @ b^T for a, a^T @ g for b, with 1-D operands promoted as np.matmul does."""
    if a.ndim == 2 and b.ndim == 2:  # the common case: no promotion, no batch to sum
        # g @ b^T and a^T @ g, the transposes read in place (on nodes: one matmul_t node each)
        return (m.matmul_t(g, b, _NT) if needs[0] else None,
                m.matmul_t(a, g, _TN) if needs[1] else None)
    if a.ndim == 1 and b.ndim == 1:  # dot product: out and g are 0-d
        return (g * b if needs[0] else None, g * a if needs[1] else None)
    if a.ndim == 1:  # (k) @ (..., k, n) -> (..., n)
        grad_a = m.unbroadcast((g[..., None, :] @ m.swapaxes(b))[..., 0, :], a.shape) \
            if needs[0] else None
        grad_b = m.unbroadcast(a[:, None] * g[..., None, :], b.shape) if needs[1] else None
        return grad_a, grad_b
    if b.ndim == 1:  # (..., m, k) @ (k) -> (..., m)
        grad_a = m.unbroadcast(g[..., :, None] * b, a.shape) if needs[0] else None
        grad_b = m.unbroadcast((m.swapaxes(a) @ g[..., :, None])[..., 0], b.shape) \
            if needs[1] else None
        return grad_a, grad_b
    grad_a = m.unbroadcast(g @ m.swapaxes(b), a.shape) if needs[0] else None
    grad_b = m.unbroadcast(m.swapaxes(a) @ g, b.shape) if needs[1] else None
    return grad_a, grad_b


MATMUL = define("matmul", lambda m, c, a, b: np.matmul(a, b), _matmul_backward)


# matmul_t: op(a) @ op(b) for 2-D a and b, op transposing where ctx = (transpose a,
# transpose b) says, as BLAS's gemm reads a transposed operand in place. matmul's gradients
# under create_graph (g @ b^T, a^T @ g) are such nodes: one node each instead of a transpose
# node and a matmul node (the spiral network's hvp: 2% fewer instructions, benchmarks/hvp.py).
# d op(a) = g @ op(b)^T and d op(b) = op(a)^T @ g, transposed back where op transposed:
# again matmul_t products.
_NT, _TN = (False, True), (True, False)


def _matmul_t_backward(m, c, needs, g, out, a, b):
    transpose_a, transpose_b = c
    grad_a = (m.matmul_t(b, g, (transpose_b, True)) if transpose_a
              else m.matmul_t(g, b, (False, not transpose_b))) if needs[0] else None
    grad_b = (m.matmul_t(g, a, (True, transpose_a)) if transpose_b
              else m.matmul_t(a, g, (not transpose_a, False))) if needs[1] else None
    return grad_a, grad_b


def _check_matmul_t(m, c, a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"matmul_t: operands must be 2-D, got shapes {a.shape} and {b.shape}")


MATMUL_T = define("matmul_t", lambda m, c, a, b: m.matmul_t(a, b, c), _matmul_t_backward,
                  check=_check_matmul_t)


# x (..., in) @ w (in, out) + b (out,): a dense layer as one node, like PyTorch's addmm.
def _linear_forward(m, c, x, w, b):
    out = np.matmul(x, w)
    out += b  # in place: the product is a new array
    return out


def _linear_backward(m, c, needs, g, out, x, w, b):
    """matmul's rule for x and w; for b, g summed back to its shape (over the rows)."""
    grad_x, grad_w = _matmul_backward(m, c, needs, g, out, x, w)
    return grad_x, grad_w, m.unbroadcast(g, b.shape) if needs[2] else None


LINEAR = define("linear", _linear_forward, _linear_backward)


# ---------------------------------------------------------------- reductions
# ctx = (axes, keepdims) with axes a normalised tuple of non-negative ints.
def _unreduce(m, g, ctx):
    """g with the reduced axes put back (as size 1), so that it broadcasts against the input."""
    axes, keepdims = ctx
    return g if keepdims else m.expand_dims(g, axes)


# float32 is summed with a float64 accumulator (`autograd.sums.total`).
SUM = define("sum", lambda m, c, a: m.sum(a, c[0], c[1]),
             lambda m, c, n, g, out, a: (m.broadcast_to(_unreduce(m, g, c), a.shape),))
# max/min: the gradient is shared evenly by all entries equal to the extreme (ties split).
MAX = define("max", lambda m, c, a: a.max(axis=c[0], keepdims=c[1]),
             lambda m, c, n, g, out, a: (_unreduce(m, g, c) * m.extreme_share(a, out, *c),))
MIN = define("min", lambda m, c, a: a.min(axis=c[0], keepdims=c[1]),
             lambda m, c, n, g, out, a: (_unreduce(m, g, c) * m.extreme_share(a, out, *c),))



# softmax along the axis ctx, as one node: the fused loss's gradient under create_graph
# (nn.functional.softmax stays composed from primitives, so its graph shows every step).
# d softmax = out * (g - sum(g * out)) along the axis: the softmax Jacobian times g.
# NaN where a row has NaN or +inf or is all -inf, as in PyTorch (without numpy's
# warnings); nn.functional.softmax refuses such rows instead.
@quiet(invalid="ignore")
def _softmax_forward(m, c, a):
    if a.ndim == 2 and c == 1:  # rows of logits: the fused loss's own steps and numbers
        e = np.exp(a - row_max(a))
        e /= row_sums(e)[:, None]
    else:
        e = np.exp(a - a.max(axis=c, keepdims=True))
        e /= m.sum(e, (c,), True)
    return e


SOFTMAX = define("softmax", _softmax_forward,
                 lambda m, c, n, g, out, a: (out * (g - m.sum(g * out, (c,), True)),))


# ---------------------------------------------------------------- shapes
# reshape: ctx = the new shape.
RESHAPE = define("reshape", lambda m, c, a: a.reshape(c),
                 lambda m, c, n, g, out, a: (g.reshape(a.shape),))
# transpose: ctx = the permutation of axes; its inverse undoes it.
TRANSPOSE = define("transpose", lambda m, c, a: a.transpose(c),
                   lambda m, c, n, g, out, a: (g.transpose(_inverse(c)),))


def _inverse(permutation: tuple[int, ...]) -> tuple[int, ...]:
    """The permutation that undoes `permutation` (np.argsort of it, without numpy's
    conversion of a tuple, which costs more than the transpose it serves)."""
    return tuple(sorted(range(len(permutation)), key=permutation.__getitem__))
# broadcast_to: ctx = the target shape; the gradient is summed back (the rule of every
# broadcasting op, as a node of its own).
BROADCAST_TO = define("broadcast_to", lambda m, c, a: np.broadcast_to(a, c),
                      lambda m, c, n, g, out, a: (m.unbroadcast(g, a.shape),))
# getitem: ctx = (index, True when the index has no arrays); the gradient is scattered
# back to the indexed places, repeated indices accumulating.
GETITEM = define("getitem", lambda m, c, a: a[c[0]],
                 lambda m, c, n, g, out, a: (m.scatter_add(g, c[0], c[1], a.shape),))
# scatter_add, getitem's transpose: ctx = (index, basic, shape); zeros(shape) with a
# added at index. Its own gradient is getitem again.
SCATTER_ADD = define("scatter_add", lambda m, c, a: m.scatter_add(a, *c),
                     lambda m, c, n, g, out, a: (g[c[0]],))


# ---------------------------------------------------------------- joins (n-ary)
def _concatenate_backward(m, c, needs, g, out, *xs):
    """Cut g back into the pieces along the joined axis."""
    bounds = np.cumsum([x.shape[c] for x in xs])[:-1].tolist()
    return m.split(g, bounds, c)


# concatenate / stack: ctx = the axis.
CONCATENATE = define("concatenate", lambda m, c, *xs: np.concatenate(xs, axis=c),
                     _concatenate_backward)
STACK = define("stack", lambda m, c, *xs: np.stack(xs, axis=c),
               lambda m, c, n, g, out, *xs: m.unstack(g, c))
