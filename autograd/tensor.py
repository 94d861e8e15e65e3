"""`Tensor`: the array engine, one numpy array per graph node, PyTorch-like names.

Uses the same rule table as `Value` (`autograd.ops`, `autograd.tensor_ops`) with
the `ARRAY` backend; broadcast gradients are summed back by `ops.unbroadcast`.
Only nodes that need a gradient are recorded: an op whose inputs are all
constants (or that runs under `no_grad`) returns a constant.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

import numpy as np

from autograd.backends import ARRAY
from autograd.graph import (
    CLOCK,
    NEVER,
    OFF,
    Node,
    _add_earlier,
    _mode,
    backpropagate,
    recording_state,
)
from autograd.node_backend import NODES
from autograd.quiet import ieee
from autograd.sums import broadcast_to
from autograd.table import BoundOps, Primitive
from autograd.tensor_args import (
    _as_array,
    _axes,
    _bounds,
    _join_inputs,
    _new_shape,
    _normalise_index,
    _permutation,
    _seed,
    _shape_error,
    normalize_axis,
)
from autograd.torch_names import torch_names


class _TensorOp:
    """A primitive bound to the array backend."""

    __slots__ = ("name", "primitive", "elementwise", "forward", "backward", "check")

    def __init__(self, primitive: Primitive) -> None:
        self.name = primitive.name
        self.primitive = primitive
        self.elementwise = primitive.elementwise
        # The rule's functions, one attribute read away on the hot path.
        self.forward, self.backward, self.check = (primitive.forward, primitive.backward,
                                                   primitive.check)

    def propagate(self, node: Tensor) -> None:
        """Apply the rule at `node`; add each parent's share to its `.grad` if it wants one."""
        needs, upstream = node._needs, node.grad
        grads = self.backward(ARRAY, node._ctx, needs, upstream, node.data, *node._arrays)
        for parent, need, grad in zip(node._prev, needs, grads):
            if need and grad is not None:
                if self.elementwise and grad.shape != parent.data.shape:
                    grad = ARRAY.unbroadcast(grad, parent.data.shape)
                parent._accumulate(grad, grad is upstream)

    def propagate_graph(self, node: Tensor) -> None:
        """`propagate` for create_graph=True: the rule runs on the nodes themselves
        (inputs, `out` = node, upstream grad), so each share is a node."""
        needs, upstream = node._needs, node.grad
        if upstream is None:
            return
        grads = self.backward(NODES, node._ctx, needs, upstream, node, *node._prev)
        for parent, need, grad in zip(node._prev, needs, grads):
            if need and grad is not None:
                if self.elementwise and isinstance(grad, Node) and grad.shape != parent.shape:
                    grad = NODES.unbroadcast(grad, parent.shape)
                parent._accumulate_node(grad)

    def local_derivatives(self, node: Tensor) -> tuple[tuple[int, ...], ...]:
        """Shapes of the Jacobians d(node)/d(parent), as (out shape + parent shape)."""
        return tuple(node.data.shape + p.data.shape for p in node._prev)

    def __repr__(self) -> str:
        return f"<tensor op {self.name}>"


_OPS = BoundOps(_TensorOp)  # bound from the table on first use
_data = attrgetter("data")
_requires_grad = attrgetter("requires_grad")
_new_tensor = object.__new__  # a node without __init__'s argument checks


