"""The symbolic oracle: each elementwise primitive of the table as a sympy expression.

`SYMBOLIC[name](ctx, *symbols)` is the primitive's function; sympy differentiates it to
any order, independently of chainrule's rules. `derivative(name, ctx, point, orders)`
evaluates a partial derivative at a point. A primitive missing here fails
`test_every_elementwise_primitive_has_a_symbolic_form`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp


def _steps(a: sp.Symbol, below: Callable[[int], sp.Expr], reach: int = 60) -> sp.Expr:
    """An integer-valued step function as a Piecewise over [-reach, reach]: the value k
    where below(k) first holds. (sympy cannot differentiate floor and ceiling themselves.)"""
    return sp.Piecewise(*[(k, below(k)) for k in range(-reach, reach)], (sp.nan, True))


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
