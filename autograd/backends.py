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
import operator
from types import ModuleType
from typing import Any

import numpy as np

from autograd.quiet import quiet
from autograd.sums import broadcast_to, column_sums, expand_dims, total, unbroadcast
from autograd.windows import col2im, im2col


def backend(name: str, /, **functions: Any) -> ModuleType:
    """A backend named `name`: a namespace holding `functions`, which rules call as
    `m.exp(a)`.

    It is a module object, as `math` is, rather than a SimpleNamespace, because CPython
    3.11 caches attribute lookups on modules and not on namespaces; every rule makes one
    or two (4% of the instructions of a relu chain's backward pass).
    """
    namespace = ModuleType(f"autograd.backends.{name}")
    namespace.__dict__.update(functions, name=name)
    return namespace


# ---------------------------------------------------------------- scalars
# Python floats follow IEEE 754 here, as numpy arrays and PyTorch do: poles give +-inf
# (log 0 = -inf, 0 ** -1 = inf, 1 / 0 = inf), and NaN goes in, NaN comes out. `math`
# raises instead (ValueError, ZeroDivisionError, OverflowError); these wrappers catch it.
# The conventions at singular points are listed in docs/conventions.md.
_INF, _NAN = math.inf, math.nan


def _scalar_exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return _INF


def _scalar_log(a: float) -> float:
    """log a: -inf at 0 and nan below (the domain check refuses a < 0 before)."""
    try:
        return math.log(a)
    except ValueError:
        return -_INF if a == 0 else _NAN


