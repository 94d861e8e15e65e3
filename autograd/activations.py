"""Activation functions for both engines, composed from primitives (PyTorch's names and
defaults; also reached as `nn.functional.gelu`, ...).

Each runs under a `scope` named after it, so a drawing can fold it into one box. The
compositions are exact where PyTorch's formulas are, keep PyTorch's derivative at each
kink (leaky_relu'(0) = slope, elu'(0) = alpha: the branch for x <= 0), and avoid masks
computed from the data, so a model using them exports to ONNX: `clip(x, hi=0)` is
min(x, 0) with the gradient 1 at 0, where -relu(-x) would give 0.
"""

from __future__ import annotations

import math

from autograd.functions import Number, as_node, clip, erfc, expm1
from autograd.graph import scope
from autograd.quiet import quiet

SELU_ALPHA = 1.6732632423543772848170429916717  # Klambauer et al. (2017), as in PyTorch
SELU_SCALE = 1.0507009873554804934193349852946
_INF = math.inf


def _negative_part(x: Number) -> Number:
    """min(x, 0) as clip(x, hi=0): exact, gradient 1 for x <= 0 (0 included), 0 above."""
    return clip(x, -_INF, 0.0)


def leaky_relu(x: object, negative_slope: float = 0.01) -> Number:
    """x for x > 0, negative_slope * x otherwise: relu(x) + slope * min(x, 0).

    The derivative at 0 is the slope, as in PyTorch.
    """
    x = as_node(x)
    with scope("leaky_relu"):
        return x.relu() + float(negative_slope) * _negative_part(x)


def elu(x: object, alpha: float = 1.0) -> Number:
    """x for x > 0, alpha (exp(x) - 1) otherwise (Clevert et al. 2015):
    relu(x) + alpha expm1(min(x, 0)), exact at both ends (elu(inf) = inf, elu(-inf) = -alpha).

    The derivative at 0 is alpha, as in PyTorch.
    """
    x = as_node(x)
    with scope("elu"):
        return x.relu() + float(alpha) * expm1(_negative_part(x))


def selu(x: object) -> Number:
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al. (2017)."""
    x = as_node(x)
    with scope("selu"):
        return SELU_SCALE * elu(x, SELU_ALPHA)


def celu(x: object, alpha: float = 1.0) -> Number:
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)) (Barron 2017): elu with x / alpha."""
    x = as_node(x)
    alpha = float(alpha)
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    with scope("celu"):
        return x.relu() + alpha * expm1(_negative_part(x) * (1.0 / alpha))


def softplus(x: object, beta: float = 1.0) -> Number:
    """log(1 + exp(beta x)) / beta, a smooth relu (beta > 0; PyTorch's name and default).

    One `softplus` primitive (with a `mul` before and after it for beta != 1), computed
    as logaddexp(z, 0) and differentiated as sigmoid(z): exact for every x, with no
    overflow (softplus(1000) is 1000, softplus(-inf) is 0), and smooth to every order at
    0 too (a composition of relu and abs, or relu and clip, puts kinks there whose
    conventional derivatives must cancel; their second derivatives cannot, see issue 14
    and docs/conventions.md). PyTorch returns x itself where beta x > threshold = 20, an
    approximation that differs from this exact value by at most log1p(exp(-20)) ~ 2e-9.
    Raises ValueError for beta <= 0.
    """
    beta = float(beta)
    if not beta > 0:
        raise ValueError(f"softplus: beta must be positive, got {beta}")
    x = as_node(x)
    if beta == 1.0:
        return type(x)._apply("softplus", (x,))
    with scope("softplus"):
        return type(x)._apply("softplus", (x * beta,)) * (1.0 / beta)


def log_sigmoid(x: object) -> Number:
    """log(sigmoid(x)) = -softplus(-x), exact for every x (log_sigmoid(-1000) is -1000,
    where log(sigmoid(x)) would take the log of 0): one `log_sigmoid` primitive, whose
    rule is sigmoid(-x). PyTorch's F.logsigmoid."""
    x = as_node(x)
    return type(x)._apply("log_sigmoid", (x,))


@quiet(invalid="ignore")
def _gated(x: Number, gate: Number) -> Number:
    """x * gate: nan at x = -inf, where the gate is 0, as PyTorch gives, without a numpy
    warning from inside the composite."""
    return x * gate


def silu(x: object) -> Number:
    """x * sigmoid(x) (also called swish)."""
    x = as_node(x)
    with scope("silu"):
        return _gated(x, x.sigmoid())


_SQRT_HALF = math.sqrt(0.5)
_TANH_SCALE = 2.0 * math.sqrt(2.0 / math.pi)  # the tanh approximation's sqrt(2/pi), doubled


def gelu(x: object, approximate: str = "none") -> Number:
    """x * Phi(x), Phi the standard normal CDF (Hendrycks and Gimpel 2016).

    approximate="none": x * erfc(-x / sqrt(2)) / 2, which is PyTorch's
    x (1 + erf(x / sqrt(2))) / 2 without its cancellation for negative x.
    approximate="tanh": x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2, written as the equal
    x * sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3)), again without the cancellation.
    Raises ValueError for another `approximate`.
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    x = as_node(x)
    with scope("gelu"):
        if approximate == "tanh":
            return _gated(x, ((x + 0.044715 * x ** 3) * _TANH_SCALE).sigmoid())
        return _gated(x, erfc(x * -_SQRT_HALF)) * 0.5


def hardtanh(x: object, min_val: float = -1.0, max_val: float = 1.0) -> Number:
    """x clamped into [min_val, max_val]; the gradient is 1 strictly inside, 0 at and beyond
    the bounds, as PyTorch's hardtanh (clip passes it at the bounds). One primitive node.
    Raises ValueError if min_val > max_val."""
    lo, hi = float(min_val), float(max_val)
    if lo > hi:
        raise ValueError(f"hardtanh: min_val={lo} is greater than max_val={hi}")
    x = as_node(x)
    return type(x)._apply("hardtanh", (x,), (lo, hi))


def relu6(x: object) -> Number:
    """min(max(x, 0), 6): hardtanh(x, 0, 6), with its gradient 0 at 0 and at 6 (PyTorch's)."""
    return hardtanh(x, 0.0, 6.0)


def softsign(x: object) -> Number:
    """x / (1 + |x|), one primitive node: its derivative 1 / (1 + |x|)^2 is computed as such
    (the composition's derivative cancels for large |x|); softsign(+-inf) = +-1 (PyTorch's
    x / (1 + |x|) gives nan)."""
    x = as_node(x)
    return type(x)._apply("softsign", (x,))
