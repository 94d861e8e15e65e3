"""Reductions composed from primitives: logsumexp, var/std, prod, argmax/argmin, cumsum,
and max/min with their indices. Tensors reduce along `axis` (None: all, an int, or a
tuple); the scalar engine takes a list of Values instead (like `Value.sum`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from autograd import ops_reduce  # noqa: F401 - the cumsum primitive
from autograd.compare import _mask, where
from autograd.graph import scope
from autograd.tensor import Tensor, concatenate
from autograd.tensor_args import _axes
from autograd.torch_names import torch_names
from autograd.value import Value

Axis = int | tuple[int, ...] | None


def _values(xs: Sequence[object], op: str) -> list[Value]:
    """A list of Values (numbers among them become constants); ValueError if empty."""
    values = [v if isinstance(v, Value) else Value(v) for v in xs]
    if not values:
        raise ValueError(f"{op}: needs at least one value")
    return values


def _count(x: Tensor, axes: tuple[int, ...]) -> int:
    return math.prod(x.data.shape[a] for a in axes)


# ---------------------------------------------------------------- logsumexp
@torch_names
def logsumexp(x: Tensor | Sequence[Value], axis: Axis = None,
              keepdims: bool = False) -> Tensor | Value:
    """log(sum(exp(x))) along `axis`, computed stably as m + log(sum(exp(x - m))).

    m, the maximum, is held constant (the result does not depend on it, so the gradient,
    softmax(x), stays exact); where it is not finite it is 0, so a +inf entry gives +inf.
    A slice whose entries are all -inf (or that is empty) gives -inf with gradient 0
    (PyTorch: nan); NaN gives NaN. A list of Values reduces to one Value.
    """
    if not isinstance(x, Tensor):
        values = _values(x, "logsumexp")
        with scope("logsumexp"):
            top = max(v.data for v in values)
            top = top if math.isfinite(top) else 0.0
            total = Value.sum([(v - top).exp() for v in values])
            return _log_mass(total, top)
    axes = _axes(axis, x.data.ndim, "logsumexp")
    with scope("logsumexp"):
        if x.data.size and _count(x, axes):
            top = x.data.max(axis=axes, keepdims=True)
            shift = np.where(np.isfinite(top), top, 0).astype(x.data.dtype)
        else:  # an empty slice: no maximum, its sum is 0
            shift = np.zeros([1 if a in axes else n for a, n in enumerate(x.data.shape)],
                             x.data.dtype)
        total = (x - shift).exp().sum(axis=axes, keepdims=True)
        out = _log_mass(total, shift)
        if keepdims:
            return out
        return out.reshape(tuple(n for a, n in enumerate(out.data.shape) if a not in axes))


def _log_mass(total: Tensor | Value, shift: object) -> Tensor | Value:
    """log(total) + shift, with -inf where total is 0 and NaN where it is NaN (log itself
    refuses both); the extra `where` nodes appear only when such entries exist."""
    data = np.asarray(total.data)
    positive = data > 0
    if np.all(positive):
        return total.log() + shift
    fill = np.where(data == 0, -np.inf, np.nan)
    safe = where(positive, total, 1.0)
    return where(positive, safe.log() + shift, fill if fill.ndim else float(fill))


# ---------------------------------------------------------------- moments
@torch_names
def var(x: Tensor | Sequence[Value], axis: Axis = None, correction: int = 1,
        keepdims: bool = False) -> Tensor | Value:
    """sum((x - mean(x))^2) / (n - correction) along `axis`: correction=1 is the unbiased
    sample variance (PyTorch's default), 0 the population variance (numpy's default).

    Two passes (the mean first), so no precision is lost to cancellation. Raises
    ValueError when n - correction <= 0 (PyTorch returns inf or nan there).
    """
    with scope("var"):
        return _var(x, axis, correction, keepdims, "var")


@torch_names
def std(x: Tensor | Sequence[Value], axis: Axis = None, correction: int = 1,
        keepdims: bool = False) -> Tensor | Value:
    """sqrt(var(x, axis, correction)); its gradient is nan where the variance is 0 (as in
    PyTorch: the square root has an infinite slope there)."""
    with scope("std"):
        return _var(x, axis, correction, keepdims, "std").sqrt()


def _var(x: Tensor | Sequence[Value], axis: Axis, correction: int, keepdims: bool,
         op: str) -> Tensor | Value:
    if not isinstance(x, Tensor):
        values = _values(x, op)
        dof = _dof(len(values), correction, op)
        mean = Value.sum(values) * (1.0 / len(values))
        deviations = [v - mean for v in values]
        return Value.sum(Value.products(deviations, deviations)) * (1.0 / dof)
    axes = _axes(axis, x.data.ndim, op)
    dof = _dof(_count(x, axes), correction, op)
    d = x - x.mean(axis=axes, keepdims=True)
    return (d * d).sum(axis=axes, keepdims=keepdims) * (1.0 / dof)


def _dof(n: int, correction: object, op: str) -> int | float:
    if isinstance(correction, bool) or not isinstance(correction, (int, float, np.integer,
                                                                   np.floating)):
        raise TypeError(f"{op}: correction must be a number, got {correction!r}")
    dof = n - correction
    if not dof > 0:
        raise ValueError(f"{op}: {n} entries with correction={correction} leave {dof} degrees "
                         f"of freedom; need more than 0")
    return dof


# ---------------------------------------------------------------- prod
@torch_names
def prod(x: Tensor | Sequence[Value], axis: Axis = None,
         keepdims: bool = False) -> Tensor | Value:
    """The product along `axis`, as a tree of elementwise multiplications: log2(n) levels,
    each `mul`'s exact rule, so zeros are handled (the gradient at a single 0 is the
    product of the others) and second derivatives follow. An empty product is 1."""
    with scope("prod"):
        if not isinstance(x, Tensor):
            values = _values(x, "prod")
            while len(values) > 1:
                pairs = Value.products(values[0:-1:2], values[1::2])
                values = pairs + values[len(pairs) * 2:]
            return values[0]
        axes = _axes(axis, x.data.ndim, "prod")
        kept = [a for a in range(x.data.ndim) if a not in axes]
        n = _count(x, axes)
        out_shape = tuple(1 if a in axes else x.data.shape[a] for a in range(x.data.ndim))
        if n == 0:
            flat = x.sum(axis=axes, keepdims=True) * 0.0 + 1.0
        else:
            flat = x if kept + list(axes) == list(range(x.data.ndim)) else x.transpose(*kept, *axes)
            flat = flat.reshape(*(x.data.shape[a] for a in kept), n)
            while flat.data.shape[-1] > 1:
                size = flat.data.shape[-1]
                half = size // 2
                paired = flat[..., :half] * flat[..., half:2 * half]
                flat = concatenate([paired, flat[..., -1:]], axis=-1) if size % 2 else paired
            flat = flat.reshape(out_shape)
        if keepdims:
            return flat
        return flat.reshape(tuple(x.data.shape[a] for a in kept))


# ---------------------------------------------------------------- indices
@torch_names
def argmax(x: Tensor | Sequence[Value], axis: int | None = None,
           keepdims: bool = False) -> Tensor | int:
    """Index of the largest entry along `axis` (None: of the flattened tensor), the first at
    ties, a NaN counting as largest (as PyTorch): a constant int64 Tensor, no gradient.
    A list of Values gives an int."""
    return _arg(np.argmax, "argmax", x, axis, keepdims)


@torch_names
def argmin(x: Tensor | Sequence[Value], axis: int | None = None,
           keepdims: bool = False) -> Tensor | int:
    """Index of the smallest entry along `axis`; see argmax."""
    return _arg(np.argmin, "argmin", x, axis, keepdims)


def _arg(function, op: str, x: object, axis: int | None, keepdims: bool) -> Tensor | int:
    if not isinstance(x, Tensor):
        return int(function([v.data for v in _values(x, op)]))
    if x.data.ndim == 0:  # one entry: index 0 whichever axis
        axis = None
    if axis is not None:
        (axis,) = _axes(_one_axis(axis, op), x.data.ndim, op) or (0,)
    if x.data.size == 0 or (axis is not None and x.data.shape[axis] == 0):
        raise ValueError(f"{op}: cannot take the {op} of an empty axis (shape {x.shape})")
    return _mask(function(x.data, axis=axis, keepdims=keepdims))


def _one_axis(axis: object, op: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    return int(axis)


class ValuesIndices(NamedTuple):
    """What max/min(axis, return_indices=True) return, as PyTorch's torch.return_types.max."""

    values: Tensor
    indices: Tensor