def _scalar_div(a: float, b: float) -> float:
    """a / b as IEEE 754 divides: +-inf for a nonzero a over +-0, nan for 0 / 0."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return _NAN
        return math.copysign(_INF, a) * math.copysign(1.0, b)


def _scalar_pow(a: float, b: float) -> float:
    """a**b as IEEE 754 (and numpy) computes it where `math` raises: +-inf for 0 ** negative
    and on overflow (negative for a negative base, -0.0 included, to an odd power), nan
    for a negative base and a non-integer b."""
    try:
        return math.pow(a, b)
    except ValueError:
        if a == 0:
            return -_INF if _odd(b) and math.copysign(1.0, a) < 0 else _INF
        return _NAN
    except OverflowError:
        return -_INF if a < 0 and _odd(b) else _INF


def _odd(b: float) -> bool:
    return float(b).is_integer() and b % 2 == 1


def _scalar_scaled_pow(k: float, a: float, e: float) -> float:
    """k * a**e, taking 0 * inf as 0."""
    return k * _scalar_pow(a, e) if k else 0.0


def _scalar_power_rule(a: float, b: float) -> float:
    """d(a**b)/da = b * a**(b - 1): 0 where b == 0 (a**0 is the constant 1, even at a = 0
    where a**-1 is inf), and with the sign of a**(b - 1) right for a < 0 where b - 1
    rounds to b (|b| >= 2**53: b is even, b - 1 odd)."""
    if not b:
        return 0.0
    e = b - 1
    if a < 0 and e == b and math.isfinite(b):
        return -b * _scalar_pow(-a, e)
    return b * _scalar_pow(a, e)


def _scalar_times_log(out: float, a: float, b: float) -> float:
    """out * log(a) as it enters d(a**b)/db = a**b log(a): 0 where a == 0 and b >= 0
    (PyTorch's convention: a**b is constant there), -inf where a == 0 and b < 0, nan for
    a < 0."""
    if a > 0:
        return out * math.log(a)
    if a == 0:
        return 0.0 if b >= 0 else out * -_INF
    return _NAN


def _scalar_sigmoid(a: float) -> float:
    # Two branches so that exp never overflows.
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _scalar_softplus(a: float) -> float:
    """log(1 + e**a) = max(a, 0) + log1p(e**-|a|): exact for every a, never overflows."""
    return (a if a > 0 else 0.0) + math.log1p(math.exp(-abs(a)))


def _scalar_log_sigmoid(a: float) -> float:
    """log sigmoid(a) = -softplus(-a) = min(a, 0) - log1p(e**-|a|)."""
    return (a if a < 0 else 0.0) - math.log1p(math.exp(-abs(a)))


def _scalar_maximum(a: float, b: float) -> float:
    """max(a, b) that returns NaN if either is NaN (Python's max depends on the order)."""
    return a if a >= b or a != a else b


def _scalar_check_log(op: str, a: float) -> None:
    if a < 0:
        raise ValueError(f"{op}: the argument must be non-negative (log 0 = -inf), got {a!r}")


def _scalar_check_pow(a: float, b: float) -> None:
    # -inf included: IEEE 754 makes (-inf) ** 0.5 inf, numpy nan; neither is a real limit.
    if a < 0 and math.isfinite(b) and not float(b).is_integer():
        raise ValueError(f"pow: negative base {a!r} with the non-integer exponent {b!r} "
                         f"(the result is not a real number)")


def _scalar_check_nonnegative(op: str, a: float) -> None:
    if a < 0:
        raise ValueError(f"{op}: the argument must be non-negative, got {a!r}")


def _share(a: object, b: object) -> object:
    """d max(a, b) / da: 1 where a > b, 0 where a < b, 1/2 at ties, 1 where either is NaN
    (PyTorch's convention; floats or arrays)."""
    return 1 - (a < b) - 0.5 * (a == b)


SCALAR = backend(
    "scalar",
    exp=_scalar_exp,
    log=_scalar_log,
    tanh=math.tanh,
    sigmoid=_scalar_sigmoid,
    softplus=_scalar_softplus,
    log_sigmoid=_scalar_log_sigmoid,
    relu=lambda a: 0.0 if a <= 0 else a,  # NaN stays NaN
    abs=abs,
    sqrt=math.sqrt,  # the check refuses a < 0; sqrt(nan) is nan
    div=_scalar_div,
    pow=_scalar_pow,
    scaled_pow=_scalar_scaled_pow,
    power_rule=_scalar_power_rule,
    times_log=_scalar_times_log,
    maximum=_scalar_maximum,
    add_n=sum,
    clip=lambda a, lo, hi: min(max(a, lo), hi),  # max(nan, lo) is nan: NaN stays NaN
    where=lambda cond, a, b: a if cond else b,
    # constant masks: numbers the gradient is multiplied by, never differentiated
    positive=(0.0).__lt__,  # a > 0, as a bool: g * True is g
    # relu's mask, read from its output: True where out != 0 (out > 0, or NaN); truth is
    # a plain builtin, half the cost per call of the method (0.0).__ne__
    not_zero=operator.truth,
    sign=lambda a: (a > 0) - (a < 0),  # 0 at 0 and at NaN, as PyTorch's abs' takes it
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
    _array_refuse(op, a, a < 0, "non-negative (log 0 = -inf)")


def _array_check_nonnegative(op: str, a: np.ndarray) -> None:
    _array_refuse(op, a, a < 0, "non-negative")


def _array_check_pow(a: np.ndarray, b: object) -> None:
    """Refuse a negative base with a finite non-integer exponent (not a real number), as
    for floats; 0 ** negative is inf (IEEE, numpy, PyTorch)."""
    if type(b) is not np.ndarray:  # a constant exponent: one test of b
        b = float(b)
        if b.is_integer() or not math.isfinite(b) or not (a < 0).any():
            return
        bad = a < 0
    else:  # comparisons, isfinite and floor never warn, not even at NaN or inf
        bad = (a < 0) & np.isfinite(b) & (b != np.floor(b))
    if not bad.any():
        return
    bad = np.broadcast_to(bad, np.broadcast_shapes(np.shape(a), np.shape(b)))
    where = _first_index(bad)
    base = np.broadcast_to(a, bad.shape)[where]
    exponent = np.broadcast_to(b, bad.shape)[where]
    raise ValueError(f"pow: negative base with a non-integer exponent (not a real number) in "
                     f"{int(bad.sum())} of {bad.size} entries; the first is {float(base)!r} ** "
                     f"{float(exponent)!r} at index {where}")


# IEEE values at poles without numpy's warnings: `quiet`, np.errstate at a fifth of the cost.
@quiet(divide="ignore", invalid="ignore")
def _array_log(a: np.ndarray) -> np.ndarray:
    return np.log(a)


@quiet(divide="ignore", invalid="ignore")
def _array_div(a: object, b: object) -> np.ndarray:
    """a / b as IEEE 754 divides (+-inf, nan for 0 / 0), without numpy's warnings."""
    return np.divide(a, b)


@quiet(divide="ignore", invalid="ignore", over="ignore")
def _array_pow(a: np.ndarray, b) -> np.ndarray:
    return np.power(a, b)


@quiet(divide="ignore", invalid="ignore", over="ignore")
def _array_scaled_pow(k: object, a: np.ndarray, e: object) -> np.ndarray:
    """k * a**e, taking 0 * inf as 0."""
    out = k * np.power(a, e)
    if type(k) is not np.ndarray:  # a constant exponent
        return out if k else np.zeros_like(out)
    return out if k.all() else np.where(k == 0, 0.0, out)


@quiet(divide="ignore", invalid="ignore", over="ignore")
def _array_power_rule(a: np.ndarray, b: object) -> np.ndarray:
    """d(a**b)/da = b * a**(b - 1), as `_scalar_power_rule`: 0 where b == 0, the sign right
    for a < 0 where b - 1 rounds to b."""
    e = b - 1
    out = b * np.power(a, e)
    if type(b) is not np.ndarray:  # a constant exponent: its two cases decided once
        if not b:
            return np.zeros_like(out)
        if e != b or not math.isfinite(b) or not (a < 0).any():
            return out
        return np.where(a < 0, -b * np.power(-a, e), out)
    rounded = (e == b) & np.isfinite(b)
    if rounded.any():
        out = np.where((a < 0) & rounded, -b * np.power(-a, e), out)
    return out if b.all() else np.where(b == 0, 0.0, out)


@quiet(divide="ignore", invalid="ignore", over="ignore")
def _array_times_log(out: np.ndarray, a: np.ndarray, b: object) -> np.ndarray:
    """out * log(a) as it enters d(a**b)/db: 0 where a == 0 and b >= 0 (PyTorch's
    convention), -inf where a == 0 and b < 0, nan for a < 0."""
    product = out * np.log(a)
    zero = (a == 0) & (b >= 0)
    return np.where(zero, 0.0, product) if zero.any() else product


# logaddexp warns at NaN (which it returns, as it should): silenced, as for floats.
@quiet(invalid="ignore")
def _array_sigmoid(a: np.ndarray) -> np.ndarray:
    # exp(-logaddexp(0, -a)) never overflows.
    return np.exp(-np.logaddexp(0.0, -a))


@quiet(invalid="ignore")
def _array_softplus(a: np.ndarray) -> np.ndarray:
    """log(1 + e**a) = logaddexp(a, 0): exact for every a, never overflows."""
    return np.logaddexp(a, 0.0)


@quiet(invalid="ignore")
def _array_log_sigmoid(a: np.ndarray) -> np.ndarray:
    """log sigmoid(a) = -logaddexp(-a, 0)."""
    return -np.logaddexp(-a, 0.0)


@quiet(over="ignore")
def _array_exp(a: np.ndarray) -> np.ndarray:
    return np.exp(a)


def _array_sign(a: np.ndarray) -> np.ndarray:
    """-1, 0 or 1, and 0 at NaN (np.sign gives NaN there; PyTorch's abs' gives 0)."""
    return np.subtract(a > 0, a < 0, dtype=a.dtype)


def _array_matmul_t(a: np.ndarray, b: np.ndarray, transposed: tuple[bool, bool]) -> np.ndarray:
    """a @ b for 2-D a and b, either transposed first where `transposed` says (a view:
    np.matmul hands BLAS the transposed layout, nothing is copied)."""
    return (a.T if transposed[0] else a) @ (b.T if transposed[1] else b)


def _array_sum(a: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """a summed over `axes`; float32 through a float64 accumulator (`sums.total`).

    A batch of rows summed over the batch (N, K) -> (K,) goes through `sums.column_sums`,
    as the bias gradient of the backward pass does (`sums.unbroadcast`): the same numbers
    whether that gradient is an array or a `sum` node (create_graph=True), at a third of
    the cost of numpy's reduction.
    """
    if axes == (0,) and a.ndim == 2 and not keepdims:
        return column_sums(a)
    return total(a, axes, keepdims)


def _extreme_share(a: np.ndarray, out: np.ndarray, axes: tuple[int, ...],
                   keepdims: bool) -> np.ndarray:
    """d max(a, axes) / da: 1/k on each of the k entries equal to the extreme, else 0
    (NaN everywhere along a reduction whose extreme is NaN, as in PyTorch)."""
    hits = a == (out if keepdims else np.expand_dims(out, axes))
    return _array_div(hits, hits.sum(axis=axes, keepdims=True))


def _scatter_add(g: np.ndarray, index: object, basic: bool,
                 shape: tuple[int, ...]) -> np.ndarray:
    """zeros(shape) with g added at `index`; repeated indices accumulate (np.add.at)."""
    out = np.zeros(shape, dtype=g.dtype)
    if basic:  # ints and slices cannot repeat an element
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


ARRAY = backend(
    "array",
    exp=_array_exp,
    log=_array_log,
    tanh=np.tanh,
    sigmoid=_array_sigmoid,
    softplus=_array_softplus,
    log_sigmoid=_array_log_sigmoid,
    relu=lambda a: np.maximum(a, 0),  # NaN stays NaN
    abs=np.abs,
    sqrt=np.sqrt,
    div=_array_div,
    pow=_array_pow,
    scaled_pow=_array_scaled_pow,
    power_rule=_array_power_rule,
    times_log=_array_times_log,
    maximum=np.maximum,  # NaN wins, as in PyTorch
    add_n=lambda xs: functools.reduce(np.add, xs),
    clip=np.clip,
    where=np.where,
    # constant masks
    # 0.0 < a and 0.0 != out, as C calls: no Python frame per mask
    positive=functools.partial(np.less, 0.0),
    not_zero=functools.partial(np.not_equal, 0.0),
    sign=_array_sign,
    inside=lambda a, lo, hi: (a >= lo) & (a <= hi),
    share=_share,
    extreme_share=_extreme_share,
    # moving and summing gradients between shapes
    sum=_array_sum,
    unbroadcast=unbroadcast,
    broadcast_to=broadcast_to,
    expand_dims=expand_dims,
    swapaxes=lambda a: a.swapaxes(-1, -2),
    matmul_t=_array_matmul_t,
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
