"""Elementwise functions of both engines: `autograd.sin(x)` for a `Value` or a `Tensor`
(also `x.sin()`), each one node of the rule table or a short composition of them.

An input that is not a node (a number, a list, an array) becomes a constant Tensor, so
`autograd.sin(np.linspace(0, 3, 4))` works as numpy would, and records nothing.
"""

from __future__ import annotations

from autograd import ops_math  # noqa: F401 - the primitives these functions apply
from autograd.graph import Node
from autograd.tensor import Tensor
from autograd.value import Value

Number = Value | Tensor


def as_node(x: object) -> Value | Tensor:
    """x itself if it is a Value or Tensor, else a constant Tensor made from it."""
    return x if isinstance(x, Node) else Tensor(x)


def _apply(name: str, x: object) -> Number:
    """The elementwise primitive `name` of the table applied to one node."""
    x = as_node(x)
    return type(x)._apply(name, (x,))


def exp(x: object) -> Number:
    """e ** x, elementwise."""
    return _apply("exp", x)


def log(x: object) -> Number:
    """Natural logarithm, elementwise; entries must be non-negative (ValueError), log 0 = -inf."""
    return _apply("log", x)


def tanh(x: object) -> Number:
    """tanh(x), elementwise."""
    return _apply("tanh", x)


def sigmoid(x: object) -> Number:
    """1 / (1 + e ** -x), elementwise, without overflow."""
    return _apply("sigmoid", x)


def relu(x: object) -> Number:
    """max(x, 0), elementwise; the derivative at 0 is 0 (PyTorch's)."""
    return _apply("relu", x)


def abs(x: object) -> Number:
    """|x|, elementwise; the derivative at 0 is 0 (PyTorch's)."""
    return _apply("abs", x)


def sqrt(x: object) -> Number:
    """Square root, elementwise; entries must be non-negative (ValueError)."""
    return _apply("sqrt", x)


def sin(x: object) -> Number:
    """sin(x), x in radians; d/dx = cos(x). sin(±inf) is nan."""
    return _apply("sin", x)


def cos(x: object) -> Number:
    """cos(x), x in radians; d/dx = -sin(x). cos(±inf) is nan."""
    return _apply("cos", x)


def log1p(x: object) -> Number:
    """log(1 + x), exact for tiny x; d/dx = 1 / (1 + x). Entries must be greater than -1
    (ValueError)."""
    return _apply("log1p", x)


def expm1(x: object) -> Number:
    """exp(x) - 1, exact for tiny x; d/dx = exp(x)."""
    return _apply("expm1", x)


def erf(x: object) -> Number:
    """The error function 2/sqrt(pi) int_0^x exp(-t^2) dt; d/dx = 2/sqrt(pi) exp(-x^2)."""
    return _apply("erf", x)


def erfc(x: object) -> Number:
    """1 - erf(x), without cancellation for large x (erfc(10) is 2e-45)."""
    return _apply("erfc", x)


def sign(x: object) -> Number:
    """-1, 0 or 1 by the sign of x (nan for nan); the gradient is 0."""
    return _apply("sign", x)


def floor(x: object) -> Number:
    """The largest integer <= x (as a float); the gradient is 0, as in PyTorch."""
    return _apply("floor", x)


def ceil(x: object) -> Number:
    """The smallest integer >= x (as a float); the gradient is 0, as in PyTorch."""
    return _apply("ceil", x)


def round(x: object) -> Number:
    """x rounded to the nearest integer, halves to even (2.5 -> 2, as numpy and PyTorch);
    the gradient is 0."""
    return _apply("round", x)


def square(x: object) -> Number:
    """x ** 2 (one pow node, as PyTorch's square)."""
    return as_node(x) ** 2


def rsqrt(x: object) -> Number:
    """1 / sqrt(x) = x ** -0.5 (one pow node). Tensors give inf at 0 and nan below, as
    PyTorch; a Value raises there, as its 1 / 0 does."""
    return as_node(x) ** -0.5


def clip(x: object, lo: float | None = None, hi: float | None = None) -> Number:
    """x clamped into [lo, hi] (a missing bound is infinite); the gradient passes where
    lo <= x <= hi, as PyTorch's clamp. Raises ValueError if lo > hi."""
    x = as_node(x)
    if isinstance(x, Tensor):
        return x.clip(lo, hi)
    lo = -float("inf") if lo is None else float(lo)
    hi = float("inf") if hi is None else float(hi)
    if lo > hi:
        raise ValueError(f"clip: lo={lo} is greater than hi={hi}")
    return Value._apply("clip", (x,), (lo, hi))


clamp = clip  # PyTorch's name