class Tensor(Node):
    """An n-d array node: `.data` (ndarray), `.grad` (ndarray of the same shape, or None).

    `requires_grad=True` makes a leaf a parameter: it collects gradients. Results
    of ops on such tensors record the graph; everything else is a constant.
    """

    # `_integers`: the exact integer/boolean array a leaf was made from, so that it can
    # still serve as an index (its `.data` is float); set only by __init__.
    # `_arrays`, `_needs`: a recorded node's inputs as the forward pass saw them, and
    # which of them want a gradient; backward reads these instead of the parents.
    __slots__ = ("requires_grad", "_integers", "_arrays", "_needs")
    __array_ufunc__ = None  # ndarray + Tensor defers to Tensor.__radd__

    def __init__(self, data: object, requires_grad: bool = False, dtype: object = None,
                 label: str = "") -> None:
        self.data = _as_array(data.data if isinstance(data, Tensor) else data, dtype)
        if self.data is not data and np.asarray(data).dtype.kind in "biu":
            self._integers = np.asarray(data)
        self.grad = None
        self.label = label
        self.requires_grad = bool(requires_grad)
        self._prev = ()
        self._op = None
        self._ctx = None
        self._stamp = NEVER

    # ------------------------------------------------------------ recording
    @staticmethod
    def _apply(name: str, parents: tuple[Tensor, ...], ctx: object = None,
               check: bool = True, result: np.ndarray | None = None) -> Tensor:
        """Run primitive `name` forward on the parents' data and record the node if needed
        (its domain check first, unless told not to). `result`: the forward's output
        when the caller already holds exactly it (the fused loss's saved softmax), so
        that it is not computed twice; nothing is checked or run then."""
        op = _OPS[name]
        # The parents' arrays and flags. Nearly every op has one to three inputs: reading
        # them directly costs a fifth of what two map() calls do.
        if len(parents) == 2:
            a, b = parents
            datas, needs = (a.data, b.data), (a.requires_grad, b.requires_grad)
        elif len(parents) == 1:
            a = parents[0]
            datas, needs = (a.data,), (a.requires_grad,)
        elif len(parents) == 3:  # linear: x, weight, bias
            a, b, c = parents
            datas = (a.data, b.data, c.data)
            needs = (a.requires_grad, b.requires_grad, c.requires_grad)
        else:
            datas, needs = tuple(map(_data, parents)), tuple(map(_requires_grad, parents))
        if result is not None:
            data = result
        else:
            if check and op.check is not None:
                op.check(ARRAY, ctx, *datas)
            try:
                data = op.forward(ARRAY, ctx, *datas)
            except ValueError as error:
                raise _shape_error(name, datas, ctx, error) from None
        out = _new_tensor(Tensor)
        out.data = data if type(data) is np.ndarray else np.asarray(data)
        out.grad = None
        out.label = ""
        state = _mode.state
        if state.epoch is not CLOCK.epoch:  # values changed since it was made, or no_grad()
            state = recording_state()
        if state is not OFF and True in needs:
            out.requires_grad = True
            out._prev = parents
            out._op = op
            out._ctx = ctx
            out._stamp = state
            out._arrays = datas
            out._needs = needs
        else:
            out.requires_grad = False
            out._prev = ()
            out._op = None
            out._ctx = None
            out._stamp = NEVER
        return out

    def _lift(self, other: object) -> Tensor:
        """A constant Tensor for a number or array operand, in this tensor's dtype; complex
        numbers, strings and other non-numbers are a TypeError (never silently cast)."""
        if isinstance(other, Tensor):
            return other
        dtype = self.data.dtype
        if dtype.kind == "f":
            if type(other) is float or type(other) is int:
                return _constant(np.asarray(other, dtype=dtype))
            if type(other) is np.ndarray and other.dtype is dtype:  # what the checks return
                return _constant(other)
        if isinstance(other, (int, float, np.ndarray, np.number, list, tuple)) \
                and not isinstance(other, bool):
            array = _as_array(other)  # refuses complex, strings, objects
            if dtype.kind == "f":
                return _constant(array.astype(dtype, copy=False))
            return _constant(np.asarray(other))  # a mask or an index keeps numpy's type
        raise TypeError(f"unsupported operand type for Tensor: {type(other).__name__}")

    # ------------------------------------------------------------ elementwise primitives
    def __add__(self, other: object) -> Tensor:
        return Tensor._apply("add", (self, self._lift(other)))

    def __mul__(self, other: object) -> Tensor:
        return Tensor._apply("mul", (self, self._lift(other)))

    def __neg__(self) -> Tensor:
        return Tensor._apply("neg", (self,))

    def __pow__(self, other: object) -> Tensor:
        if isinstance(other, Tensor):
            return Tensor._apply("pow", (self, other))
        if isinstance(other, (int, float, np.number)) and not isinstance(other, bool):
            return Tensor._apply("pow_const", (self,), float(other))
        return Tensor._apply("pow", (self, self._lift(other)))

    def __rpow__(self, other: object) -> Tensor:
        return Tensor._apply("pow", (self._lift(other), self))

    def __matmul__(self, other: object) -> Tensor:
        return Tensor._apply("matmul", (self, self._lift(other)))

    def __rmatmul__(self, other: object) -> Tensor:
        return Tensor._apply("matmul", (self._lift(other), self))

    def exp(self) -> Tensor:
        """e ** x, elementwise."""
        return Tensor._apply("exp", (self,))

    def log(self) -> Tensor:
        """Natural log, elementwise; entries must be non-negative (log 0 = -inf)."""
        return Tensor._apply("log", (self,))

    def tanh(self) -> Tensor:
        return Tensor._apply("tanh", (self,))

    def sigmoid(self) -> Tensor:
        """1 / (1 + e ** -x), elementwise, without overflow."""
        return Tensor._apply("sigmoid", (self,))

    def softplus(self) -> Tensor:
        """log(1 + e ** x), elementwise, exact for every x; the derivative is sigmoid(x)."""
        return Tensor._apply("softplus", (self,))

    def log_sigmoid(self) -> Tensor:
        """log(sigmoid(x)) = -softplus(-x), elementwise, exact for every x."""
        return Tensor._apply("log_sigmoid", (self,))

    def relu(self) -> Tensor:
        """max(x, 0), elementwise; the derivative at 0 is 0."""
        return Tensor._apply("relu", (self,))

    def abs(self) -> Tensor:
        return Tensor._apply("abs", (self,))

    def sqrt(self) -> Tensor:
        """Square root, elementwise; entries must be non-negative (sqrt'(0) = inf)."""
        return Tensor._apply("sqrt", (self,))

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """Clamp into [lo, hi] (one bound may be None); the gradient passes where
        lo <= x <= hi, bounds included, as in PyTorch. Raises ValueError without bounds."""
        return Tensor._apply("clip", (self,), _bounds(lo, hi))

    def maximum(self, other: object) -> Tensor:
        """Elementwise maximum; at ties the gradient is split evenly."""
        return Tensor._apply("maximum", (self, self._lift(other)))

    # ------------------------------------------------------------ composed from primitives
    def __sub__(self, other: object) -> Tensor:
        return self + (-self._lift(other))

    def __rsub__(self, other: object) -> Tensor:
        return self._lift(other) + (-self)

    def __truediv__(self, other: object) -> Tensor:
        return self * self._lift(other) ** -1

    def __rtruediv__(self, other: object) -> Tensor:
        return self._lift(other) * self ** -1

    def __radd__(self, other: object) -> Tensor:
        return self._lift(other) + self

    def __rmul__(self, other: object) -> Tensor:
        return self._lift(other) * self

    @torch_names
    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis`: sum(x) * (1 / count)."""
        axes = _axes(axis, self.data.ndim, "mean")
        count = int(np.prod([self.data.shape[a] for a in axes]))
        return self.sum(axis, keepdims) * (1.0 / count if count else np.nan)

    # ------------------------------------------------------------ reductions and shapes
    @torch_names
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (int, tuple or None for all)."""
        return Tensor._apply("sum", (self,), (_axes(axis, self.data.ndim, "sum"), keepdims))

    @torch_names
    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
            return_indices: bool = False) -> Tensor:
        """Maximum over `axis`; tied maxima share the gradient evenly. return_indices=True
        (one axis or None): (values, indices) as PyTorch's max(dim), the gradient going
        to the indexed entry (`autograd.reductions.extreme_with_indices`)."""
        if return_indices:
            return _with_indices(self, "max", axis, keepdims)
        return self._extreme("max", axis, keepdims)

    @torch_names
    def min(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
            return_indices: bool = False) -> Tensor:
        """Minimum over `axis`; tied minima share the gradient evenly. return_indices=True:
        (values, indices), as for max."""
        if return_indices:
            return _with_indices(self, "min", axis, keepdims)
        return self._extreme("min", axis, keepdims)

    def _extreme(self, name: str, axis: object, keepdims: bool) -> Tensor:
        axes = _axes(axis, self.data.ndim, name)
        if any(self.data.shape[a] == 0 for a in axes):
            raise ValueError(f"{name}: cannot reduce an empty axis of shape {self.shape}")
        return Tensor._apply(name, (self,), (axes, keepdims))

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """Same data in a new shape (one entry may be -1)."""
        return Tensor._apply("reshape", (self,), _new_shape(shape))

    def transpose(self, *axes: int) -> Tensor:
        """Permute axes (all reversed when none are given), like numpy."""
        return Tensor._apply("transpose", (self,), _permutation(axes, self.data.shape))

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy/PyTorch name
        """All axes reversed."""
        return self.transpose()

    def __getitem__(self, index: object) -> Tensor:
        index, basic = _normalise_index(index, Tensor)
        try:
            return Tensor._apply("getitem", (self,), (index, basic))
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor shape {self.shape})") from None

    # ------------------------------------------------------------ backward
    @ieee
    def backward(self, grad: object = None, create_graph: bool = False) -> None:
        """Backpropagate from this tensor, adding d(self)/d(leaf) * grad to each leaf's `.grad`.

        `grad` defaults to 1 for a tensor of one element; any other tensor needs an
        explicit `grad` of its shape (as in PyTorch). Leaf gradients accumulate across
        calls; intermediate nodes' `.grad` are reset each call. Iterative: no depth limit.
        create_graph=True records the backward pass itself: every `.grad` becomes a
        Tensor node that can be differentiated again (`autograd.grad`, `hvp`).
        Raises ValueError for a constant, a missing or misshapen grad, or NaN/inf in it.
        """
        if not self.requires_grad:
            raise ValueError("backward: this tensor does not require grad (it is a constant; "
                             "create a leaf with requires_grad=True)")
        if isinstance(grad, Tensor):
            grad = grad.data
        backpropagate((self,), (_seed(grad, self.data),), create_graph)

    def _accumulate(self, grad: np.ndarray, shared: bool = True) -> None:
        """Add `grad` to `.grad`. A leaf keeps an array of its own (never a view of another)."""
        data = self.data
        if type(grad) is not np.ndarray or (grad.dtype is not data.dtype
                                            and grad.dtype != data.dtype):
            grad = np.asarray(grad, dtype=data.dtype)
        if grad.shape != data.shape:
            grad = broadcast_to(grad, data.shape)
        if self.grad is not None:
            total = self.grad + grad
            # numpy returns a scalar, not an array, when adding 0-d arrays: keep .grad an array
            self.grad = total if type(total) is np.ndarray else np.asarray(total)
        elif self._op is None and (shared or grad.base is not None):
            self.grad = grad.copy()
        else:
            self.grad = grad

    def _constant_like(self, number: object) -> Tensor:
        """A constant of this tensor's shape and dtype holding `number` (or an array)."""
        data = np.asarray(number, dtype=self.data.dtype)
        if data.shape != self.data.shape:
            data = np.broadcast_to(data, self.data.shape).copy()
        return _constant(data)

    _numbers = ARRAY  # the number backend of this engine

    @staticmethod
    def _add_earlier_grads(leaves: list[Tensor], earlier: list) -> None:
        for leaf, old in zip(leaves, earlier):
            if old is not None:  # else the leaf's grad is what this call found
                leaf.grad = _add_earlier(old, leaf)

    # ------------------------------------------------------------ conveniences
    @property
    def is_constant(self) -> bool:
        """True for a leaf without requires_grad: no gradient flows into it."""
        return self._op is None and not self.requires_grad

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def item(self) -> float:
        """The single number of a one-element tensor."""
        if self.data.size != 1:
            raise ValueError(f"item: the tensor has {self.data.size} elements, not 1")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The data array (shared, not copied)."""
        return self.data

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def detach(self) -> Tensor:
        """A constant sharing this tensor's data: no graph, no gradient."""
        return Tensor(self.data)

    def zero_grad(self) -> None:
        self.grad = None

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20,
                               prefix="Tensor(")
        extras = "" if self.data.dtype == np.float64 else f", dtype={self.data.dtype}"
        if self.requires_grad:
            extras += ", requires_grad=True" if self._op is None else f", op={self._op.name}"
        if self.label:
            extras += f", label={self.label!r}"
        return f"Tensor({body}{extras})"


def _with_indices(x: Tensor, op: str, axis: object, keepdims: bool) -> tuple[Tensor, Tensor]:
    from autograd.reductions import extreme_with_indices  # it builds on this module

    return extreme_with_indices(x, op, axis, keepdims)


def _constant(data: np.ndarray) -> Tensor:
    """A constant node holding `data` (a float array), made without __init__'s checks."""
    out = _new_tensor(Tensor)
    out.data, out.grad, out.label, out.requires_grad = data, None, "", False
    out._prev, out._op, out._ctx, out._stamp = (), None, None, NEVER
    return out


@torch_names
def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (np.concatenate); 0-d tensors cannot be joined."""
    parents = _join_inputs(tensors, "concatenate", Tensor)
    ndim = parents[0].data.ndim
    if ndim == 0:
        raise ValueError("concatenate: 0-d tensors cannot be concatenated (use stack)")
    return Tensor._apply("concatenate", parents, normalize_axis(axis, ndim, "concatenate"))


@torch_names
def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along a new axis (np.stack); axis is in [-ndim - 1, ndim]."""
    parents = _join_inputs(tensors, "stack", Tensor)
    return Tensor._apply("stack", parents,
                         normalize_axis(axis, parents[0].data.ndim, "stack", new=True))


def maximum(a: object, b: object) -> Tensor:
    """Elementwise maximum of two tensors (or a tensor and a number/array)."""
    first = a if isinstance(a, Tensor) else Tensor(a)
    return first.maximum(b)

