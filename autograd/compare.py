"""Comparisons, masks and selection for both engines.

A comparison has no gradient (its result is piecewise constant), so it records nothing:
on `Value`s `<`, `<=`, `>`, `>=` compare the data and give a `bool` (so `max(values)` and
`sorted(values)` work, and return the nodes themselves); on `Tensor`s they give a
constant boolean mask, a Tensor of dtype bool (`t < 0`), which multiplies (`t * (t < 0)`),
indexes (`t[t < 0]`), selects (`where(t < 0, a, b)`) and combines (`~`, `&`, `|`, `^`).

`==` and `!=`: on Tensors elementwise masks, as in PyTorch and numpy (`t.eq(u)`,
`t.ne(u)` too); on Values identity, as in micrograd (compare `.data` for the numbers).
Both engines keep hashing by identity, so nodes stay usable in sets and as dict keys
(the graph walks rely on it) and `==` between two nodes is never called there.

`where(cond, a, b)` picks a where cond holds, else b, through the `where` primitive: the
gradient goes to the chosen side only. `masked_fill`, `minimum` and `maximum` are built
on it and on `maximum`.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable

import numpy as np

from autograd.graph import Node
from autograd.tensor import Tensor, _constant
from autograd.value import Value

_OPERANDS = (numbers.Number, np.ndarray, np.generic, list, tuple)


def _mask(data: object) -> Tensor:
    """A constant Tensor holding a boolean (or integer) array: no graph, no gradient."""
    return _constant(np.asarray(data))


def _data(other: object) -> object:
    """The numbers of a comparison's other operand, or NotImplemented for other types."""
    if isinstance(other, Tensor):
        return other.data
    if isinstance(other, _OPERANDS):
        return np.asarray(other)
    return NotImplemented


# ---------------------------------------------------------------- comparisons
def tensor_comparison(ufunc: np.ufunc, symbol: str) -> Callable[[Tensor, object], Tensor]:
    """The method `self <symbol> other` of Tensor: a constant boolean mask."""
    def compare(self: Tensor, other: object) -> Tensor:
        data = _data(other)
        if data is NotImplemented:
            return NotImplemented
        try:
            return _mask(ufunc(self.data, data))
        except ValueError:
            raise ValueError(f"{symbol}: cannot broadcast shapes {self.data.shape} and "
                             f"{np.shape(data)}") from None

    compare.__name__ = ufunc.__name__
    compare.__doc__ = f"self {symbol} other, elementwise: a constant boolean mask (no gradient)."
    return compare


def value_comparison(compare: Callable[[float, float], bool],
                     symbol: str) -> Callable[[Value, object], bool]:
    """The method `self <symbol> other` of Value: the data compared, a bool."""
    def method(self: Value, other: object) -> bool:
        if type(other) is Value:
            return compare(self.data, other.data)
        if isinstance(other, numbers.Real):
            return compare(self.data, other)
        return NotImplemented

    method.__name__ = compare.__name__
    method.__doc__ = f"self.data {symbol} other's data, a bool (no node, no gradient)."
    return method


TENSOR_COMPARISONS = {
    "__lt__": tensor_comparison(np.less, "<"), "__le__": tensor_comparison(np.less_equal, "<="),
    "__gt__": tensor_comparison(np.greater, ">"),
    "__ge__": tensor_comparison(np.greater_equal, ">="),
    "__eq__": tensor_comparison(np.equal, "=="), "__ne__": tensor_comparison(np.not_equal, "!="),
}
VALUE_COMPARISONS = {
    "__lt__": value_comparison(operator.lt, "<"), "__le__": value_comparison(operator.le, "<="),
    "__gt__": value_comparison(operator.gt, ">"), "__ge__": value_comparison(operator.ge, ">="),
}


# ---------------------------------------------------------------- masks
def mask_data(cond: object, op: str) -> np.ndarray | bool:
    """A condition as a bool or a boolean array: a mask Tensor, a Tensor made from bools
    (`Tensor([True, False])`), a boolean array or list, or a bool. TypeError otherwise."""
    if isinstance(cond, (bool, np.bool_)):
        return bool(cond)
    if isinstance(cond, Tensor):
        data = cond.data if cond.data.dtype == bool else getattr(cond, "_integers", None)
    elif isinstance(cond, (np.ndarray, list, tuple)):
        data = np.asarray(cond)
    else:
        data = None
    if data is None or data.dtype != bool:
        kind = type(cond).__name__ if data is None else f"an array of {data.dtype}"
        raise TypeError(f"{op}: the condition must be boolean (a mask such as t > 0), "
                        f"got {kind}")
    return data


def _logical(ufunc: np.ufunc, symbol: str) -> Callable[[Tensor, object], Tensor]:
    def combine(self: Tensor, other: object) -> Tensor:
        if not isinstance(other, (Tensor, bool, np.bool_, np.ndarray, list, tuple)):
            return NotImplemented
        a, b = mask_data(self, symbol), mask_data(other, symbol)
        try:
            return _mask(ufunc(a, b))
        except ValueError:
            raise ValueError(f"{symbol}: cannot broadcast shapes {np.shape(a)} and "
                             f"{np.shape(b)}") from None

    combine.__doc__ = f"mask {symbol} mask, elementwise (boolean masks only)."
    return combine


MASK_OPERATORS = {
    "__and__": _logical(np.logical_and, "&"), "__rand__": _logical(np.logical_and, "&"),
    "__or__": _logical(np.logical_or, "|"), "__ror__": _logical(np.logical_or, "|"),
    "__xor__": _logical(np.logical_xor, "^"), "__rxor__": _logical(np.logical_xor, "^"),
}


