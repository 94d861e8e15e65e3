"""Argument checks for `Tensor`: data, axes, shapes, indices, bounds and seeds made canonical."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd.graph import Node

_BINARY_SYMBOLS = {"add": "+", "mul": "*", "pow": "**", "maximum": "maximum", "matmul": "@"}


def _as_array(data: object, dtype: object = None) -> np.ndarray:
    """Float array from numbers, nested lists or arrays: float64 unless float32 is given."""
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:
        raise TypeError(f"Tensor: cannot make an array from {type(data).__name__}: {error}") \
            from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: expected numbers, got an array of dtype {array.dtype}")
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Tensor: dtype must be a float type, got {dtype}")
        return array.astype(dtype, copy=False)
    if array.dtype.kind == "f" and array.dtype.itemsize >= 4:
        return array  # float32 and float64 are kept
    return array.astype(np.float64)


def _unpack(args: tuple) -> tuple:
    """`f(2, 3)` and `f((2, 3))` both mean (2, 3), as in numpy's reshape and transpose."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return args


def _new_shape(shape: tuple) -> tuple[int, ...]:
    """The target shape of reshape, as ints (one entry may be -1)."""
    return tuple(int(n) for n in _unpack(shape))


def _permutation(axes: tuple, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Non-negative axis order for transpose: all reversed when `axes` is empty."""
    axes = _unpack(axes)
    ndim = len(shape)
    if not axes:
        axes = tuple(reversed(range(ndim)))
    elif sorted(a % ndim if -ndim <= a < ndim else a for a in axes) != list(range(ndim)):
        raise ValueError(f"transpose: {axes} is not a permutation of the axes of {shape}")
    return tuple(a % ndim for a in axes)


def _axes(axis: object, ndim: int, op: str) -> tuple[int, ...]:
    """Normalise an axis argument (None, int or tuple) to sorted non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    raw = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = []
    for a in raw:
        if not -ndim <= a < max(ndim, 1) or (ndim == 0 and a not in (0, -1)):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims")
        axes.append(int(a) % max(ndim, 1))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(axes)) if ndim else ()


def _bounds(lo: float | None, hi: float | None) -> tuple[float, float]:
    """clip's (lo, hi) as floats, a missing bound being infinite."""
    lo = -np.inf if lo is None else float(lo)
    hi = np.inf if hi is None else float(hi)
    if lo > hi:
        raise ValueError(f"clip: lo={lo} is greater than hi={hi}")
    return lo, hi


_FLOAT64 = np.dtype(np.float64)
_ONE = np.array(1.0)


def _seed(grad: object, data: np.ndarray) -> np.ndarray:
    """The gradient backward starts from: 1 for one element, else `grad` of data's shape."""
    if grad is None:
        if data.size != 1:
            raise ValueError(
                f"backward: a tensor of shape {data.shape} is not a scalar; pass "
                f"grad= of shape {data.shape} (or reduce it, e.g. .sum())"
            )
        if data.dtype is _FLOAT64 and not data.shape:  # a loss: copy a ready-made 1.0
            return _ONE.copy()
        return np.array(1, dtype=data.dtype).reshape(data.shape)
    seed = np.asarray(grad)
    if seed.shape != data.shape:
        raise ValueError(
            f"backward: grad has shape {seed.shape} but the tensor has shape {data.shape}"
        )
    if not np.isfinite(seed).all():
        raise ValueError("backward: grad contains NaN or inf")
    return seed.astype(data.dtype)


def _join_inputs(tensors: Sequence[object], op: str,
                 tensor_type: type[Node]) -> tuple[Node, ...]:
    """The inputs of concatenate/stack as Tensors (numbers and arrays become constants)."""
    parents = tuple(t if isinstance(t, tensor_type) else tensor_type(t) for t in tensors)
    if not parents:
        raise ValueError(f"{op}: needs at least one tensor")
    return parents


def _normalise_index(index: object, tensor_type: type[Node]) -> tuple[object, bool]:
    """Tensors and lists in an index become integer/boolean arrays; say if it is basic."""
    parts = index if isinstance(index, tuple) else (index,)
    converted = []
    basic = True
    for part in parts:
        if isinstance(part, tensor_type):
            integers = getattr(part, "_integers", None)  # made from ints or bools
            part = part.data if integers is None else integers
            if part.dtype.kind == "f":
                if not np.all(part == np.round(part)):
                    raise IndexError("getitem: a float tensor used as an index must hold "
                                     "whole numbers")
                part = part.astype(np.int64)
        elif isinstance(part, list):
            part = np.asarray(part)
        if isinstance(part, np.ndarray):
            basic = False
            if part.dtype.kind not in "biu":
                raise IndexError(f"getitem: index arrays must be integer or boolean, "
                                 f"got {part.dtype}")
        converted.append(part)
    result = tuple(converted) if isinstance(index, tuple) else converted[0]
    return result, basic


def _shape_error(name: str, datas: list[np.ndarray], ctx: object,
                 error: ValueError) -> ValueError:
    """Restate numpy's complaint with the op's name and every operand's shape."""
    shapes = " and ".join(str(d.shape) for d in datas)
    if name == "reshape":
        return ValueError(f"reshape: cannot reshape a tensor of shape {shapes} "
                          f"({datas[0].size} elements) into {ctx}")
    if name in ("concatenate", "stack"):
        return ValueError(f"{name}: shapes {shapes} do not fit along axis {ctx} ({error})")
    if name == "matmul":
        return ValueError(f"matmul: shapes {shapes} are not aligned for a @ b "
                          f"(the last axis of a must equal the second-to-last of b)")
    symbol = _BINARY_SYMBOLS.get(name, name)
    return ValueError(f"{symbol}: cannot broadcast shapes {shapes} ({error})")
