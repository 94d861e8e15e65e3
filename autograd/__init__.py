"""chainrule's autograd engine: `Value` (scalars) and `Tensor` (numpy arrays) on one core."""

# The rule modules fill the table; the engines bind its entries when first used.
from autograd import fused, ops, ops_conv, tensor_ops  # noqa: F401
from autograd.functional import grad, hessian, hvp, jacobian
from autograd.gradcheck import GradcheckResult, gradcheck, gradgradcheck
from autograd.graph import Scope, is_grad_enabled, no_grad, scope, topological_order
from autograd.primitive import PrimitiveFunction, primitive
from autograd.tensor import Tensor, concatenate, maximum, stack
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
    "hessian", "hvp",
]
