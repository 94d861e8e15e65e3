"""chainrule's autograd engine: `Value` (scalars) and `Tensor` (numpy arrays) on one core."""

# The rule modules fill the table; the engines bind its entries when first used.
# `methods` attaches the functions below to Tensor and Value, in one place.
from autograd import fused, methods, ops, ops_conv, ops_math, ops_reduce, tensor_ops  # noqa: F401
from autograd.activations import (
    celu,
    elu,
    gelu,
    hardtanh,
    leaky_relu,
    log_sigmoid,
    relu6,
    selu,
    silu,
    softplus,
    softsign,
)
from autograd.compare import isfinite, isinf, isnan, masked_fill, maximum, minimum, where
from autograd.creation import (
    arange,
    default_generator,
    eye,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randn,
    randn_like,
    zeros,
    zeros_like,
)
from autograd.functional import grad, hessian, hvp, jacobian
from autograd.functions import (
    ceil,
    clamp,
    clip,
    cos,
    erf,
    erfc,
    expm1,
    floor,
    log1p,
    round,
    rsqrt,
    sign,
    sin,
    square,
)
from autograd.gradcheck import GradcheckResult, gradcheck, gradgradcheck
from autograd.graph import Scope, is_grad_enabled, no_grad, scope, topological_order
from autograd.primitive import PrimitiveFunction, primitive
from autograd.reductions import argmax, argmin, cumsum, logsumexp, prod, std, var
from autograd.shapes import (
    broadcast_to,
    chunk,
    expand,
    flatten,
    flip,
    gather,
    one_hot,
    pad,
    repeat,
    split,
    squeeze,
    tril,
    triu,
    unsqueeze,
)
from autograd.tensor import Tensor, concatenate, stack
from autograd.threads import blas_threads, limit_unless_chosen
from autograd.value import Value


def apply(name: str, *parents: Value | Tensor, ctx: object = None) -> Value | Tensor:
    """Apply the primitive `name` of the table (`autograd.table.PRIMITIVES`) to nodes of
    one engine; raises KeyError naming the defined primitives for an unknown name."""
    engine = Tensor if isinstance(parents[0], Tensor) else Value
    return engine._apply(name, parents, ctx)


__all__ = [
    "Value", "Tensor", "no_grad", "gradcheck", "gradgradcheck", "GradcheckResult",
    "is_grad_enabled", "scope", "Scope", "topological_order", "concatenate", "stack",
    "maximum", "apply", "primitive", "PrimitiveFunction", "grad", "jacobian",
    "hessian", "hvp", "blas_threads",
    # issue 18
    "where", "minimum", "masked_fill", "isnan", "isinf", "isfinite",
    "sin", "cos", "log1p", "expm1", "erf", "erfc", "square", "rsqrt", "sign", "floor", "ceil",
    "round", "clip", "clamp", "leaky_relu", "elu", "selu", "celu", "silu", "gelu", "hardtanh",
    "relu6", "softsign", "softplus", "log_sigmoid", "logsumexp", "var", "std", "prod",
    "argmax", "argmin", "cumsum",
    "squeeze", "unsqueeze", "flatten", "expand", "broadcast_to", "pad", "flip", "repeat",
    "split", "chunk", "tril", "triu", "one_hot", "gather", "zeros", "ones", "full", "eye",
    "arange", "linspace", "rand", "randn", "zeros_like", "ones_like", "full_like",
    "rand_like", "randn_like", "manual_seed", "default_generator",
]

# Small matrices: one BLAS thread is faster than many (autograd/threads.py says by how much).
limit_unless_chosen()
