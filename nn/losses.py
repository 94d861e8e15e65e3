"""Loss modules and weight penalties, composed from autograd primitives.

`MSELoss`, `BCELoss` and `BCEWithLogitsLoss` take a Tensor prediction with a
target of the same shape, or for the scalar engine a Value (or a list of
Values) with a number (or a list of numbers). reduction is "mean" (the
default), "sum" or "none" (the per-element losses: a Tensor, or a list of Values).
Predictions and targets must be finite: NaN and +-inf are refused, naming the loss and
the first position, in both engines (docs/conventions.md).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np

from autograd import Tensor, Value, apply, scope
from autograd.sums import surely_finite

# The functions themselves, not `nn.functional`: it offers these losses as functions too.
from nn.cross_entropy import cross_entropy
from nn.module import Module
from nn.nll import IGNORE_INDEX, check_options, nll_loss

REDUCTIONS = ("mean", "sum", "none")
BCE_EPS = 1e-7  # BCELoss clips probabilities to [eps, 1 - eps]: each term is at most ~16.1

Prediction = Tensor | Value | Sequence[Value | float]
Loss = Tensor | Value | list


def _check_reduction(op: str, reduction: object) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction


class _ElementwiseLoss(Module):
    """A loss that is a function of (prediction, target) element by element, then reduced."""

    def __init__(self, reduction: str = "mean") -> None:
        self.reduction = _check_reduction(type(self).__name__, reduction)

    def term(self, pred: Tensor | Value, target: Tensor | np.ndarray | float) -> Tensor | Value:
        """The unreduced loss of one element (or of a whole Tensor, elementwise)."""
        raise TypeError(f"{type(self).__name__} does not define term()")

    def check(self, pred: np.ndarray, target: np.ndarray) -> None:
        """Raise ValueError for values outside the loss's domain (no limits by default)."""

    def weighted_term(self, pred: Tensor | Value,
                      target: Tensor | np.ndarray | float) -> Tensor | Value:
        """`term`, with any weighting the loss applies to it (none by default)."""
        return self.term(pred, target)

    def forward(self, pred: Prediction, target: object) -> Loss:
        """The elementwise loss, reduced by `self.reduction`."""
        op = type(self).__name__
        if isinstance(pred, Tensor):
            target = _tensor_target(op, pred, target)
            self.check(pred.data, target.data if isinstance(target, Tensor) else target)
            out = self.weighted_term(pred, target)
            if self.reduction == "none":
                return out
            return out.mean() if self.reduction == "mean" else out.sum()
        preds, targets = _scalar_pairs(op, pred, target)
        self.check(np.array([p.data for p in preds]), np.array([float(t) for t in targets]))
        losses = [self.weighted_term(p, t) for p, t in zip(preds, targets)]
        if self.reduction == "none":
            return losses
        total = Value.sum(losses)
        return total * (1.0 / len(losses)) if self.reduction == "mean" else total

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_ElementwiseLoss):
    """(pred - target) ** 2 per element, reduced (mean over all elements by default)."""

    def term(self, pred: Tensor | Value, target: Tensor | np.ndarray | float) -> Tensor | Value:
        diff = pred - target
        return diff * diff


class L1Loss(_ElementwiseLoss):
    """|pred - target| per element, reduced: the mean absolute error by default.

    torch.nn.L1Loss, and NNFS's Loss_MeanAbsoluteError for equal-width rows. The
    gradient is sign(pred - target) / n for the mean over n elements, and 0 where
    pred == target (abs's derivative at 0, as in PyTorch).
    """

    def term(self, pred: Tensor | Value, target: Tensor | np.ndarray | float) -> Tensor | Value:
        return (pred - target).abs()


class BCELoss(_ElementwiseLoss):
    """-(y log p + (1 - y) log(1 - p)) from probabilities p, with p clipped to [eps, 1 - eps].

    eps = BCE_EPS = 1e-7 keeps both logs finite (so each term is at most ~16.1); the
    gradient is 0 where p was clipped. Targets y must lie in [0, 1].
    """

    def term(self, pred: Tensor | Value, target: Tensor | np.ndarray | float) -> Tensor | Value:
        p = apply("clip", pred, ctx=(BCE_EPS, 1.0 - BCE_EPS))
        return -(target * p.log() + (1.0 - target) * (1.0 - p).log())

    def check(self, pred: np.ndarray, target: np.ndarray) -> None:
        # Logits passed by mistake would be silently clipped: refuse them instead.
        _check_unit_interval(type(self).__name__, "probabilities", pred)
        _check_unit_interval(type(self).__name__, "targets", target)