def invert(mask: Tensor) -> Tensor:
    """~mask: True where the mask is False (boolean masks only)."""
    return _mask(~np.asarray(mask_data(mask, "~")))


def _test(tensor_test: np.ufunc, float_test: Callable[[float], bool],
          x: Tensor | Value | object) -> Tensor | bool:
    if isinstance(x, Value):
        return float_test(x.data)
    return _mask(tensor_test(x.data if isinstance(x, Tensor) else np.asarray(x)))


def isnan(x: Tensor | Value | object) -> Tensor | bool:
    """Where x is NaN: a constant boolean mask for a Tensor (or an array), a bool for a Value."""
    return _test(np.isnan, math.isnan, x)


def isinf(x: Tensor | Value | object) -> Tensor | bool:
    """Where x is +inf or -inf: a constant boolean mask, or a bool for a Value."""
    return _test(np.isinf, math.isinf, x)


def isfinite(x: Tensor | Value | object) -> Tensor | bool:
    """Where x is neither NaN nor infinite: a boolean mask, or a bool for a Value."""
    return _test(np.isfinite, math.isfinite, x)


def tensor_any(x: Tensor, axis: int | tuple[int, ...] | None = None,
               keepdims: bool = False) -> Tensor:
    """Whether any entry along `axis` is non-zero (True): a constant boolean Tensor."""
    return _mask(np.any(x.data, axis=axis, keepdims=keepdims))


def tensor_all(x: Tensor, axis: int | tuple[int, ...] | None = None,
               keepdims: bool = False) -> Tensor:
    """Whether every entry along `axis` is non-zero (True): a constant boolean Tensor."""
    return _mask(np.all(x.data, axis=axis, keepdims=keepdims))


def tensor_bool(self: Tensor) -> bool:
    """The truth of a one-element Tensor (`if (t > 0):`); ambiguous for more, as in PyTorch."""
    if self.data.size != 1:
        raise ValueError(f"the truth value of a Tensor with {self.data.size} elements is "
                         "ambiguous: use .any() or .all()")
    return bool(self.data.reshape(()))


# ---------------------------------------------------------------- selection
def where(cond: object, a: object, b: object) -> Tensor | Value:
    """a where cond is True, else b, elementwise with broadcasting (PyTorch's torch.where).

    cond: a boolean mask (`t > 0`, a bool array) for Tensors, a bool for Values; a and b:
    nodes of one engine or numbers/arrays (constants in the node's dtype). One `where`
    node: the gradient goes to a where cond holds and to b elsewhere. Raises TypeError
    for a non-boolean condition or mixed engines, ValueError for shapes that do not
    broadcast.
    """
    cond = mask_data(cond, "where")
    nodes = [x for x in (a, b) if isinstance(x, Node)]
    if not nodes:  # numbers and arrays only: a constant
        return Tensor(np.where(cond, a, b))
    engine = type(nodes[0])
    if any(type(x) is not engine for x in nodes):
        raise TypeError("where: a and b must be both Values or both Tensors")
    a, b = (x if isinstance(x, Node) else nodes[0]._lift(x) for x in (a, b))
    if engine is Value:
        if isinstance(cond, np.ndarray):
            if cond.size != 1:
                raise ValueError(f"where: a condition of shape {cond.shape} for Values; "
                                 "it must be one bool")
            cond = bool(cond.reshape(()))
        return Value._apply("where", (a, b), cond)
    try:
        np.broadcast_shapes(np.shape(cond), a.data.shape, b.data.shape)
    except ValueError:
        raise ValueError(f"where: cannot broadcast the condition's shape {np.shape(cond)} with "
                         f"{a.data.shape} and {b.data.shape}") from None
    return Tensor._apply("where", (a, b), cond)


def masked_fill(x: Tensor, mask: object, value: float) -> Tensor:
    """x with `value` where mask is True (PyTorch's masked_fill): where(mask, value, x).

    mask broadcasts to x's shape (it may not enlarge it); no gradient reaches x there.
    """
    data = mask_data(mask, "masked_fill")
    if not isinstance(x, Tensor):
        raise TypeError(f"masked_fill: x must be a Tensor, got {type(x).__name__}")
    if np.broadcast_shapes(np.shape(data), x.data.shape) != x.data.shape:
        raise ValueError(f"masked_fill: a mask of shape {np.shape(data)} does not broadcast "
                         f"to the tensor's shape {x.data.shape}")
    if isinstance(value, Tensor):
        if value.data.size != 1:
            raise ValueError(f"masked_fill: value must be one number, got shape {value.shape}")
        value = value.data.reshape(())
    return where(data, x._lift(value), x)


def maximum(a: object, b: object) -> Tensor | Value:
    """Elementwise maximum of two nodes (or a node and a number/array); at ties the
    gradient is split evenly, as in PyTorch."""
    a, b = _pair(a, b, "maximum")
    return type(a)._apply("maximum", (a, b))


def minimum(a: object, b: object) -> Tensor | Value:
    """Elementwise minimum: -maximum(-a, -b), exact (negation does not round); ties split
    the gradient evenly, as in PyTorch."""
    a, b = _pair(a, b, "minimum")
    return -type(a)._apply("maximum", (-a, -b))


def _pair(a: object, b: object, op: str) -> tuple[Node, Node]:
    """Two nodes of one engine from nodes and numbers (a constant Tensor if neither is one)."""
    if not isinstance(a, Node) and not isinstance(b, Node):
        a = Tensor(a)
    if isinstance(a, Node) and isinstance(b, Node) and type(a) is not type(b):
        raise TypeError(f"{op}: cannot mix Value and Tensor")
    if isinstance(a, Node):
        return a, a._lift(b)
    return b._lift(a), b
