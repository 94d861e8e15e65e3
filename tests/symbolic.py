"""The symbolic oracle: each elementwise primitive of the table as a sympy expression.

`SYMBOLIC[name](ctx, *symbols)` is the primitive's function; sympy differentiates it to
any order, independently of chainrule's rules. `derivative(name, ctx, point, orders)`
evaluates a partial derivative at a point. A primitive missing here fails
`test_every_elementwise_primitive_has_a_symbolic_form`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

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