class BCEWithLogitsLoss(_ElementwiseLoss):
    # pos_weight p (PyTorch's): -(p y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))), the
    # positive class's term scaled by p, broadcast along the last axis (one p per class).
    # Written with the unweighted loss l(z, y) itself: since -log sigmoid(z) = l(-z, 0),
    # it is l(z, y) + (p - 1) y l(-z, 0), exact wherever l is.
    """BCE of sigmoid(z) from logits z: softplus(z) - z y, exact for every finite z.

    Equal to -(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))), since log sigmoid(z) =
    z - softplus(z) and log(1 - sigmoid(z)) = -softplus(z). `softplus` is one primitive
    whose rule is sigmoid(z), so the gradient is sigmoid(z) - y everywhere (written as
    relu(z) + log(1 + exp(-|z|)), the kinks of relu and abs at 0 did not cancel:
    the gradient at z = 0 was 1/2 off).
    """

    def __init__(self, reduction: str = "mean", pos_weight: object = None) -> None:
        super().__init__(reduction)
        self.pos_weight = _pos_weight(pos_weight)

    def term(self, pred: Tensor | Value, target: Tensor | np.ndarray | float) -> Tensor | Value:
        return pred.softplus() - pred * target

    def check(self, pred: np.ndarray, target: np.ndarray) -> None:
        _check_unit_interval(type(self).__name__, "targets", target)

    def weighted_term(self, pred: Tensor | Value,
                      target: Tensor | np.ndarray | float) -> Tensor | Value:
        """The loss with pos_weight (see the class comment)."""
        p = self.pos_weight
        if p is None:
            return self.term(pred, target)
        if isinstance(pred, Tensor):  # checked before anything is recorded
            if p.ndim > pred.ndim or any(a not in (1, b) for a, b in
                                         zip(p.shape[::-1], pred.shape[::-1])):
                raise ValueError(f"BCEWithLogitsLoss: pos_weight of shape {p.shape} does not "
                                 f"broadcast to the prediction's shape {pred.shape}")
            p = p.astype(pred.dtype)
        elif p.size != 1:
            raise ValueError(f"BCEWithLogitsLoss: the scalar engine takes one pos_weight for "
                             f"every prediction, got shape {p.shape}")
        else:
            p = float(p)
        return self.term(pred, target) + (p - 1.0) * target * self.term(-pred, 0.0)

    def extra_repr(self) -> str:
        weight = "" if self.pos_weight is None else f", pos_weight={self.pos_weight.tolist()}"
        return super().extra_repr() + weight


class CrossEntropyLoss(Module):
    """Categorical cross-entropy of logits; see `nn.functional.cross_entropy`.

    fused=True (the default) is the one-node `softmax_cross_entropy` op; fused=False
    composes it from primitives, so its graph shows every step. weight (C class weights),
    ignore_index and label_smoothing as PyTorch's (`nn.nll`).
    """

    def __init__(self, fused: bool = True, reduction: str = "mean", *, weight: object = None,
                 ignore_index: int = IGNORE_INDEX, label_smoothing: float = 0.0) -> None:
        self.fused = bool(fused)
        self.reduction = _check_reduction("CrossEntropyLoss", reduction)
        self.weight = check_options("CrossEntropyLoss", weight, ignore_index, label_smoothing,
                                    None)
        self.ignore_index, self.label_smoothing = int(ignore_index), float(label_smoothing)

    def forward(self, logits: object, targets: object) -> Loss:
        """logits (N, C) and class indices (N,) or probability rows (N, C) -> the loss."""
        if self.weight is None and not self.label_smoothing \
                and self.ignore_index == IGNORE_INDEX:
            return cross_entropy(logits, targets, fused=self.fused, reduction=self.reduction)
        return cross_entropy(logits, targets, fused=self.fused, reduction=self.reduction,
                               weight=self.weight, ignore_index=self.ignore_index,
                               label_smoothing=self.label_smoothing)

    def extra_repr(self) -> str:
        return f"fused={self.fused}, reduction={self.reduction!r}" + _option_repr(self)


