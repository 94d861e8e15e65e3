"""Argument checks for `Tensor`: data, axes, shapes, indices, bounds and seeds made canonical."""

from __future__ import annotations

import operator
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
        raise TypeError(f"Tensor: expected real numbers, got an array of dtype {array.dtype}"
                        + _why_not_numbers(array))
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Tensor: dtype must be a float type, got {dtype}")
        return array.astype(dtype, copy=False)
    if array.dtype.kind == "f" and array.dtype.itemsize >= 4:
        return array  # float32 and float64 are kept
    return array.astype(np.float64)


def _why_not_numbers(array: np.ndarray) -> str:
    """A hint for an array numpy could not make numeric: complex, or ints too large."""
    if array.dtype.kind == "c":
        return " (complex numbers are not supported)"
    if array.dtype.kind == "O":
        try:
            array.astype(np.float64)
        except OverflowError:
            return " (an integer is too large for a float: the largest is 1.8e308)"
        except (TypeError, ValueError):
            pass
    return ""


def _unpack(args: tuple) -> tuple:
    """`f(2, 3)` and `f((2, 3))` both mean (2, 3), as in numpy's reshape and transpose."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return args


def _new_shape(shape: tuple) -> tuple[int, ...]:
    """The target shape of reshape, as ints (one entry may be -1)."""
    return tuple(int(n) for n in _unpack(shape))


AxisError = np.exceptions.AxisError  # a ValueError and an IndexError, as numpy raises


def normalize_axis(axis: object, ndim: int, op: str, *, new: bool = False) -> int:
    """One axis argument as a non-negative int, by numpy's rules: an int (a numpy integer
    or anything with __index__; not a bool) in [-ndim, ndim). new=True: an axis to be
    inserted (stack, unsqueeze), in [-ndim - 1, ndim].

    Every op with an axis argument goes through this (or `normalize_axes`), so that all
    refuse the same way: TypeError for a non-integer, AxisError (a ValueError and an
    IndexError) naming the op, the axis and the valid range for one out of range.
    """
    if type(axis) is int:  # the usual case: a plain int needs no conversion
        index = axis
    elif isinstance(axis, (bool, np.bool_)) or not hasattr(type(axis), "__index__"):
        raise TypeError(f"{op}: axis must be an int, got {type(axis).__name__} {axis!r}")
    else:
        index = operator.index(axis)
    size = ndim + 1 if new else max(ndim, _PYTORCH_0D)
    if not -size <= index < size:
        what = f"a new axis of a tensor with {ndim} dims" if new else \
            f"a tensor with {ndim} dims"
        raise AxisError(f"{op}: axis {index} is out of range for {what} "
                        f"(valid: {-size}..{size - 1})")
    return index % size


_PYTORCH_0D = 1  # a 0-d tensor takes axis 0 or -1, as in PyTorch (numpy refuses any)


def normalize_axes(axis: object, ndim: int, op: str) -> tuple[int, ...]:
    """An axis argument of a reduction (None for all, an int, or a tuple or list of ints)
    as sorted non-negative ints; a 0-d tensor accepts 0 and -1, as in PyTorch. Raises as
    `normalize_axis` does, and ValueError for a repeated axis."""
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # the usual case, as below
        return (axis % ndim,)
    if isinstance(axis, (tuple, list)):
        raw = tuple(axis)
    elif hasattr(type(axis), "__index__") and not isinstance(axis, (bool, np.bool_)):
        raw = (axis,)
    else:
        raise TypeError(f"{op}: axis must be None, an int or a tuple of ints, got "
                        f"{type(axis).__name__} {axis!r}")
    axes = tuple(sorted(normalize_axis(a, ndim, op) for a in raw))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return axes if ndim else ()


_axes = normalize_axes  # the older name


def _permutation(axes: tuple, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Non-negative axis order for transpose: all reversed when `axes` is empty."""
    axes = _unpack(axes)
    ndim = len(shape)
    if not axes:
        return tuple(reversed(range(ndim)))
    order = tuple(normalize_axis(a, ndim, "transpose") for a in axes)
    if sorted(order) != list(range(ndim)):
        raise ValueError(f"transpose: {axes} is not a permutation of the axes of {shape}")
    return order


def _bounds(lo: float | None, hi: float | None) -> tuple[float, float]:
    """clip's (lo, hi) as floats, a missing bound being infinite; at least one is needed
    (as in PyTorch), and neither may be NaN."""
    if lo is None and hi is None:
        raise ValueError("clip: give lo, hi or both (clip(None, None) would do nothing)")
    bounds = []
    for name, bound, missing in (("lo", lo, -np.inf), ("hi", hi, np.inf)):
        if bound is None:
            bounds.append(missing)
            continue
        if isinstance(bound, (bool, np.bool_, complex, np.complexfloating)) \
                or not isinstance(bound, (int, float, np.number)):
            raise TypeError(f"clip: {name} must be a real number or None, got "
                            f"{type(bound).__name__} {bound!r}")
        bound = float(bound)
        if bound != bound:
            raise ValueError(f"clip: {name} is NaN")
        bounds.append(bound)
    lo, hi = bounds
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
    if seed.dtype.kind not in "biuf":
        raise TypeError(f"backward: grad must hold real numbers, got dtype {seed.dtype}"
                        + (" (complex numbers are not supported)" if seed.dtype.kind == "c"
                           else ""))
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


_BASIC = (int, np.integer, slice, type(None), type(Ellipsis))


def _normalise_index(index: object, tensor_type: type[Node]) -> tuple[object, bool]:
    """The index with Tensors, lists and tuples inside it made integer/boolean arrays, and
    whether it is basic (ints, slices, None, ...: it cannot repeat an element).

    numpy's rules: a tuple at the top level holds one index per axis; any other sequence,
    at the top level or inside that tuple (`x[[0, 0]]`, `x[((0, 0),)]`), and a bool are
    advanced indices, whose repeated positions must accumulate in the gradient.
    """
    parts = index if isinstance(index, tuple) else (index,)
    converted = []
    basic = True
    for part in parts:
        if isinstance(part, _BASIC) and not isinstance(part, (bool, np.bool_)):
            converted.append(part)
            continue
        if isinstance(part, tensor_type):
            integers = getattr(part, "_integers", None)  # made from ints or bools
            part = part.data if integers is None else integers
            if part.dtype.kind == "f":
                if not np.all(part == np.round(part)):
                    raise IndexError("getitem: a float tensor used as an index must hold "
                                     "whole numbers")
                part = part.astype(np.int64)
        elif isinstance(part, (list, tuple, bool, np.bool_)):
            try:
                part = np.asarray(part)
            except ValueError as error:  # ragged lists
                raise IndexError(f"getitem: cannot use {part!r} as an index: {error}") \
                    from None
            if part.dtype.kind == "f" and part.size == 0:
                part = part.astype(np.intp)  # [] indexes nothing, as in numpy
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
