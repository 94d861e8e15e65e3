"""The elementwise functions and helpers of `nn.functional` that live in `autograd`
(PyTorch's F.relu, F.gelu, F.pad, F.one_hot, ...): one name each, re-exported here so
that `nn.functional` stays a facade. All take a `Tensor` or a `Value`.
"""

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
from autograd.functions import cos, expm1, log1p, relu, sigmoid, sin, tanh
from autograd.shapes import one_hot, pad

__all__ = ["relu", "sigmoid", "tanh", "sin", "cos", "log1p", "expm1", "leaky_relu", "elu",
           "selu", "celu", "silu", "gelu", "hardtanh", "relu6", "softsign", "softplus",
           "log_sigmoid", "logsigmoid", "pad", "one_hot"]

logsigmoid = log_sigmoid  # PyTorch's F.logsigmoid
