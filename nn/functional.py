"""`nn.functional` (imported as `F`): the functions networks are built from.

softmax, log_softmax and cross_entropy (composed from primitives, or fused) live in
`nn.cross_entropy`, nll_loss and the class-weight options in `nn.nll`; compare_gradients,
the fused-vs-composed report, in `nn.compare`; conv2d in `nn.conv`, max_pool2d and
avg_pool2d in `nn.pool`.
"""

from nn.compare import GradientReport, compare_gradients
from nn.conv import conv2d
from nn.cross_entropy import REDUCTIONS, cross_entropy, log_softmax, softmax
from nn.nll import nll_loss
from nn.pool import avg_pool2d, max_pool2d

__all__ = ["softmax", "log_softmax", "cross_entropy", "nll_loss", "compare_gradients",
           "GradientReport", "REDUCTIONS", "conv2d", "max_pool2d", "avg_pool2d"]
