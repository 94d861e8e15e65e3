"""Sums of arrays that the rules need: back to a shape after broadcasting, and along
one axis of a 2-D array.

Row and column sums of 2-D float arrays are products with a vector of ones (BLAS
gemv): numpy's ufunc reduction runs its inner loop once per row, or per column, of
the axis it keeps, and with few classes or a bias of a batch that costs several
times the additions (summing a (300, 3) array along either axis takes it about 4x
as many instructions as the product; benchmarks/tensor.py's spiral step).
"""

from __future__ import annotations

import numpy as np

_ONES: dict[np.dtype, np.ndarray] = {}


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched, back to `shape`."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    if grad.shape[lead:] == shape:  # only added leading axes (a bias): the sum has `shape`
        if lead == 1 and grad.ndim == 2:  # a batch of rows (N, K) -> (K,)
            return column_sums(grad)
        return np.add.reduce(grad, axis=tuple(range(lead)))
    return grad.sum(axis=broadcast_axes(grad.shape, shape), keepdims=True).reshape(shape)


def broadcast_to(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A read-only view of `a` broadcast to `shape`, as np.broadcast_to makes, built
    directly (numpy's own walks Python code and an nditer: ~6 us against ~1 us, paid by
    every backward pass through a sum)."""
    if a.shape == shape:
        return a
    lead = len(shape) - a.ndim
    if lead < 0 or not a.flags.c_contiguous or any(
            n != 1 and n != m for n, m in zip(a.shape, shape[lead:])):
        return np.broadcast_to(a, shape)  # numpy's checks and message
    strides = (0,) * lead + tuple(0 if n == 1 else stride
                                  for n, stride in zip(a.shape, a.strides))
    out = np.ndarray(shape, a.dtype, a, 0, strides)
    out.flags.writeable = False  # one element stands for many: never write through it
    return out


def expand_dims(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """`a` with a new axis of size 1 at each of the (sorted, non-negative) `axes`."""
    shape = list(a.shape)
    for axis in axes:
        shape.insert(axis, 1)
    return a.reshape(shape)


def broadcast_axes(big: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of `big` that broadcasting `shape` to `big` added or stretched."""
    lead = len(big) - len(shape)
    stretched = tuple(lead + i for i, size in enumerate(shape) if size == 1 and big[lead + i] != 1)
    return tuple(range(lead)) + stretched


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
