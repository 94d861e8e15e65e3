"""The methods and operators that the functions of `compare`, `functions`, `activations`,
`reductions` and `shapes` add to `Tensor` and `Value`, attached in this one place.

A method here is the module function itself (`Tensor.var is reductions.var`), or for an
elementwise primitive on `Value` the same one-call node maker as `Value.exp`, so the
new methods cost what the old ones do and the old operators are untouched.
"""

from __future__ import annotations

from autograd import activations, compare, functions, reductions, shapes
from autograd.tensor import Tensor
from autograd.value import _OPS, Value, _unary_method

# Elementwise primitives of autograd.ops_math (and sqrt, which Value lacked).
_ELEMENTWISE = ("sin", "cos", "log1p", "expm1", "erf", "erfc", "sign", "floor", "ceil",
                "round", "sqrt")


def _tensor_unary(name: str, doc: str):
    def method(self: Tensor) -> Tensor:
        return Tensor._apply(name, (self,))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return method


def _where_method(self: Tensor | Value, cond: object, other: object) -> Tensor | Value:
    """self where cond holds, else other (PyTorch's x.where(cond, y))."""
    return compare.where(cond, self, other)


def _attach() -> None:
    for name in _ELEMENTWISE:
        doc = getattr(functions, name).__doc__
        if name != "sqrt":
            setattr(Tensor, name, _tensor_unary(name, doc))
        setattr(Value, name, _unary_method(_OPS[name], doc))

    shared = {  # the same function serves both engines as a method
        "square": functions.square, "rsqrt": functions.rsqrt,
        "minimum": compare.minimum, "where": _where_method, "isnan": compare.isnan,
        "isinf": compare.isinf, "isfinite": compare.isfinite,
        "leaky_relu": activations.leaky_relu, "gelu": activations.gelu,
        "silu": activations.silu, "elu": activations.elu,
    }
    for name, function in shared.items():
        setattr(Tensor, name, function)
        setattr(Value, name, function)
    Value.maximum = compare.maximum
    Value.clip = functions.clip
    Value.clamp = functions.clip
    Tensor.clamp = Tensor.clip

    # comparisons; == and != are elementwise on Tensors only (see autograd.compare)
    for name, method in compare.TENSOR_COMPARISONS.items():
        setattr(Tensor, name, method)
    for name, method in compare.VALUE_COMPARISONS.items():
        setattr(Value, name, method)
    Tensor.__hash__ = object.__hash__  # identity, as before: nodes live in sets
    Tensor.eq, Tensor.ne = Tensor.__eq__, Tensor.__ne__
    Tensor.lt, Tensor.le = Tensor.__lt__, Tensor.__le__
    Tensor.gt, Tensor.ge = Tensor.__gt__, Tensor.__ge__
    Tensor.__bool__ = compare.tensor_bool
    Tensor.__invert__ = compare.invert
    for name, method in compare.MASK_OPERATORS.items():
        setattr(Tensor, name, method)
    Tensor.logical_not = compare.invert
    Tensor.any, Tensor.all = compare.tensor_any, compare.tensor_all
    Tensor.masked_fill = compare.masked_fill

    for name in ("logsumexp", "var", "std", "prod", "argmax", "argmin", "cumsum"):
        setattr(Tensor, name, getattr(reductions, name))
    for name in ("squeeze", "unsqueeze", "flatten", "expand", "broadcast_to", "repeat",
                 "flip", "split", "chunk", "gather", "tril", "triu"):
        setattr(Tensor, name, getattr(shapes, name))


_attach()
