"""Sums of arrays that the rules need: back to a shape after broadcasting, and along
one axis of a 2-D array (with the row maximum that softmax subtracts first).

Row and column sums of 2-D float arrays are products with a vector of ones (BLAS
gemv): numpy's ufunc reduction runs its inner loop once per row, or per column, of
the axis it keeps, and with few classes or a bias of a batch that costs several
times the additions (summing a (300, 3) array along either axis takes it about 4x
as many instructions as the product; benchmarks/tensor.py's spiral step).

float32 is summed in float64 and rounded once at the end. Summed in float32 (numpy's
reduction along a non-contiguous axis, or OpenBLAS's sgemv) a (100000, 3) bias
gradient was off by 5e-4 relative, a (4000000, 3) one by 1e-2; with a float64
accumulator the error is the final rounding, below 6e-8 (tests/test_edge_values.py).
Measured here (one thread, (N, 3) float32): the product with float64 ones of a float64
copy is the fastest accurate way for narrow arrays (N = 1e5: 0.19 ms; numpy's reduction
with dtype=float64: 2.3 ms), numpy's reduction with dtype=float64 for wide, large ones
(1e5 x 64: 14 ms against 34 ms); float32 sgemv itself took 0.06 ms, but is not accurate.
"""

from __future__ import annotations

import math

import numpy as np

_ONES: dict[np.dtype, np.ndarray] = {}
_FLOAT64 = np.dtype(np.float64)
_WIDE = 32  # columns from which numpy's float64 reduction beats the copy and gemv
_SMALL = 1 << 18  # elements below which the copy and gemv win at any width


def _short(dtype: np.dtype) -> bool:
    """float32 and float16: summed with a float64 accumulator."""
    return dtype is not _FLOAT64 and dtype.kind == "f" and dtype.itemsize < 8


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched, back to `shape`."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    if grad.shape[lead:] == shape:  # only added leading axes (a bias): the sum has `shape`
        if lead == 1 and grad.ndim == 2:  # a batch of rows (N, K) -> (K,)
            return column_sums(grad)
        return total(grad, tuple(range(lead)), False)
    return total(grad, broadcast_axes(grad.shape, shape), True).reshape(shape)


def total(a: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
    """`a` summed over `axes` (None: all), as np.add.reduce; float32 accumulates in float64."""
    dtype = a.dtype
    if dtype is not _FLOAT64 and _short(dtype):
        return np.add.reduce(a, axes, _FLOAT64, None, keepdims).astype(dtype)
    return np.add.reduce(a, axes, None, None, keepdims)


def surely_finite(a: np.ndarray) -> bool:
    """True if every entry of `a` is finite, told by one dot product a . a: NaN and inf
    always survive it (its terms are squares: no inf - inf), and BLAS computes it at
    about half the cost of a ufunc sum, without an isfinite mask. False means look: a
    NaN/inf, or finite entries above ~1e154 whose squares overflowed. Never makes numpy
    warn (BLAS sets no numpy error flags; a sum of huge finite numbers printed an
    overflow warning). An empty array is finite (its product is 0)."""
    return math.isfinite(np.vdot(a, a))


def broadcast_to(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A read-only view of `a` broadcast to `shape`, as np.broadcast_to makes, built
    directly (numpy's own walks Python code and an nditer: ~6 us against ~1 us, paid by
    every backward pass through a sum)."""
    if a.shape == shape:
        return a
    lead = len(shape) - a.ndim
    if a.size == 1 and lead >= 0:  # one number for every entry (a full sum's gradient)
        out = np.ndarray(shape, a.dtype, a, 0, (0,) * len(shape))
        out.flags.writeable = False
        return out
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
    dtype = a.dtype
    if dtype.kind != "f":
        return np.add.reduce(a, axis=0)
    if dtype is not _FLOAT64 and _short(dtype):  # float64 accumulator (module docstring)
        if a.shape[1] < _WIDE or a.size < _SMALL:
            return (_ones(a.shape[0], _FLOAT64) @ a.astype(_FLOAT64)).astype(dtype)
        return total(a, 0, False)
    return _ones(a.shape[0], dtype) @ a


def row_sums(a: np.ndarray) -> np.ndarray:
    """a (N, K) summed along each row -> (N,); np.add.reduce for non-float dtypes."""
    dtype = a.dtype
    if dtype.kind != "f":
        return np.add.reduce(a, axis=1)
    if dtype is not _FLOAT64 and _short(dtype):  # accumulated in float64
        return (a.astype(_FLOAT64) @ _ones(a.shape[1], _FLOAT64)).astype(dtype)
    return a @ _ones(a.shape[1], dtype)


def row_max(z: np.ndarray) -> np.ndarray:
    """max over axis 1 of a 2-D array as an (N, 1) column; the same numbers as
    np.max(z, 1, keepdims=True), NaN included.

    A ufunc reduction calls its inner loop once per output row along the reduced axis,
    which for a few classes costs more than the comparisons; when there are more rows
    than classes, reducing the transposed copy along axis 0 makes C long calls instead.
    """
    n, width = z.shape
    if n > width:
        return np.maximum.reduce(z.T.copy(), axis=0)[:, None]
    return np.maximum.reduce(z, axis=1, keepdims=True)
