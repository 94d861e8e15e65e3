"""More elementwise primitives for both engines: trigonometric, log1p/expm1, the error
function, rounding, hardtanh. Same table and rule signatures as `autograd.ops`; the
backend functions they use are entered by `autograd.backends_math`.

Each is a primitive because composing it would be wrong or wasteful: sin, cos and erf
are elementary; log(1 + x) and exp(x) - 1 lose every digit of a small x that log1p and
expm1 keep; erfc(x) is 1 - erf(x) without the cancellation that leaves gelu's tail 0;
rounding has no composition; hardtanh's gradient differs from clip's at the bounds; and
softsign composed as x / (1 + |x|) has the derivative 1/(1 + |x|) - |x|/(1 + |x|)^2, which
cancels for large |x| (six digits lost at 1e10).
"""

from __future__ import annotations

import math

from autograd import backends_math  # noqa: F401 - enters m.sin, m.erf, ... on the backends
from autograd.table import define

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

SIN = define("sin", lambda m, c, a: m.sin(a),
             lambda m, c, n, g, out, a: (g * m.cos(a),), elementwise=True)
COS = define("cos", lambda m, c, a: m.cos(a),
             lambda m, c, n, g, out, a: (-(g * m.sin(a)),), elementwise=True)
# log(1 + a) for a >= -1 (log's domain, shifted): log1p(-1) = -inf and its derivative
# inf there, the pole, as log's at 0 (IEEE 754, PyTorch; m.div divides by 0 as IEEE).
LOG1P = define("log1p", lambda m, c, a: m.log1p(a),
               lambda m, c, n, g, out, a: (m.div(g, 1 + a),),
               check=lambda m, c, a: m.check_at_least("log1p", a, -1.0), elementwise=True)
# exp(a) - 1. Its derivative exp(a) is computed again, not as out + 1: for a << 0 that
# sum cancels (expm1(-20) + 1 keeps 8 of 16 digits of exp(-20)).
EXPM1 = define("expm1", lambda m, c, a: m.expm1(a),
               lambda m, c, n, g, out, a: (g * m.exp(a),), elementwise=True)
# erf'(a) = 2/sqrt(pi) exp(-a^2); erfc = 1 - erf, computed without the cancellation.
# a is clipped to +-1e18 first: exp(-a^2) is already 0 there (in float32 too), and a^2
# of a larger a would overflow (to inf, and exp(-inf) = 0, but with numpy's warning).
_GAUSS_CLIP = 1e18


def _gauss(m, a):
    """2/sqrt(pi) exp(-a^2), without overflow."""
    b = m.clip(a, -_GAUSS_CLIP, _GAUSS_CLIP)
    return _TWO_OVER_SQRT_PI * m.exp(-(b * b))


ERF = define("erf", lambda m, c, a: m.erf(a),
             lambda m, c, n, g, out, a: (g * _gauss(m, a),), elementwise=True)
ERFC = define("erfc", lambda m, c, a: m.erfc(a),
              lambda m, c, n, g, out, a: (-(g * _gauss(m, a)),), elementwise=True)

# Piecewise constant: the gradient is 0 everywhere, also at the jumps, as in PyTorch
# (the node stays in the graph, so x.floor().sum().backward() gives x.grad == 0).
SIGN = define("sign", lambda m, c, a: m.signum(a),
              lambda m, c, n, g, out, a: (m.zeros_like(a),), elementwise=True)
FLOOR = define("floor", lambda m, c, a: m.floor(a),
               lambda m, c, n, g, out, a: (m.zeros_like(a),), elementwise=True)
CEIL = define("ceil", lambda m, c, a: m.ceil(a),
              lambda m, c, n, g, out, a: (m.zeros_like(a),), elementwise=True)
ROUND = define("round", lambda m, c, a: m.round(a),  # half to even
               lambda m, c, n, g, out, a: (m.zeros_like(a),), elementwise=True)

# hardtanh: clip into [lo, hi] = ctx, but the gradient passes only strictly inside
# (lo < a < hi), as PyTorch's hardtanh (and relu6); clip passes it at the bounds too. At
# NaN it is 0, as clip's and as PyTorch's vectorized kernel (its scalar one gives 1, so a
# PyTorch tensor of 8 NaNs gets 0 and one of 1 NaN gets 1; docs/conventions.md).
HARDTANH = define("hardtanh", lambda m, c, a: m.clip(a, c[0], c[1]),
                  lambda m, c, n, g, out, a: (g * m.between(a, c[0], c[1]),),
                  elementwise=True)

# softsign a / (1 + |a|), with its limits +-1 at +-inf; d/da = 1 / (1 + |a|)^2, divided
# twice (squaring 1 + |a| overflows for |a| > 1e154).
SOFTSIGN = define("softsign", lambda m, c, a: m.softsign(a),
                  lambda m, c, n, g, out, a: (g / (1 + m.abs(a)) / (1 + m.abs(a)),),
                  elementwise=True)