def extreme_with_indices(x: Tensor, op: str, axis: int | None,
                         keepdims: bool) -> ValuesIndices:
    """(values, indices) of max or min along one axis, as PyTorch's max(dim): the values
    are the entries the indices name (a `getitem`), so the gradient goes to that entry
    only, the first at ties (the plain max/min split it among the ties instead)."""
    indices = _arg(np.argmax if op == "max" else np.argmin, op, x, axis, True)
    if axis is None:
        values = x.reshape(-1)[indices.data.reshape(-1)].reshape(indices.data.shape)
    else:
        (axis,) = _axes(axis, x.data.ndim, op) or (0,)
        grid = list(np.ogrid[tuple(slice(n) for n in indices.data.shape)])
        grid[axis] = indices.data
        values = x[tuple(grid)]
    if not keepdims:
        shape = () if axis is None else tuple(n for a, n in enumerate(values.data.shape)
                                              if a != axis)
        values = values.reshape(shape)
        indices = _mask(indices.data.reshape(shape))
    return ValuesIndices(values, indices)


# ---------------------------------------------------------------- cumsum
@torch_names
def cumsum(x: Tensor | Sequence[Value], axis: int = 0) -> Tensor | list[Value]:
    """Running sums along `axis`: out[..., i] = x[..., 0] + ... + x[..., i] (one `cumsum`
    node; float32 accumulated in float64). A list of Values gives the list of partial
    sums, each one `add` node."""
    if not isinstance(x, Tensor):
        values = _values(x, "cumsum")
        sums = [values[0]]
        for v in values[1:]:
            sums.append(sums[-1] + v)
        return sums
    (axis,) = _axes(_one_axis(axis, "cumsum"), x.data.ndim, "cumsum") or (0,)
    if x.data.ndim == 0:
        return x.reshape(())
    return Tensor._apply("cumsum", (x,), axis)
