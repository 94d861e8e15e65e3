"""chainrule's autograd engine: `Value` (scalars) and `Tensor` (numpy arrays) on one core."""

from autograd.gradcheck import GradcheckResult, gradcheck
from autograd.graph import Scope, is_grad_enabled, no_grad, scope, topological_order
from autograd.tensor import Tensor, concatenate, maximum, stack
from autograd.value import Value

__all__ = [
    "Value", "Tensor", "no_grad", "gradcheck", "GradcheckResult", "is_grad_enabled", "scope",
    "Scope", "topological_order", "concatenate", "stack", "maximum",
]