class NLLLoss(Module):
    """Negative log-likelihood of log-probabilities; see `nn.functional.nll_loss`."""

    def __init__(self, weight: object = None, ignore_index: int = IGNORE_INDEX,
                 reduction: str = "mean") -> None:
        self.reduction = _check_reduction("NLLLoss", reduction)
        self.weight = check_options("NLLLoss", weight, ignore_index, 0.0, None)
        self.ignore_index, self.label_smoothing = int(ignore_index), 0.0

    def forward(self, log_probs: object, targets: object) -> Loss:
        """log-probabilities (N, C) and class indices (N,) -> the loss."""
        return nll_loss(log_probs, targets, weight=self.weight,
                          ignore_index=self.ignore_index, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" + _option_repr(self)


def _option_repr(loss: CrossEntropyLoss | NLLLoss) -> str:
    text = "" if loss.weight is None else f", weight={loss.weight.tolist()}"
    if loss.ignore_index != IGNORE_INDEX:
        text += f", ignore_index={loss.ignore_index}"
    return text + (f", label_smoothing={loss.label_smoothing}" if loss.label_smoothing else "")


# ---------------------------------------------------------------- penalties
def l2_penalty(module: Module, lam: float) -> Tensor | Value | float:
    """lam * sum over all parameters of p ** 2 (weight decay as a loss term)."""
    return _penalty("l2_penalty", module, lam, lambda p: p * p)


def l1_penalty(module: Module, lam: float) -> Tensor | Value | float:
    """lam * sum over all parameters of |p|."""
    return _penalty("l1_penalty", module, lam, lambda p: p.abs())


def _penalty(op: str, module: Module, lam: float,
             term: Callable[[Tensor | Value], Tensor | Value]) -> Tensor | Value | float:
    if not isinstance(module, Module):
        raise TypeError(f"{op}: expected a Module, got {type(module).__name__}")
    if not isinstance(lam, numbers.Real) or isinstance(lam, bool) \
            or not (math.isfinite(lam) and lam >= 0):
        raise ValueError(f"{op}: lam must be a finite number >= 0, got {lam!r}")
    params = module.parameters()
    if not params:
        return 0.0
    scalars = [p for p in params if isinstance(p, Value)]
    if scalars and len(scalars) != len(params):
        raise TypeError(f"{op}: {type(module).__name__} mixes Value and Tensor parameters")
    with scope(op):
        if scalars:
            return Value.sum([term(p) for p in scalars]) * float(lam)
        total = term(params[0]).sum()
        for p in params[1:]:
            total = total + term(p).sum()
        return total * float(lam)


# ---------------------------------------------------------------- input checks
def _tensor_target(op: str, pred: Tensor, target: object) -> Tensor | np.ndarray:
    """The target as a Tensor (kept, it may want a gradient) or an array of pred's dtype."""
    if not isinstance(target, Tensor):
        try:
            target = np.asarray(target, dtype=pred.data.dtype)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{op}: cannot use {type(target).__name__} as a target: "
                            f"{error}") from None
    if tuple(target.shape) != pred.shape:
        raise ValueError(f"{op}: prediction shape {pred.shape} and target shape "
                         f"{tuple(target.shape)} differ")
    _refuse_non_finite(op, "prediction", pred.data)
    _refuse_non_finite(op, "target", target.data if isinstance(target, Tensor) else target)
    return target


def _refuse_non_finite(op: str, what: str, array: np.ndarray) -> None:
    """Raise naming the loss, the first NaN or +-inf entry and how many there are."""
    if surely_finite(array):  # else NaN/inf, or huge entries: the search decides
        return
    bad = ~np.isfinite(array)
    if bad.any():
        where = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), array.shape))
        raise ValueError(f"{op}: the {what} holds {float(array[where])!r} at index {where} "
                         f"({int(bad.sum())} of {array.size} entries are non-finite)")


def _scalar_pairs(op: str, pred: object, target: object) -> tuple[list, list]:
    """Scalar engine: (list of Values, list of numbers/Values) of equal length."""
    preds = [pred] if isinstance(pred, (Value, numbers.Real)) else pred
    targets = [target] if isinstance(target, (Value, numbers.Real)) else target
    if not isinstance(preds, (list, tuple)) or not isinstance(targets, (list, tuple, np.ndarray)):
        raise TypeError(f"{op}: expected a Tensor, a Value or a list of Values as prediction "
                        f"and matching targets, got {type(pred).__name__} and "
                        f"{type(target).__name__}")
    if len(preds) != len(targets) or len(preds) == 0:
        raise ValueError(f"{op}: {len(preds)} predictions and {len(targets)} targets; "
                         f"need equal, non-zero counts")
    for i, p in enumerate(preds):
        if not isinstance(p, Value):
            raise TypeError(f"{op}: predictions must be Values, got {type(p).__name__}")
        if not math.isfinite(p.data):
            raise ValueError(f"{op}: prediction {i} is {p.data!r} (predictions must be finite)")
    targets = [t if isinstance(t, Value) else _target_number(op, t) for t in targets]
    for i, t in enumerate(targets):
        if not math.isfinite(t.data if isinstance(t, Value) else t):
            raise ValueError(f"{op}: target {i} is {t!r} (targets must be finite)")
    return list(preds), targets


def _target_number(op: str, t: object) -> float:
    if isinstance(t, numbers.Real) and not isinstance(t, bool):
        return float(t)
    raise TypeError(f"{op}: a target must be a real number or a Value, got "
                    f"{type(t).__name__} {t!r}")


def _pos_weight(value: object) -> np.ndarray | None:
    """pos_weight as a float64 array of finite numbers >= 0 (None stays None)."""
    if value is None:
        return None
    try:
        array = np.asarray(value.data if isinstance(value, Tensor) else value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"BCEWithLogitsLoss: pos_weight must be numbers, got "
                        f"{type(value).__name__}") from None
    if not (np.isfinite(array).all() and (array >= 0).all()):
        raise ValueError(f"BCEWithLogitsLoss: pos_weight must be finite and >= 0, got "
                         f"{array.tolist()}")
    return array


def _check_unit_interval(op: str, what: str, array: np.ndarray) -> None:
    bad = ~((array >= 0) & (array <= 1))
    if bad.any():
        first = float(array[bad].ravel()[0])
        raise ValueError(f"{op}: {what} must lie in [0, 1]; got {first!r} "
                         f"({int(bad.sum())} of {array.size} entries out of range)")
