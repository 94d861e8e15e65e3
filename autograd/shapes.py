"""Shape functions of the tensor engine, composed from primitives (PyTorch's names):
squeeze/unsqueeze/flatten are reshapes, expand is broadcast_to, flip, split and chunk
are basic indexing, pad is scatter_add (zeros with x placed inside) or indexing,
repeat is reshape + broadcast_to + reshape, tril/triu are `where` with a constant
mask, gather is advanced indexing; one_hot makes a constant.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from autograd.compare import _mask, where
from autograd.tensor import Tensor
from autograd.tensor_args import _axes, _unpack, normalize_axis
from autograd.torch_names import torch_names


def _sizes(sizes: tuple, op: str) -> tuple[int, ...]:
    """f(2, 3) or f((2, 3)) as a tuple of ints."""
    sizes = _unpack(sizes)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in sizes):
        raise TypeError(f"{op}: sizes must be ints, got {sizes}")
    return tuple(int(n) for n in sizes)


# ---------------------------------------------------------------- reshapes
@torch_names
def squeeze(x: Tensor, axis: int | tuple[int, ...] | None = None) -> Tensor:
    """x without its axes of size 1 (all of them, or those in `axis`, which must have size
    1: ValueError otherwise, as numpy; PyTorch skips them silently)."""
    shape = x.data.shape
    if axis is None:
        axes = tuple(a for a, n in enumerate(shape) if n == 1)
    else:
        axes = _axes(axis, x.data.ndim, "squeeze")
        wrong = [a for a in axes if shape[a] != 1]
        if wrong:
            raise ValueError(f"squeeze: axis {wrong[0]} has size {shape[wrong[0]]}, not 1 "
                             f"(shape {shape})")
    return x.reshape(tuple(n for a, n in enumerate(shape) if a not in axes))


@torch_names
def unsqueeze(x: Tensor, axis: int) -> Tensor:
    """x with a new axis of size 1 at `axis` (in [-ndim - 1, ndim], as PyTorch)."""
    axis = normalize_axis(axis, x.data.ndim, "unsqueeze", new=True)
    shape = list(x.data.shape)
    shape.insert(axis, 1)
    return x.reshape(tuple(shape))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """x with the axes start_dim..end_dim (both included) merged into one, as PyTorch;
    a 0-d tensor becomes shape (1,)."""
    shape = x.data.shape
    if not shape:
        return x.reshape(1)
    start = normalize_axis(start_dim, len(shape), "flatten")
    end = normalize_axis(end_dim, len(shape), "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return x.reshape(shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """x broadcast to `shape` (numpy's rules); the gradient is summed back. ValueError for
    shapes that do not broadcast."""
    shape = _sizes((shape,), "broadcast_to")
    try:
        np.broadcast_shapes(x.data.shape, shape)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.data.shape} to {shape}") \
            from None
    if np.broadcast_shapes(x.data.shape, shape) != shape:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.data.shape} to {shape}")
    return x if shape == x.data.shape else Tensor._apply("broadcast_to", (x,), shape)


def expand(x: Tensor, *sizes: int) -> Tensor:
    """PyTorch's expand: broadcast_to, where -1 keeps the size of that axis."""
    sizes = _sizes(sizes, "expand")
    lead = len(sizes) - x.data.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes for a tensor with {x.data.ndim} dims")
    shape = tuple(x.data.shape[i - lead] if n == -1 and i >= lead else n
                  for i, n in enumerate(sizes))
    if any(n < 0 for n in shape):
        raise ValueError(f"expand: -1 is only allowed for existing axes, got {sizes}")
    return broadcast_to(x, shape)


def repeat(x: Tensor, *sizes: int) -> Tensor:
    """PyTorch's repeat (numpy's tile): x copied sizes[i] times along axis i; more sizes
    than axes add leading axes. reshape -> broadcast_to -> reshape, so the gradient of
    each entry is the sum over its copies."""
    sizes = _sizes(sizes, "repeat")
    if len(sizes) < x.data.ndim or any(n < 0 for n in sizes):
        raise ValueError(f"repeat: need one non-negative count per axis (at least "
                         f"{x.data.ndim}), got {sizes}")
    shape = (1,) * (len(sizes) - x.data.ndim) + x.data.shape
    spread = x.reshape(tuple(d for n in shape for d in (1, n)))
    tiled = broadcast_to(spread, tuple(d for r, n in zip(sizes, shape) for d in (r, n)))
    return tiled.reshape(tuple(r * n for r, n in zip(sizes, shape)))


# ---------------------------------------------------------------- indexing
@torch_names
def flip(x: Tensor, axis: int | tuple[int, ...] | None = None) -> Tensor:
    """x reversed along `axis` (None: every axis, as numpy)."""
    axes = _axes(axis, x.data.ndim, "flip")
    return x[tuple(slice(None, None, -1) if a in axes else slice(None)
                   for a in range(x.data.ndim))]


@torch_names
def split(x: Tensor, split_size_or_sections: int | Sequence[int],
          axis: int = 0) -> tuple[Tensor, ...]:
    """Pieces of x along `axis`, as PyTorch: an int gives pieces of that size (the last may
    be smaller), a list gives pieces of those sizes (they must add up to the axis)."""
    axis = normalize_axis(axis, x.data.ndim, "split")
    length = x.data.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: the piece size must be positive, got {size}")
        sizes = [min(size, length - start) for start in range(0, length, size)] or [0]
    else:
        sizes = [int(n) for n in split_size_or_sections]
        if sum(sizes) != length or any(n < 0 for n in sizes):
            raise ValueError(f"split: sizes {sizes} do not add up to {length}, the length "
                             f"of axis {axis}")
    before = (slice(None),) * axis
    starts = np.cumsum([0] + sizes[:-1]).tolist()
    return tuple(x[before + (slice(s, s + n),)] for s, n in zip(starts, sizes))


@torch_names
def chunk(x: Tensor, chunks: int, axis: int = 0) -> tuple[Tensor, ...]:
    """x cut into `chunks` pieces of ceil(n / chunks) along `axis` (fewer when they run
    out, as PyTorch)."""
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    length = x.data.shape[normalize_axis(axis, x.data.ndim, "chunk")]
    return split(x, max(1, -(-length // int(chunks))), axis)


@torch_names
def gather(x: Tensor, axis: int, index: object) -> Tensor:
    """`out[i][j] = x[index[i][j]][j]` for axis 0 (PyTorch's gather, numpy's take_along_axis):
    index has x's number of axes and, on the others, at most x's sizes. One `getitem`, so
    repeated indices accumulate their gradients. IndexError for an index out of range."""
    axis = normalize_axis(axis, x.data.ndim, "gather")
    index = _integer_array(index, "gather")
    if index.ndim != x.data.ndim or any(
            index.shape[a] > x.data.shape[a] for a in range(x.data.ndim) if a != axis):
        raise ValueError(f"gather: an index of shape {index.shape} does not fit a tensor of "
                         f"shape {x.data.shape} along axis {axis}")
    n = x.data.shape[axis]
    if index.size and (index.min() < -n or index.max() >= n):
        raise IndexError(f"gather: index {int(index.max() if index.max() >= n else index.min())}"
                         f" is out of range for axis {axis} of size {n}")
    grid = list(np.ogrid[tuple(slice(k) for k in index.shape)])
    grid[axis] = index
    return x[tuple(grid)]


def _integer_array(index: object, op: str) -> np.ndarray:
    if isinstance(index, Tensor):
        index = getattr(index, "_integers", index.data)
    array = np.asarray(index)
    if array.dtype.kind == "f" and np.all(array == np.round(array)):
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: the index must hold integers, got dtype {array.dtype}")
    return array


# ---------------------------------------------------------------- pad
def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """x padded as PyTorch's F.pad: `pad` gives (before, after) pairs for the last axis
    first, then the one before it, ...; a negative amount crops. mode "constant" fills
    with `value` (a `scatter_add` of x into zeros, plus the fill), "reflect" mirrors
    without repeating the edge, "replicate" repeats it, "circular" wraps around (each an
    indexing of x, so the gradient of an entry copied k times is the sum of k)."""
    amounts = _sizes((pad,), "pad")
    if len(amounts) % 2 or len(amounts) // 2 > x.data.ndim:
        raise ValueError(f"pad: needs (before, after) pairs for at most {x.data.ndim} axes, "
                         f"got {amounts}")
    pairs = {x.data.ndim - 1 - k: amounts[2 * k:2 * k + 2] for k in range(len(amounts) // 2)}
    crop = tuple(slice(max(-pairs[a][0], 0), x.data.shape[a] - max(-pairs[a][1], 0))
                 if a in pairs and min(pairs[a]) < 0 else slice(None)
                 for a in range(x.data.ndim))
    if any(s.start > s.stop for s in crop if s != slice(None)):
        raise ValueError(f"pad: cropping {amounts} leaves less than nothing of {x.data.shape}")
    if crop != (slice(None),) * x.data.ndim:
        x = x[crop]
    pairs = {a: (max(lo, 0), max(hi, 0)) for a, (lo, hi) in pairs.items()}
    if not any(lo or hi for lo, hi in pairs.values()):
        return x
    if mode == "constant":
        return _pad_constant(x, pairs, float(value))
    if mode not in _NUMPY_MODES:
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', "
                         f"got {mode!r}")
    for axis, (lo, hi) in pairs.items():
        n = x.data.shape[axis]
        limit = n - 1 if mode == "reflect" else (n if mode == "circular" else math.inf)
        if max(lo, hi) > limit or n == 0:
            raise ValueError(f"pad: {mode} padding of ({lo}, {hi}) is too large for an axis of "
                             f"size {n}")
        index = np.pad(np.arange(n), (lo, hi), mode=_NUMPY_MODES[mode])
        x = x[(slice(None),) * axis + (index,)]
    return x


_NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_constant(x: Tensor, pairs: dict[int, tuple[int, int]], value: float) -> Tensor:
    shape = tuple(n + sum(pairs.get(a, (0, 0))) for a, n in enumerate(x.data.shape))
    inside = tuple(slice(pairs[a][0], pairs[a][0] + n) if a in pairs else slice(None)
                   for a, n in enumerate(x.data.shape))
    out = Tensor._apply("scatter_add", (x,), (inside, True, shape))
    if value == 0.0:
        return out
    fill = np.full(shape, value, dtype=x.data.dtype)
    fill[inside] = 0.0
    return out + fill


# ---------------------------------------------------------------- triangles, one_hot
def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two axes (entries j <= i + diagonal), zeros elsewhere,
    as a `where` with a constant mask (so inf above the diagonal still gives 0)."""
    return _triangle(x, diagonal, "tril")


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two axes (entries j >= i + diagonal), zeros elsewhere."""
    return _triangle(x, diagonal, "triu")


def _triangle(x: Tensor, diagonal: int, op: str) -> Tensor:
    if x.data.ndim < 2:
        raise ValueError(f"{op}: needs at least 2 axes, got shape {x.data.shape}")
    rows, cols = x.data.shape[-2:]
    lower = np.tri(rows, cols, int(diagonal), dtype=bool)
    keep = lower if op == "tril" else ~np.tri(rows, cols, int(diagonal) - 1, dtype=bool)
    return where(keep, x, 0.0)


def one_hot(indices: object, num_classes: int = -1, dtype: object = None) -> Tensor:
    """A constant of shape indices.shape + (num_classes,) with 1 at each index, 0 elsewhere.

    num_classes=-1 takes the largest index + 1. dtype: float64 by default (PyTorch gives
    int64; a float one multiplies log-probabilities without a cast), or any numpy dtype.
    Raises TypeError for non-integer indices, ValueError for one out of [0, num_classes).
    """
    index = _integer_array(indices, "one_hot")
    if num_classes == -1:
        num_classes = int(index.max()) + 1 if index.size else 0
    if index.size and (index.min() < 0 or index.max() >= num_classes):
        bad = index.min() if index.min() < 0 else index.max()
        raise ValueError(f"one_hot: index {int(bad)} is out of range for {num_classes} classes")
    out = np.zeros(index.shape + (num_classes,), dtype=np.float64 if dtype is None else dtype)
    np.put_along_axis(out, index[..., None], 1, axis=-1)
    return _mask(out) if out.dtype.kind != "f" else Tensor(out)
