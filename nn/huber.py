"""Huber and smooth L1 losses: quadratic near 0, linear beyond a threshold (robust regression).

Elementwise losses of d = pred - target like `nn.losses.MSELoss` (the same engines,
target shapes, reductions and checks), composed from abs, clip and arithmetic.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from autograd import Tensor, Value, apply
from nn.losses import _ElementwiseLoss


def _positive(op: str, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{op}: {name} must be a finite number > 0, got {value!r}")
    return float(value)



class HuberLoss(_ElementwiseLoss):
    """Huber loss of d = pred - target: d^2 / 2 where |d| <= delta, else
    delta (|d| - delta / 2) (PyTorch's HuberLoss; quadratic near 0, linear beyond delta).

    Composed so that its gradient is exact everywhere, kinks included: with a = |d| and
    q = clip(a, 0, delta) the loss is q (a - q / 2), whose derivative in a is a below delta,
    delta above it and delta at a = delta (clip passes its gradient at the bound), and
    whose derivative in d is 0 at d = 0 (abs'(0) = 0): d for |d| <= delta, delta sign(d)
    beyond. delta must be > 0.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = _positive("HuberLoss", "delta", delta)

    def term(self, pred: Tensor | Value, target: Tensor | np.ndarray | float) -> Tensor | Value:
        a = (pred - target).abs()
        q = apply("clip", a, ctx=(0.0, self.delta))
        return q * (a - q * 0.5)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", delta={self.delta}"


class SmoothL1Loss(_ElementwiseLoss):
    """Smooth L1 loss of d = pred - target: d^2 / (2 beta) where |d| < beta, else
    |d| - beta / 2 (PyTorch's SmoothL1Loss): the Huber loss with delta = beta, divided by
    beta, and |d| for beta = 0. Composed as `HuberLoss` (exact gradient everywhere).
    """

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = 0.0 if beta == 0 and not isinstance(beta, bool) else \
            _positive("SmoothL1Loss", "beta", beta)

    def term(self, pred: Tensor | Value, target: Tensor | np.ndarray | float) -> Tensor | Value:
        a = (pred - target).abs()
        if self.beta == 0:
            return a
        q = apply("clip", a, ctx=(0.0, self.beta))
        return q * (a - q * 0.5) * (1.0 / self.beta)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", beta={self.beta}"
