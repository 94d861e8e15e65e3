"""The symbolic oracle: each elementwise primitive of the table as a sympy expression.

`SYMBOLIC[name](ctx, *symbols)` is the primitive's function; sympy differentiates it to
any order, independently of chainrule's rules. `derivative(name, ctx, point, orders)`
evaluates a partial derivative at a point. A primitive missing here fails
`test_every_elementwise_primitive_has_a_symbolic_form`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import sympy as sp


def _steps(a: sp.Symbol, below: Callable[[int], sp.Expr], reach: int = 60) -> sp.Expr:
    """An integer-valued step function as a Piecewise over [-reach, reach]: the value k
    where below(k) first holds. (sympy cannot differentiate floor and ceiling themselves.)"""
    return sp.Piecewise((sp.nan, a < -reach), *[(k, below(k)) for k in range(-reach, reach)],
                        (sp.nan, True))


SYMBOLIC: dict[str, Callable[..., sp.Expr]] = {
    "add": lambda c, a, b: a + b,
    "mul": lambda c, a, b: a * b,
    "add_n": lambda c, *xs: sp.Add(*xs),
    "neg": lambda c, a: -a,
    "pow": lambda c, a, b: a ** b,
    "pow_const": lambda c, a: a ** sp.nsimplify(c),
    "exp": lambda c, a: sp.exp(a),
    "log": lambda c, a: sp.log(a),
    "tanh": lambda c, a: sp.tanh(a),
    "sigmoid": lambda c, a: 1 / (1 + sp.exp(-a)),
    "softplus": lambda c, a: sp.log(1 + sp.exp(a)),
    "log_sigmoid": lambda c, a: -sp.log(1 + sp.exp(-a)),
    "relu": lambda c, a: sp.Max(a, 0),
    "abs": lambda c, a: sp.Abs(a),
    "sqrt": lambda c, a: sp.sqrt(a),
    "clip": lambda c, a: sp.Min(sp.Max(a, c[0]), c[1]),
    "maximum": lambda c, a, b: sp.Max(a, b),
    "where": lambda c, a, b: a if c else b,
    "sin": lambda c, a: sp.sin(a),
    "cos": lambda c, a: sp.cos(a),
    "log1p": lambda c, a: sp.log(1 + a),
    "expm1": lambda c, a: sp.exp(a) - 1,
    "erf": lambda c, a: sp.erf(a),
    "erfc": lambda c, a: sp.erfc(a),
    # piecewise constant: derivatives 0 away from the jumps (DiracDelta terms at them)
    "sign": lambda c, a: sp.sign(a),
    "floor": lambda c, a: _steps(a, lambda k: a < k + 1),
    "ceil": lambda c, a: _steps(a, lambda k: a <= k),
    "round": lambda c, a: _steps(a, lambda k: a < k + sp.Rational(1, 2)),  # away from halves
    "hardtanh": lambda c, a: sp.Min(sp.Max(a, c[0]), c[1]),
    "softsign": lambda c, a: a / (1 + sp.Abs(a)),
}


def derivative(name: str, ctx: object, point: Sequence[float], orders: Sequence[int]) -> float:
    """d^(sum orders) f / d x_0^orders[0] d x_1^orders[1] ... at `point`, as a float."""
    symbols = sp.symbols(f"x0:{len(point)}", real=True)
    expr = SYMBOLIC[name](ctx, *symbols)
    for symbol, order in zip(symbols, orders):
        if order:
            expr = sp.diff(expr, symbol, order)
    value = expr.subs(dict(zip(symbols, map(sp.Float, point))))
    return float(sp.N(value))


# ---------------------------------------------------------------- the edge-value grid
# Points where arithmetic is delicate: zeros of both signs, +-1, a fraction, the tiniest
# and hugest magnitudes of the dtype (normal numbers), infinities and NaN. Pairs of them
# include exact ties (a == b) and exact zeros of an exponent (b == 0).
def edge_grid(dtype: str = "float64") -> list[float]:
    """The edge values for one dtype, as Python floats that the dtype holds exactly (so
    that sympy's truth is taken at the very input the engines get: 1e37 is not a float32,
    and sin at the nearest float32 is another number)."""
    tiny, huge = (1e-300, 1e300) if dtype == "float64" else (1e-37, 1e37)
    grid = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0, tiny, -tiny, huge, -huge,
            math.inf, -math.inf, math.nan]
    return [float(np.dtype(dtype).type(x)) for x in grid]


# Constants (ctx) that matter at the edges, beyond each primitive's case in
# tests/test_rule_table.py: the exponent 0 and negative exponents of pow, ties of clip.
EDGE_CONTEXTS: dict[str, list] = {
    "pow_const": [0.0, 1.0, 2.0, 3.0, 0.5, -0.5, -1.0, -2.0, 2.5],
    "clip": [(-0.5, 0.5), (0.0, 0.0), (-math.inf, 0.0), (0.0, math.inf)],
    "hardtanh": [(-0.5, 0.5), (0.0, 0.0), (-1.0, 1.0)],
}

_NONSMOOTH = (sp.Heaviside, sp.sign, sp.Abs, sp.Max, sp.Min, sp.Piecewise, sp.DiracDelta)
# Kinks sympy cannot see because it simplifies them away: clip(x, c, c) is the constant c,
# but x == c is where both of its pieces switch (PyTorch's convention gives 1 there).
KINKS: dict[str, Callable[..., bool]] = {"clip": lambda c, x: x in c,
                                         "hardtanh": lambda c, x: x in c}


_DIGITS = 400  # the points' precision: 1 + 1e-300 is not 1 (log1p, expm1 at tiny x)
_STEP = sp.Float(10.0 ** -30, _DIGITS)


def _exact(x: float) -> sp.Float:
    """A float as a sympy number that holds it exactly, with room for 1 + x."""
    return sp.Float(x, _DIGITS)


def _subs(expr: sp.Expr, values: dict) -> sp.Expr:
    """expr at the point; nan where mpmath cannot evaluate it (erfc(1e300) overflows
    inside mpmath): undecided, so PyTorch is the oracle there."""
    try:
        return expr.subs(values)
    except (OverflowError, ValueError, ZeroDivisionError):
        return sp.nan


def _zero(value: sp.Expr) -> bool:
    if value.is_Number:  # decided without simplify
        return bool(value == 0)
    return bool(sp.simplify(value).is_zero)


def _at_kink(exprs: Sequence[sp.Expr], values: dict) -> bool:
    """True if a non-smooth piece of any expression switches exactly at the point."""
    for expr in exprs:
        for atom in expr.atoms(*_NONSMOOTH):
            if isinstance(atom, (sp.Max, sp.Min)):
                args = [_subs(a, values) for a in atom.args]
                if any(_zero(p - q) for i, p in enumerate(args) for q in args[i + 1:]):
                    return True
            elif isinstance(atom, sp.Piecewise):  # a step: another value just beside
                here = _subs(atom, values)
                for step in (_STEP, -_STEP):
                    if _subs(atom, {s: v + step for s, v in values.items()}) != here:
                        return True
            elif _zero(_subs(atom.args[0], values)):
                return True
    return False


def _number(value: sp.Expr) -> float | None:
    """A finite or infinite real as a float; None for nan, zoo or anything complex."""
    if value in (sp.oo, -sp.oo):
        return math.inf if value == sp.oo else -math.inf
    try:
        value = sp.N(value, 30)
    except (OverflowError, ValueError, ZeroDivisionError):  # mpmath's erfc(1e300): undecided
        return None
    if not value.is_real or value.has(sp.zoo, sp.nan):
        return None
    try:
        return float(value)
    except OverflowError:  # beyond float64: what IEEE arithmetic rounds it to
        return math.inf if value > 0 else -math.inf
    except TypeError:  # left unevaluated (a DiracDelta): undecided
        return None


def exact(name: str, ctx: object, point: Sequence[float], orders: Sequence[int]) -> float | None:
    """The exact value of the primitive (orders all 0) or a first partial derivative at
    `point`, from sympy; None where sympy has no single answer: a kink (the value there is
    a convention, docs/conventions.md), a point where the derivative is undefined, or
    non-finite inputs (PyTorch is the oracle there).

    At a pole the value is the limit from the side(s) inside the domain (sqrt'(0) = inf).
    """
    # sympy has no infinities of IEEE's kind, no NaN and no signed zero: PyTorch decides.
    if not all(math.isfinite(x) and (x or math.copysign(1.0, x) > 0) for x in point):
        return None
    if name in KINKS and KINKS[name](ctx, *point):
        return None
    symbols = sp.symbols(f"x0:{len(point)}", real=True)
    function = SYMBOLIC[name](ctx, *symbols)
    expr = function
    for symbol, order in zip(symbols, orders):
        if order:
            expr = sp.diff(expr, symbol, order)
    values = dict(zip(symbols, map(_exact, point)))
    if _at_kink([function, expr], values):
        return None
    direct = _number(_subs(expr, values))
    if direct is not None:
        return direct
    if len(point) != 1:  # a singular point of several variables: PyTorch decides
        return None
    (x,) = symbols
    limits = []
    at = _exact(point[0])
    for side, step in (("+", _STEP), ("-", -_STEP)):
        inside = _number(_subs(function, {x: at + step}))
        if inside is None:  # outside the domain on this side
            continue
        try:
            limits.append(_number(sp.limit(expr, x, at, side)))
        except (OverflowError, ValueError, ZeroDivisionError, NotImplementedError):
            return None
    if not limits or None in limits or len(set(limits)) != 1:
        return None
    return limits[0]
