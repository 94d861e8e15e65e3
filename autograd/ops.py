"""The elementwise primitives of both engines: each forward and its local derivative
side by side, once (the table and the rule signatures: `autograd.table`).

A rule's gradient is built only from arithmetic operators and `m` functions, so the
same line serves floats (`Value`), arrays (`Tensor`) and graph nodes
(`create_graph=True`, where the gradient is itself a graph to differentiate again).
Conditions on the inputs (is it positive, which is larger) are `m` masks: constants
of the gradient, never differentiated.

`elementwise=True`: inputs broadcast, so the tensor engine sums each gradient back to
its input's shape. `reads_inputs=False`: backward never looks at the inputs (only at
how many there are, `len(needs)`), so the scalar engine does not gather their floats.
"""

from __future__ import annotations

import operator

from autograd.table import PRIMITIVES, Primitive, define, infix  # noqa: F401 - the table's old home

# (m, ctx, a, b) -> out          (m, ctx, needs, g, out, a, b) -> (da, db)
# infix(operator.add): forward(m, ctx, a, b) = a + b, callable by an engine as the operator.
ADD = define("add", infix(operator.add),
             lambda m, c, n, g, out, a, b: (g, g), elementwise=True)
MUL = define("mul", infix(operator.mul),
             lambda m, c, n, g, out, a, b: (g * b if n[0] else None, g * a if n[1] else None),
             elementwise=True)
# n-ary addition: one node for a whole sum (a neuron's w.x + b) instead of n - 1 adds.
ADD_N = define("add_n", lambda m, c, *xs: m.add_n(xs),
               lambda m, c, n, g, out, *xs: (g,) * len(n), elementwise=True, reads_inputs=False)
NEG = define("neg", infix(operator.neg),
             lambda m, c, n, g, out, a: (-g,), elementwise=True)
# a ** b with both sides in the graph: d/da = b a**(b-1), d/db = a**b log(a).
# `power_rule(a, b)` is b a**(b-1) taken as 0 where b == 0, so d(x**0)/dx is 0 even at
# x = 0, where x**-1 is inf: x**0 is the constant 1. `times_log(out, a, b)` is out * log(a)
# with 0 where a == 0 and b >= 0 (a**b is 0 or 1 there for every nearby b >= 0), -inf
# where a == 0 and b < 0. Both are PyTorch's conventions (docs/conventions.md).
POW = define("pow", lambda m, c, a, b: m.pow(a, b),
             lambda m, c, n, g, out, a, b: (g * m.power_rule(a, b) if n[0] else None,
                                            g * m.times_log(out, a, b) if n[1] else None),
             check=lambda m, c, a, b: m.check_pow(a, b), elementwise=True)
# a ** c for a constant exponent c = ctx.
POW_CONST = define("pow_const", lambda m, c, a: m.pow(a, c),
                   lambda m, c, n, g, out, a: (g * m.power_rule(a, c),),
                   check=lambda m, c, a: m.check_pow(a, c), elementwise=True)
EXP = define("exp", lambda m, c, a: m.exp(a),
             lambda m, c, n, g, out, a: (g * out,), elementwise=True)
# log 0 = -inf and log'(0) = +inf (IEEE, PyTorch); a negative argument is refused.
LOG = define("log", lambda m, c, a: m.log(a),
             lambda m, c, n, g, out, a: (m.div(g, a),),
             check=lambda m, c, a: m.check_log("log", a), elementwise=True)
TANH = define("tanh", lambda m, c, a: m.tanh(a),
              lambda m, c, n, g, out, a: (g * (1 - out * out),), elementwise=True)
# sigmoid'(a) = sigmoid(a) sigmoid(-a): out * (1 - out) cancels for large a (1 - out keeps
# 8 of 16 digits at a = 20), which softplus'' and log_sigmoid'' inherit.
SIGMOID = define("sigmoid", lambda m, c, a: m.sigmoid(a),
                 lambda m, c, n, g, out, a: (g * out * m.sigmoid(-a),), elementwise=True)
# softplus(a) = log(1 + e**a), log_sigmoid(a) = -softplus(-a): smooth everywhere, so they
# have exact rules (sigmoid(a) and sigmoid(-a)) rather than compositions of relu and abs,
# whose kinks at 0 would not cancel (BCEWithLogitsLoss's gradient at z = 0 was off by 1/2).
SOFTPLUS = define("softplus", lambda m, c, a: m.softplus(a),
                  lambda m, c, n, g, out, a: (g * m.sigmoid(a),), elementwise=True)
LOG_SIGMOID = define("log_sigmoid", lambda m, c, a: m.log_sigmoid(a),
                     lambda m, c, n, g, out, a: (g * m.sigmoid(-a),), elementwise=True)
# relu'(0) = 0, as in PyTorch and micrograd; read from the output (0 exactly where the
# input was <= 0), so that NaN passes the gradient on, as in PyTorch.
RELU = define("relu", lambda m, c, a: m.relu(a),
              lambda m, c, n, g, out, a: (g * m.not_zero(out),), elementwise=True)
# abs'(0) = 0 (sign), as in PyTorch.
ABS = define("abs", lambda m, c, a: m.abs(a),
             lambda m, c, n, g, out, a: (g * m.sign(a),), elementwise=True)
# sqrt'(0) = +inf (IEEE, PyTorch); a negative argument is refused.
SQRT = define("sqrt", lambda m, c, a: m.sqrt(a),
              lambda m, c, n, g, out, a: (m.div(g * 0.5, out),),
              check=lambda m, c, a: m.check_nonnegative("sqrt", a), elementwise=True)
# ctx = (lo, hi); the gradient passes where lo <= a <= hi (bounds included), as in PyTorch.
CLIP = define("clip", lambda m, c, a: m.clip(a, c[0], c[1]),
              lambda m, c, n, g, out, a: (g * m.inside(a, c[0], c[1]),), elementwise=True)
# Ties split the gradient evenly between a and b; a NaN on either side passes it to both.
MAXIMUM = define("maximum", lambda m, c, a, b: m.maximum(a, b),
                 lambda m, c, n, g, out, a, b: (g * m.share(a, b) if n[0] else None,
                                                g * m.share(b, a) if n[1] else None),
                 elementwise=True)
# ctx = cond (a bool, or a boolean array broadcasting with a and b): a where cond, else b.
WHERE = define("where", lambda m, c, a, b: m.where(c, a, b),
               lambda m, c, n, g, out, *ab: (m.where(c, g, 0.0) if n[0] else None,
                                             m.where(c, 0.0, g) if n[1] else None),
               elementwise=True, reads_inputs=False)
