"""Gradients as values: `grad`, and on top of it `jacobian`, `hessian` and `hvp`.

`grad` runs the same backward pass as `backward()` but returns the gradients instead
of adding them to `.grad`, and leaves every `.grad` as it was (PyTorch's
`torch.autograd.grad`). With `create_graph=True` the gradients are graph nodes, so
they can be differentiated again: the Hessian-vector product is the gradient of
<grad f(x), v>, and the Hessian is the Jacobian of the gradient
(`torch.autograd.functional` offers the same three).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from operator import attrgetter

import numpy as np

from autograd.graph import CLOCK, Node, check_versions, finish, propagate, topological_order
from autograd.quiet import ieee
from autograd.tensor import Tensor
from autograd.value import Value

Nodes = Node | Sequence[Node]
_grad_of, _epoch_of = attrgetter("grad"), attrgetter("_stamp.epoch")
_quiet_propagate = ieee(propagate)  # as Tensor.backward: no numpy warnings from the rules


def grad(outputs: Nodes, inputs: Nodes, grad_outputs: object = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """d(outputs)/d(inputs): sum over outputs of grad_output . d output / d input.

    outputs, inputs: a node or a sequence of nodes of one engine (`Value` or `Tensor`);
    inputs may be leaves or intermediate nodes. grad_outputs: one per output, of its
    shape (numbers, arrays or nodes); default 1, which needs one-element outputs.
    Returns a tuple with one gradient per input: a float / numpy array, or with
    create_graph=True a `Value` / `Tensor` node that can be differentiated again.
    No `.grad` changes. Raises RuntimeError, as backward() does, if a leaf was changed by
    chainrule after a node reading it was recorded; ValueError for an input the outputs
    do not depend on (allow_unused=True gives None for it), for a Tensor input without
    requires_grad, and for grad_outputs of the wrong number or shape; TypeError for
    mixed engines.
    """
    outs, ins = _nodes(outputs, "outputs"), _nodes(inputs, "inputs")
    engine = type(outs[0])
    if any(type(node) is not engine for node in outs + ins):
        raise TypeError("grad: outputs and inputs must all be Values or all be Tensors")
    for i, node in enumerate(ins):
        if engine is Tensor and not node.requires_grad:
            raise ValueError(f"grad: input {i} does not require grad (it is a constant)")
    seeds = _seeds(outs, grad_outputs, create_graph)
    empty = engine._EMPTY_GRAD if not create_graph else None
    order = topological_order(outs)
    graph = set(order)
    for i, node in enumerate(ins):
        if node not in graph and not allow_unused:
            raise ValueError(f"grad: the outputs do not depend on input {i}; pass "
                             "allow_unused=True to get None for it")
    saved = list(map(_grad_of, order))  # every grad is put back after
    interior = [node for node in order if node._prev]
    if interior and min(map(_epoch_of, interior)) != CLOCK.epoch:
        # nodes recorded before the last change of some leaf: were theirs?
        check_versions([node for node in order if not node._prev], interior)
    try:
        for node in order:  # every grad then holds exactly what this call finds
            node.grad = empty
        (_quiet_propagate if engine is Tensor else propagate)(outs, seeds, interior,
                                                               create_graph)
        return tuple(node.grad if node in graph else None for node in ins)
    finally:  # every grad as it was, even after an interrupt
        finish(partial(_put_back, order, saved))


def _put_back(nodes: list, grads: list) -> None:
    for node, old in zip(nodes, grads):
        node.grad = old


def jacobian(f: Callable, x: object) -> np.ndarray:
    """J[i..., j...] = d f(x)[i...] / d x[j...], of shape f(x).shape + x.shape.

    x: a Tensor or array (f gets a Tensor), a number or Value (f gets a Value), or a list
    of numbers/Values (f gets a list of Values). f returns a node or a list of Values.
    One backward pass per output element, on a fresh copy of x.
    """
    leaf, flat_inputs, in_shape = _fresh(x)
    out = f(leaf)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    rows = []
    if isinstance(outs[0], Tensor):
        (y,) = outs
        for index in np.ndindex(*y.shape):
            seed = np.zeros(y.shape, dtype=y.data.dtype)
            seed[index] = 1.0
            rows.append(_flat_grad(y, flat_inputs, seed))
        out_shape = y.shape
    else:
        rows = [_flat_grad(y, flat_inputs, 1.0) for y in outs]
        out_shape = (len(outs),) if isinstance(out, (list, tuple)) else ()
    return np.array(rows, dtype=np.float64).reshape(out_shape + in_shape)


def hessian(f: Callable, x: object) -> np.ndarray:
    """H[i..., j...] = d^2 f / dx[i...] dx[j...] for a scalar f, of shape x.shape + x.shape.

    The Jacobian of the gradient: one create_graph backward pass, then one backward pass
    through the recorded gradient per entry of x. x as for `jacobian`.
    """
    leaf, flat_inputs, in_shape = _fresh(x)
    gradients = grad(_scalar(f(leaf), "hessian"), flat_inputs, create_graph=True,
                     allow_unused=True)
    rows = []
    width = sum(int(np.size(x.data)) for x in flat_inputs)
    for x, g in zip(flat_inputs, gradients):
        if g is None:  # f does not depend on this input: its rows are zero
            rows.extend([[0.0] * width] * int(np.size(x.data)))
        elif isinstance(g, Tensor):
            for index in np.ndindex(*g.shape):
                seed = np.zeros(g.shape, dtype=g.data.dtype)
                seed[index] = 1.0
                rows.append(_flat_grad(g, flat_inputs, seed))
        else:
            rows.append(_flat_grad(g, flat_inputs, 1.0))
    return np.array(rows, dtype=np.float64).reshape(in_shape + in_shape)


def hvp(f: Callable, x: object, v: object) -> np.ndarray:
    """H(x) v for a scalar f, without forming the Hessian H: the gradient of <grad f(x), v>.

    Two backward passes (the first with create_graph=True), whatever the size of x.
    x as for `jacobian`; v of x's shape. Returns an array of x's shape.
    """
    leaf, flat_inputs, in_shape = _fresh(x)
    vector = np.asarray(v, dtype=np.float64)
    if vector.shape != in_shape:
        raise ValueError(f"hvp: v has shape {vector.shape}, x has shape {in_shape}")
    gradients = grad(_scalar(f(leaf), "hvp"), flat_inputs, create_graph=True,
                     allow_unused=True)
    if isinstance(leaf, Tensor):
        (g,) = gradients
        if g is None:
            return np.zeros(in_shape)
        product = (g * vector.astype(leaf.data.dtype)).sum()
    else:
        terms = [g * float(w) for g, w in zip(gradients, vector.reshape(-1)) if g is not None]
        if not terms:
            return np.zeros(in_shape)
        product = Value.sum(terms)
    if product._op is None:  # the gradient does not depend on x: f is linear
        return np.zeros(in_shape)
    return np.array(_flat_grad(product, flat_inputs, 1.0)).reshape(in_shape)


# ---------------------------------------------------------------- helpers
def _nodes(nodes: Nodes, what: str) -> list:
    items = list(nodes) if isinstance(nodes, (list, tuple)) else [nodes]
    if not items:
        raise ValueError(f"grad: {what} is empty")
    for item in items:
        if not isinstance(item, Node):
            raise TypeError(f"grad: {what} must be Values or Tensors, got {type(item).__name__}")
    return items


def _seeds(outs: list, grad_outputs: object, create_graph: bool) -> list:
    if grad_outputs is None:
        given = [None] * len(outs)
    else:
        given = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) \
            and len(outs) > 1 else [grad_outputs]
        if len(given) != len(outs):
            raise ValueError(f"grad: {len(given)} grad_outputs for {len(outs)} outputs")
    seeds = []
    for k, (out, seed) in enumerate(zip(outs, given)):
        if isinstance(seed, Node) and create_graph:
            seeds.append(seed)  # a graph seed: the result depends on it too
            continue
        if isinstance(seed, Node):
            seed = seed.data
        if isinstance(out, Value):
            seeds.append(1.0 if seed is None else float(seed))
        else:
            data = out.data
            if seed is None and data.size != 1:
                raise ValueError(f"grad: output {k} has shape {data.shape}; pass grad_outputs "
                                 "of that shape (or reduce it first)")
            seed = np.ones_like(data) if seed is None else np.asarray(seed, dtype=data.dtype)
            if seed.shape != data.shape:
                raise ValueError(f"grad: grad_outputs[{k}] has shape {seed.shape}, output "
                                 f"{k} has shape {data.shape}")
            seeds.append(seed)
    return seeds


def _fresh(x: object) -> tuple[Node | list, list, tuple]:
    """A new leaf (or list of leaves) holding x's numbers, the leaves, and x's shape."""
    if isinstance(x, (list, tuple)):
        leaves = [Value(float(v.data if isinstance(v, Value) else v)) for v in x]
        return leaves, leaves, (len(leaves),)
    if isinstance(x, Value) or (np.ndim(x) == 0 and not isinstance(x, Tensor)):
        leaf = Value(float(x.data if isinstance(x, Value) else x))
        return leaf, [leaf], ()
    data = x.data if isinstance(x, Tensor) else np.asarray(x, dtype=np.float64)
    leaf = Tensor(np.array(data, copy=True), requires_grad=True)
    return leaf, [leaf], leaf.shape


def _scalar(out: object, where: str) -> Node:
    if isinstance(out, Value) or (isinstance(out, Tensor) and out.data.size == 1):
        return out
    raise ValueError(f"{where}: f must return one number (a Value or a one-element Tensor), "
                     f"got {type(out).__name__} {getattr(out, 'shape', '')}")


def _flat_grad(y: Node, inputs: list, seed: object) -> list[float]:
    """d(seed . y)/d(inputs), flattened into one list of floats (0 where unused)."""
    if y._op is None:  # a constant: it depends on nothing
        return [0.0] * sum(int(np.size(x.data)) for x in inputs)
    found = grad(y, inputs, grad_outputs=seed, allow_unused=True)
    row: list[float] = []
    for x, g in zip(inputs, found):
        row.extend(np.zeros(np.size(x.data)) if g is None else np.ravel(g).tolist())
    return row
