"""The functions the rules of `autograd.ops_math` and `autograd.ops_reduce` compute with,
entered on each backend: `SCALAR` (floats, through `math`), `ARRAY` (numpy) and `NODES`
(graph nodes, for create_graph=True).

The backends are namespaces that rule modules extend, as they extend the rule table: the
rules written here use `m.sin`, `m.cumsum`, ... like the core rules use `m.exp`. Scalar
versions follow the arrays' IEEE results (sin(inf) is nan, expm1(1000) is inf) instead
of raising as `math` does, so both engines give the same numbers.
"""

from __future__ import annotations

import math

import numpy as np

from autograd.backends import ARRAY, SCALAR, _array_refuse
from autograd.node_backend import NODES, _apply, _mask, _unary
from autograd.quiet import quiet


# ---------------------------------------------------------------- scalars
def _ieee(function, overflow: float = math.inf):
    """`function` of one float, nan where `math` refuses the argument (sin(inf)) and
    `overflow` where the result is too large (expm1(1000))."""
    def call(a: float) -> float:
        try:
            return function(a)
        except ValueError:
            return math.nan
        except OverflowError:
            return overflow
    call.__name__ = function.__name__
    return call


def _rounding(function):
    """floor/ceil as a float: non-finite inputs kept, and a zero result carrying the
    input's sign, as numpy's (ceil(-0.5) is -0.0)."""
    def call(a: float) -> float:
        if not math.isfinite(a):
            return a
        out = float(function(a))
        return out if out else math.copysign(0.0, a)
    call.__name__ = function.__name__
    return call


def _scalar_signum(a: float) -> float:
    """-1, 0 or 1; nan for nan (numpy's sign; PyTorch gives 0 there)."""
    if a != a:
        return a
    return float((a > 0) - (a < 0))


def _scalar_check_at_least(op: str, a: float, low: float) -> None:
    if a < low:  # NaN passes: NaN in, NaN out
        raise ValueError(f"{op}: the argument must be at least {low:g}, got {a!r}")


def _scalar_log1p(a: float) -> float:
    """log(1 + a); -inf at a = -1, the pole (IEEE 754), where `math` raises."""
    return math.log1p(a) if a != -1.0 else -math.inf


def _scalar_softsign(a: float) -> float:
    return a / (1.0 + abs(a)) if not math.isinf(a) else math.copysign(1.0, a)


SCALAR.sin = _ieee(math.sin)
SCALAR.cos = _ieee(math.cos)
SCALAR.log1p = _scalar_log1p  # its domain is checked first
SCALAR.expm1 = _ieee(math.expm1)
SCALAR.erf = math.erf
SCALAR.erfc = math.erfc
SCALAR.floor = _rounding(math.floor)
SCALAR.ceil = _rounding(math.ceil)
SCALAR.round = lambda a: round(a, 0)  # half to even, as numpy and PyTorch; nan/inf kept
SCALAR.signum = _scalar_signum
SCALAR.between = lambda a, lo, hi: float(lo < a < hi)  # the open interval; 0 at NaN
SCALAR.softsign = _scalar_softsign
SCALAR.zeros_like = lambda a: 0.0
SCALAR.check_at_least = _scalar_check_at_least


# ---------------------------------------------------------------- arrays
# A numpy ufunc without warnings for the IEEE results (nan, inf) it returns.
_quiet = quiet(invalid="ignore", over="ignore", divide="ignore")


def _elementwise_math(function):
    """A `math` function of one float applied to every entry (numpy has no erf): libm's
    precision, computed in float64 and returned in the input's dtype. About 0.35 us an
    entry, ten times np.tanh; scipy.special would be faster but is a large dependency
    for two functions."""
    each = np.frompyfunc(function, 1, 1)

    def call(a: np.ndarray) -> np.ndarray:
        a = np.asarray(a)
        return np.asarray(each(a.astype(np.float64)), dtype=a.dtype if a.dtype.kind == "f"
                          else np.float64)
    call.__name__ = function.__name__
    return call


def _array_cumsum(a: np.ndarray, axis: int) -> np.ndarray:
    """Running sums along `axis`; float32 accumulated in float64 (a float32 running sum
    drifts by ~n ulp), then rounded once."""
    if a.dtype == np.float32:
        return np.cumsum(a, axis=axis, dtype=np.float64).astype(np.float32)
    return np.cumsum(a, axis=axis)


@quiet(invalid="ignore")
def _array_softsign(a: np.ndarray) -> np.ndarray:
    out = a / (1 + np.abs(a))
    infinite = np.isinf(a)
    return out if not infinite.any() else np.where(infinite, np.sign(a), out)


def _array_check_at_least(op: str, a: np.ndarray, low: float) -> None:
    _array_refuse(op, a, a < low, f"at least {low:g}")


ARRAY.sin = _quiet(np.sin)
ARRAY.cos = _quiet(np.cos)
ARRAY.log1p = _quiet(np.log1p)  # -inf at -1 without a warning
ARRAY.expm1 = _quiet(np.expm1)
ARRAY.erf = _elementwise_math(math.erf)
ARRAY.erfc = _elementwise_math(math.erfc)
ARRAY.floor = np.floor
ARRAY.ceil = np.ceil
ARRAY.round = np.round  # half to even
ARRAY.signum = np.sign
ARRAY.between = lambda a, lo, hi: (a > lo) & (a < hi)
ARRAY.softsign = _array_softsign
ARRAY.zeros_like = np.zeros_like
ARRAY.cumsum = _array_cumsum
ARRAY.check_at_least = _array_check_at_least


# ---------------------------------------------------------------- graph nodes
for _name in ("sin", "cos", "log1p", "expm1", "erf", "erfc", "floor", "ceil", "round",
              "softsign"):
    setattr(NODES, _name, _unary(_name))
NODES.signum = _unary("sign")
NODES.between = _mask("between")
NODES.zeros_like = lambda a: 0.0  # a constant: the engine makes it a node of a's shape
NODES.cumsum = lambda a, axis: _apply("cumsum", a, ctx=axis)
