"""chainrule's autograd engine: `Value` (scalars) and `Tensor` (numpy arrays) on one core."""

from autograd.gradcheck import GradcheckResult, gradcheck
from autograd.graph import Scope, is_grad_enabled, no_grad, scope, topological_order
from autograd.tensor import Tensor, concatenate, maximum, stack
from autograd.value import Value


def apply(name: str, *parents: Value | Tensor, ctx: object = None) -> Value | Tensor:
    """Apply the registered primitive `name` (`autograd.ops.PRIMITIVES`) to nodes of one engine."""
    engine = Tensor if isinstance(parents[0], Tensor) else Value
    return engine._apply(name, parents, ctx)

__all__ = [
    "Value", "Tensor", "no_grad", "gradcheck", "GradcheckResult", "is_grad_enabled", "scope",
    "Scope", "topological_order", "concatenate", "stack", "maximum", "apply",
]
