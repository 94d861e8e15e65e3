"""The kinds of numbers the rule table computes with: floats and arrays.

Every rule in the table is written once against a backend `m`: `SCALAR` (Python
floats through `math`, because a numpy call on a float costs ~20x more) or `ARRAY`
(numpy arrays); `autograd.node_backend.NODES` runs the same rules on graph nodes for
`create_graph=True`. A backend supplies the elementary functions, the constant masks
that rules multiply by (where an input is positive, which of two is larger), the
array rules' reshaping and summing, and the domain checks, whose messages differ: a
float names its value, an array says how many entries are bad and where the first is.
"""

from __future__ import annotations

import functools
import math
from types import SimpleNamespace

import numpy as np

from autograd.sums import broadcast_to, expand_dims, unbroadcast
from autograd.windows import col2im, im2col


# ---------------------------------------------------------------- scalars
def _scalar_exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return math.inf


def _scalar_pow(a: float, b: float) -> float:
    """IEEE-style a**b: inf for 0**negative, nan for a negative base and fractional b."""
    try:
        return math.pow(a, b)
    except ValueError:
        return math.inf if a == 0 else math.nan
    except OverflowError:  # negative only for a negative base and an odd exponent
        return -math.inf if a < 0 and b % 2 == 1 else math.inf


def _scalar_scaled_pow(k: float, a: float, e: float) -> float:
    """k * a**e, taking 0 * inf as 0."""
    return k * _scalar_pow(a, e) if k else 0.0


def _scalar_sigmoid(a: float) -> float:
    # Two branches so that exp never overflows.
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _scalar_log_base(a: float) -> float:
    """log(a) as it enters d(a**b)/db = a**b * log(a): 0 at a == 0, nan for a < 0."""
    if a > 0:
        return math.log(a)
    return 0.0 if a == 0 else math.nan


def _scalar_check_log(op: str, a: float) -> None:
    if not a > 0:
        raise ValueError(f"{op}: the argument must be positive, got {a!r}")


def _scalar_check_pow(a: float, b: float) -> None:
    if a == 0 and b < 0:
        raise ZeroDivisionError(f"pow: 0.0 ** {b!r} is undefined (division by zero)")
    if a < 0 and math.isfinite(b) and not float(b).is_integer():
        raise ValueError(f"pow: negative base {a!r} with the non-integer exponent {b!r}")


def _scalar_check_nonnegative(op: str, a: float) -> None:
    if not a >= 0:
        raise ValueError(f"{op}: the argument must be non-negative, got {a!r}")


def _share(a: object, b: object) -> object:
    """d max(a, b) / da: 1 where a > b, 0 where a < b, 1/2 at ties (floats or arrays)."""
    return (a > b) + 0.5 * (a == b)


SCALAR = SimpleNamespace(
    name="scalar",
    exp=_scalar_exp,
    log=math.log,
    tanh=math.tanh,
    sigmoid=_scalar_sigmoid,
    relu=lambda a: a if a > 0 else 0.0,
    abs=abs,
    sqrt=math.sqrt,
    pow=_scalar_pow,
    scaled_pow=_scalar_scaled_pow,
    log_base=_scalar_log_base,
    maximum=max,
    add_n=sum,
    clip=lambda a, lo, hi: min(max(a, lo), hi),
    where=lambda cond, a, b: a if cond else b,
    # constant masks: numbers the gradient is multiplied by, never differentiated
    positive=(0.0).__lt__,  # a > 0, as a bool: g * True is g
    sign=lambda a: (a > 0) - (a < 0),
    inside=lambda a, lo, hi: float(lo <= a <= hi),
    share=_share,
    # domain checks
    check_log=_scalar_check_log,
    check_pow=_scalar_check_pow,
    check_nonnegative=_scalar_check_nonnegative,
)


# ---------------------------------------------------------------- arrays
def _first_index(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


def _array_refuse(op: str, a: np.ndarray, bad: np.ndarray, requirement: str) -> None:
    """Raise if any entry is `bad`, saying how many and where the first one is."""
    if bad.any():
        where = _first_index(bad)
        raise ValueError(
            f"{op}: the argument must be {requirement}, but {int(bad.sum())} of {a.size} "
            f"entries are not; the first is {float(a[where])!r} at index {where}"
        )


def _array_check_log(op: str, a: np.ndarray) -> None:
    _array_refuse(op, a, ~(a > 0), "positive")


def _array_check_nonnegative(op: str, a: np.ndarray) -> None:
    _array_refuse(op, a, ~(a >= 0), "non-negative")


def _array_pow(a: np.ndarray, b) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.power(a, b)


def _array_scaled_pow(k: object, a: np.ndarray, e: object) -> np.ndarray:
    """k * a**e, taking 0 * inf as 0."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = k * np.power(a, e)
    if type(k) is not np.ndarray:  # a constant exponent
        return out if k else np.zeros_like(out)
    return out if k.all() else np.where(k == 0, 0.0, out)


def _array_log_base(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, np.log(np.where(a > 0, a, 1.0)), np.where(a == 0, 0.0, np.nan))


def _array_sigmoid(a: np.ndarray) -> np.ndarray:
    # exp(-logaddexp(0, -a)) never overflows.
    return np.exp(-np.logaddexp(0.0, -a))


def _array_exp(a: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.exp(a)


def _array_check_pow(a: np.ndarray, b) -> None:
    """Arrays follow IEEE (inf, nan), as numpy and PyTorch do."""


def _extreme_share(a: np.ndarray, out: np.ndarray, axes: tuple[int, ...],
                   keepdims: bool) -> np.ndarray:
    """d max(a, axes) / da: 1/k on each of the k entries equal to the extreme, else 0."""
    hits = a == (out if keepdims else np.expand_dims(out, axes))
    return hits / hits.sum(axis=axes, keepdims=True)


def _scatter_add(g: np.ndarray, index: object, basic: bool,
                 shape: tuple[int, ...]) -> np.ndarray:
    """zeros(shape) with g added at `index`; repeated indices accumulate (np.add.at)."""
    out = np.zeros(shape, dtype=g.dtype)
    if basic:  # ints and slices cannot repeat an element
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


ARRAY = SimpleNamespace(
    name="array",
    exp=_array_exp,
    log=np.log,
    tanh=np.tanh,
    sigmoid=_array_sigmoid,
    relu=lambda a: np.maximum(a, 0),
    abs=np.abs,
    sqrt=np.sqrt,
    pow=_array_pow,
    scaled_pow=_array_scaled_pow,
    log_base=_array_log_base,
    maximum=np.maximum,
    add_n=lambda xs: functools.reduce(np.add, xs),
    clip=np.clip,
    where=np.where,
    # constant masks
    positive=lambda a: a > 0,
    sign=np.sign,
    inside=lambda a, lo, hi: (a >= lo) & (a <= hi),
    share=_share,
    extreme_share=_extreme_share,
    # moving and summing gradients between shapes
    unbroadcast=unbroadcast,
    broadcast_to=broadcast_to,
    expand_dims=expand_dims,
    swapaxes=lambda a: a.swapaxes(-1, -2),
    split=lambda g, bounds, axis: tuple(np.split(g, bounds, axis=axis)),
    unstack=lambda g, axis: tuple(np.moveaxis(g, axis, 0)),
    scatter_add=_scatter_add,
    # sliding windows (convolution, pooling)
    im2col=im2col,
    col2im=col2im,
    # domain checks
    check_log=_array_check_log,
    check_pow=_array_check_pow,
    check_nonnegative=_array_check_nonnegative,
)
