"""`nn.functional` (imported as `F`): the functions networks are built from.

softmax, log_softmax and cross_entropy (composed from primitives, or fused) live in
`nn.cross_entropy`, nll_loss and the class-weight options in `nn.nll`; compare_gradients,
the fused-vs-composed report, in `nn.compare`; conv2d in `nn.conv`, max_pool2d and
avg_pool2d in `nn.pool`; the elementwise losses as functions in
`nn.functional_losses`; the activations (relu, gelu, leaky_relu, ...), pad and one_hot
in `autograd`, gathered in `nn.functional_ops`.
"""

from nn.compare import GradientReport, compare_gradients
from nn.conv import conv2d
from nn.cross_entropy import REDUCTIONS, cross_entropy, log_softmax, softmax
from nn.functional_losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from nn.functional_ops import (
    celu,
    cos,
    elu,
    expm1,
    gelu,
    hardtanh,
    leaky_relu,
    log1p,
    log_sigmoid,
    logsigmoid,
    one_hot,
    pad,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    sin,
    softplus,
    softsign,
    tanh,
)
from nn.nll import nll_loss
from nn.pool import avg_pool2d, max_pool2d

__all__ = ["softmax", "log_softmax", "cross_entropy", "nll_loss", "compare_gradients",
           "GradientReport", "REDUCTIONS", "conv2d", "max_pool2d", "avg_pool2d",
           "relu", "sigmoid", "tanh", "sin", "cos", "log1p", "expm1",
           "leaky_relu", "elu", "selu", "celu", "silu", "gelu", "hardtanh", "relu6", "softsign",
           "softplus", "log_sigmoid", "logsigmoid", "pad", "one_hot", "mse_loss", "l1_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "huber_loss",
           "smooth_l1_loss"]
