"""Elementwise functions of both engines: `autograd.sin(x)` for a `Value` or a `Tensor`
(also `x.sin()`), each one node of the rule table or a short composition of them.

An input that is not a node (a number, a list, an array) becomes a constant Tensor, so
`autograd.sin(np.linspace(0, 3, 4))` works as numpy would, and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from autograd import ops_math  # noqa: F401 - the primitives these functions apply
from autograd.graph import Node
from autograd.tensor import Tensor
from autograd.value import Value

Number = Value | Tensor


def as_node(x: object) -> Value | Tensor:
    """x itself if it is a Value or Tensor, else a constant Tensor made from it."""
    return x if isinstance(x, Node) else Tensor(x)


def _primitive(name: str, doc: str) -> Callable[[object], Number]:
    """The function applying the elementwise primitive `name` to one node."""
    def function(x: object) -> Number:
        x = as_node(x)
        return type(x)._apply(name, (x,))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


exp = _primitive("exp", "e ** x, elementwise.")
log = _primitive("log", "Natural logarithm, elementwise; entries must be positive (ValueError).")
tanh = _primitive("tanh", "tanh(x), elementwise.")
sigmoid = _primitive("sigmoid", "1 / (1 + e ** -x), elementwise, without overflow.")
relu = _primitive("relu", "max(x, 0), elementwise; the derivative at 0 is 0 (PyTorch's).")
abs = _primitive("abs", "|x|, elementwise; the derivative at 0 is 0 (PyTorch's).")
sqrt = _primitive("sqrt", "Square root, elementwise; entries must be non-negative (ValueError).")
sin = _primitive("sin", "sin(x), x in radians; d/dx = cos(x). sin(±inf) is nan.")
cos = _primitive("cos", "cos(x), x in radians; d/dx = -sin(x). cos(±inf) is nan.")
log1p = _primitive("log1p", "log(1 + x), exact for tiny x; d/dx = 1 / (1 + x). "
                            "Entries must be greater than -1 (ValueError).")
expm1 = _primitive("expm1", "exp(x) - 1, exact for tiny x; d/dx = exp(x).")
erf = _primitive("erf", "The error function 2/sqrt(pi) int_0^x exp(-t^2) dt; "
                        "d/dx = 2/sqrt(pi) exp(-x^2).")
erfc = _primitive("erfc", "1 - erf(x), without cancellation for large x (erfc(10) is 2e-45).")
sign = _primitive("sign", "-1, 0 or 1 by the sign of x (nan for nan); the gradient is 0.")
floor = _primitive("floor", "The largest integer <= x (as a float); the gradient is 0, as in "
                            "PyTorch.")
ceil = _primitive("ceil", "The smallest integer >= x (as a float); the gradient is 0, as in "
                          "PyTorch.")
round = _primitive("round", "x rounded to the nearest integer, halves to even (2.5 -> 2, "
                            "as numpy and PyTorch); the gradient is 0.")


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
