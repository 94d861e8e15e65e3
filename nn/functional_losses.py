"""The elementwise losses as functions (`F.mse_loss(pred, target)`), PyTorch's names:
each makes its loss module once and calls it, so the graph is the module's, under the
module's scope (MSELoss, ...), and the checks and errors are the module's."""

from __future__ import annotations

from nn.huber import HuberLoss, SmoothL1Loss
from nn.losses import BCELoss, BCEWithLogitsLoss, L1Loss, Loss, MSELoss, Prediction


def mse_loss(pred: Prediction, target: object, reduction: str = "mean") -> Loss:
    """Mean squared error (pred - target)**2, reduced; as `nn.MSELoss(reduction)`."""
    return MSELoss(reduction)(pred, target)


def l1_loss(pred: Prediction, target: object, reduction: str = "mean") -> Loss:
    """Mean absolute error |pred - target|, reduced; as `nn.L1Loss(reduction)`."""
    return L1Loss(reduction)(pred, target)


def binary_cross_entropy(pred: Prediction, target: object, reduction: str = "mean") -> Loss:
    """-(y log p + (1 - y) log(1 - p)) of probabilities p; as `nn.BCELoss(reduction)`."""
    return BCELoss(reduction)(pred, target)


def binary_cross_entropy_with_logits(pred: Prediction, target: object,
                                     reduction: str = "mean",
                                     pos_weight: object = None) -> Loss:
    """Binary cross-entropy of sigmoid(z) from logits z, exact for any z; as
    `nn.BCEWithLogitsLoss(reduction, pos_weight)`."""
    return BCEWithLogitsLoss(reduction, pos_weight)(pred, target)


def huber_loss(pred: Prediction, target: object, reduction: str = "mean",
               delta: float = 1.0) -> Loss:
    """Squared error within delta, linear beyond; as `nn.HuberLoss(reduction, delta)`."""
    return HuberLoss(reduction, delta)(pred, target)


def smooth_l1_loss(pred: Prediction, target: object, reduction: str = "mean",
                   beta: float = 1.0) -> Loss:
    """Huber's loss divided by beta; as `nn.SmoothL1Loss(reduction, beta)`."""
    return SmoothL1Loss(reduction, beta)(pred, target)
