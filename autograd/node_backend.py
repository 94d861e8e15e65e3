"""`NODES`: the backend that runs the rule table on graph nodes, for `create_graph=True`.

With it a rule's gradient is built from `Value`/`Tensor` operations, so the backward
pass records a graph of its own, which can be differentiated again. Every function
here reaches the engine through the node it is given (`type(x)._apply`), so this
module imports neither engine. Masks (where an input is positive, which of two is
larger) are constants computed from the nodes' data, exactly as the number backends
compute them; domain checks are not repeated (they guard a user's forward pass, and the
gradient of a valid forward pass may be inf, as it is on numbers).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from autograd.backends import ARRAY, SCALAR, backend
from autograd.graph import Node
from autograd.sums import broadcast_axes


def _numbers(x: Node) -> ModuleType:
    return ARRAY if isinstance(x.data, np.ndarray) else SCALAR


def _apply(name: str, *parents: Node, ctx: object = None) -> Node:
    return type(parents[0])._apply(name, parents, ctx, check=False)


def _node_like(x: object, like: Node) -> Node:
    """`x` itself if it is a node, else a constant node of `like`'s engine (and dtype)."""
    if isinstance(x, Node):
        return x
    if isinstance(like.data, np.ndarray):
        return type(like)(np.asarray(x, dtype=like.data.dtype))
    return type(like)(float(x))


def _unary(name: str):
    return lambda a: _apply(name, a)


def _mask(name: str):
    """A mask from the number backend, evaluated on the nodes' data: a constant."""
    def mask(*args: object) -> object:
        numbers = [a.data if isinstance(a, Node) else a for a in args]
        out = getattr(_numbers(args[0]), name)(*numbers)
        return out if isinstance(out, np.ndarray) else float(out)
    mask.__name__ = name
    return mask


def _pow(a: object, b: object) -> Node:
    if isinstance(b, Node):
        return _apply("pow", _node_like(a, b), b)
    return _apply("pow_const", a, ctx=float(b))


def _where(cond: object, a: object, b: object) -> object:
    """a where cond, else b: the chosen node itself for a scalar cond, a `where` node else."""
    if not isinstance(cond, np.ndarray):
        return a if cond else b
    like = a if isinstance(a, Node) else b
    return _apply("where", _node_like(a, like), _node_like(b, like), ctx=cond)


def _scaled_pow(k: object, a: Node, e: object) -> object:
    """k * a**e with 0 * inf taken as 0; as a graph wherever the product is defined, so a
    mixed derivative through k survives (d/dk (k a**e) = a**e)."""
    k_data = k.data if isinstance(k, Node) else k
    e_data = e.data if isinstance(e, Node) else e
    keep = (k_data != 0) | np.isfinite(_numbers(a).pow(a.data, e_data))  # pow is quiet
    if np.all(keep):
        return k * _pow(a, e)
    return _where(keep, k * _pow(a, e), 0.0)


def _times_log(out: Node, a: Node, b: object) -> object:
    """out * log(a) as it enters d(a**b)/db: a constant 0 where a == 0 and b >= 0 (the
    number backends' convention), a graph elsewhere (-inf where a == 0 and b < 0, nan for
    a < 0, as on numbers)."""
    b_data = b.data if isinstance(b, Node) else b
    zero = (a.data == 0) & (np.asarray(b_data) >= 0)
    if not np.any(zero):
        return out * _apply("log", a)
    if not isinstance(a.data, np.ndarray):
        return 0.0
    zero = np.broadcast_to(zero, np.broadcast_shapes(zero.shape, out.shape))
    safe = _where(zero, 1.0, a)  # log(1) = 0: nothing infinite in the branch not taken
    return _where(zero, 0.0, out * _apply("log", safe))


def _unbroadcast(g: Node, shape: tuple[int, ...]) -> Node:
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    # `sum` nodes made directly: the axes are already normalized (Tensor.sum's checks cost
    # as much as the node)
    if g.shape[lead:] == shape:  # only leading axes added (a bias): one sum node
        return _apply("sum", g, ctx=(tuple(range(lead)), False))
    return _apply("sum", g, ctx=(broadcast_axes(g.shape, shape), True)).reshape(shape)


def _broadcast_to(g: Node, shape: tuple[int, ...]) -> Node:
    return g if g.shape == tuple(shape) else _apply("broadcast_to", g, ctx=tuple(shape))


def _expand_dims(g: Node, axes: tuple[int, ...]) -> Node:
    shape = list(g.shape)
    for axis in sorted(axes):
        shape.insert(axis, 1)
    return g.reshape(tuple(shape))


def _swapaxes(a: Node) -> Node:
    order = list(range(a.ndim))
    order[-2:] = order[-1], order[-2]
    return a.transpose(tuple(order))


def _matmul_t(a: Node, b: Node, transposed: tuple[bool, bool]) -> Node:
    """op(a) @ op(b) as one node: `matmul` when nothing is transposed, else `matmul_t`."""
    if transposed == (False, False):
        return _apply("matmul", a, b)
    return _apply("matmul_t", a, b, ctx=transposed)


def _split(g: Node, bounds: list[int], axis: int) -> tuple[Node, ...]:
    edges = [0, *bounds, g.shape[axis]]
    before = (slice(None),) * axis
    return tuple(g[before + (slice(lo, hi),)] for lo, hi in zip(edges, edges[1:]))


def _unstack(g: Node, axis: int) -> tuple[Node, ...]:
    before = (slice(None),) * axis
    return tuple(g[before + (i,)] for i in range(g.shape[axis]))


NODES = backend(
    "nodes",
    exp=_unary("exp"),
    log=_unary("log"),
    tanh=_unary("tanh"),
    sigmoid=_unary("sigmoid"),
    softplus=_unary("softplus"),
    log_sigmoid=_unary("log_sigmoid"),
    relu=_unary("relu"),
    abs=_unary("abs"),
    sqrt=_unary("sqrt"),
    div=lambda a, b: a / b,  # a node divides through pow_const(-1): IEEE at 0, as numbers
    pow=_pow,
    scaled_pow=_scaled_pow,
    # b a**(b-1) as a graph (0 where b == 0); b - 1's rounding for |b| >= 2**53 is left
    # alone here: it matters for the sign of a second derivative of a**b at such b only.
    power_rule=lambda a, b: _scaled_pow(b, a, b - 1),
    times_log=_times_log,
    maximum=lambda a, b: _apply("maximum", a, _node_like(b, a)),
    add_n=lambda xs: _apply("add_n", *xs),
    clip=lambda a, lo, hi: _apply("clip", a, ctx=(lo, hi)),
    where=_where,
    positive=_mask("positive"),
    not_zero=_mask("not_zero"),
    sign=_mask("sign"),
    inside=_mask("inside"),
    share=_mask("share"),
    extreme_share=_mask("extreme_share"),
    sum=lambda a, axes, keepdims: a.sum(axes, keepdims),
    unbroadcast=_unbroadcast,
    broadcast_to=_broadcast_to,
    expand_dims=_expand_dims,
    swapaxes=_swapaxes,
    matmul_t=_matmul_t,
    split=_split,
    unstack=_unstack,
    scatter_add=lambda g, index, basic, shape: _apply("scatter_add", g,
                                                      ctx=(index, basic, tuple(shape))),
    im2col=lambda x, window: _apply("im2col", x, ctx=window),
    col2im=lambda g, window, image: _apply("col2im", g, ctx=(window, tuple(image))),
)
