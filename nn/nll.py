"""Negative log-likelihood, and the options cross-entropy shares with it: class weights,
an ignored target value, label smoothing, and logits with extra axes (N, C, d1, ...).

The options only change constants, never the graph's primitives: each sample i gets a
target mass T_i over the classes and the loss -sum_c T_ic log p_ic, i.e. a row weight
r_i = sum_c T_ic times the cross-entropy with the target distribution T_i / r_i. So a
weighted loss is the unweighted per-sample loss times a constant r_i, summed and divided
by a constant D: PyTorch's definitions, which are

* class weight w, index targets y: T_i = w_{y_i} onehot(y_i), D = sum_i w_{y_i};
* label smoothing e: the target distribution (1 - e) y + e / C (PyTorch's formula,
  written as a distribution; with weights T_ic = w_c times it);
* probability targets: D = N whatever the weights;
* ignore_index: samples whose index target equals it have r_i = 0 and leave D.

`Plan` holds these constants; `reduce` applies them to per-sample losses of either engine.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from autograd import Tensor, Value, scope
from nn.targets import Logits, Targets, check_logits, check_targets

REDUCTIONS = ("mean", "sum", "none")
IGNORE_INDEX = -100  # PyTorch's default: no class has it


@dataclass
class Plan:
    """The targets and constants of one loss: class indices (N,) or target distributions
    T_i / r_i (N, C), the row weights r (None: all 1) and the denominator of the mean."""

    indices: np.ndarray | list | None
    rows: np.ndarray | None
    row_weights: np.ndarray | None
    denominator: float


def check_options(op: str, weight: object, ignore_index: object, label_smoothing: object,
                  classes: int | None) -> np.ndarray | None:
    """The class weights as a float64 array (or None); ValueError/TypeError naming the option."""
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
        raise TypeError(f"{op}: ignore_index must be an int, got {ignore_index!r}")
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real) \
            or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be a number in [0, 1], "
                         f"got {label_smoothing!r}")
    if weight is None:
        return None
    array = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=np.float64)
    if array.ndim != 1 or (classes is not None and len(array) != classes):
        raise ValueError(f"{op}: weight must have one entry per class ({classes}), got shape "
                         f"{array.shape}")
    if not (np.isfinite(array).all() and (array >= 0).all()):
        raise ValueError(f"{op}: class weights must be finite and >= 0, got {array.tolist()}")
    return array


def plan(op: str, targets: Targets, n: int, c: int, weight: np.ndarray | None,
         ignore_index: int, label_smoothing: float, indices_only: bool = False) -> Plan:
    """Check the targets and work out the constants (module docstring)."""
    targets, ignored = _without_ignored(targets, n, c, ignore_index)
    indices, probs = check_targets(targets, n, c)
    if indices_only and indices is None:
        raise ValueError(f"{op}: targets must be class indices (N,), got rows of {c} numbers")
    smooth = float(label_smoothing)
    if indices is not None and not smooth:
        r = None if weight is None else weight[np.asarray(indices)]
        if ignored is not None:
            r = np.where(ignored, 0.0, 1.0 if r is None else r)
        denominator = float(n) if r is None else math.fsum(r)
        return Plan(indices, None, r, denominator)
    if indices is not None:  # smoothed one-hot rows; weights and ignored rows as above
        rows = np.full((n, c), smooth / c)
        rows[np.arange(n), np.asarray(indices)] += 1.0 - smooth
        kept = np.ones(n) if ignored is None else (~ignored).astype(np.float64)
        denominator = math.fsum(kept * (1.0 if weight is None else weight[np.asarray(indices)]))
    else:
        rows = probs * (1.0 - smooth) + smooth / c if smooth else probs
        kept, denominator = None, float(n)
    r = None
    if weight is not None:  # mass T = w * distribution: r = sum_c T, rows = T / r
        mass = rows * weight
        r = mass.sum(axis=1)
        positive = r > 0
        rows = np.where(positive[:, None], mass / np.where(positive, r, 1.0)[:, None], rows)
    if ignored is not None:
        r = kept if r is None else r * kept
    return Plan(None, rows, r, denominator)


def reduce(losses: Tensor | list, p: Plan, reduction: str, op: str) -> Tensor | Value | list:
    """Per-sample losses (a Tensor (N,) or a list of Values), each times its row weight,
    then summed, or summed and divided by the plan's denominator."""
    if p.row_weights is not None:
        if isinstance(losses, Tensor):
            losses = losses * p.row_weights.astype(losses.dtype)
        else:
            losses = [loss * float(r) for loss, r in zip(losses, p.row_weights)]
    if reduction == "none":
        return losses
    total = losses.sum() if isinstance(losses, Tensor) else Value.sum(losses)
    if reduction == "sum":
        return total
    if p.denominator == 0:
        raise ValueError(f"{op}: every sample is ignored (ignore_index) or has class weight "
                         f"0, so the mean over them is undefined (PyTorch returns NaN); use "
                         f"reduction='sum'")
    return total * (1.0 / p.denominator)


def _without_ignored(targets: Targets, n: int, c: int,
                     ignore_index: int) -> tuple[Targets, np.ndarray | None]:
    """Index targets with ignore_index put to 0 when it is not a class (a valid index,
    weighted 0 later), and the mask of ignored samples; probability rows, or no ignored
    target: unchanged, None."""
    is_class = 0 <= ignore_index < c
    if isinstance(targets, (int, np.integer)) and not isinstance(targets, bool):
        if targets != ignore_index:
            return targets, None
        return (targets if is_class else 0), np.array([True])
    array = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if array.ndim != 1 or array.dtype.kind not in "iuf" or (n == 1 and c > 1 and len(array) == c):
        return targets, None
    mask = array == ignore_index
    if not mask.any():
        return targets, None
    return (targets if is_class else np.where(mask, 0, array)), mask


# ---------------------------------------------------------------- extra axes (N, C, d1, ...)
def classes_last(op: str, logits: Tensor, targets: Targets) -> tuple[Tensor, Targets, tuple]:
    """Logits (N, C, d1, ...) as rows (N * d1 * ..., C) (a transpose and a reshape node),
    the targets (N, d1, ...) or (N, C, d1, ...) likewise, and the shape (N, d1, ...)."""
    shape = logits.shape
    c, rest = shape[1], (shape[0], *shape[2:])
    order = (0, *range(2, len(shape)), 1)
    array = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if array.shape == rest:
        return logits.transpose(order).reshape(-1, c), array.reshape(-1), rest
    if array.shape == shape:
        return (logits.transpose(order).reshape(-1, c), array.transpose(order).reshape(-1, c),
                rest)
    raise ValueError(f"{op}: logits of shape {shape} need class-index targets of shape {rest} "
                     f"or probability targets of shape {shape}, got {array.shape}")


# ---------------------------------------------------------------- nll_loss
def nll_loss(log_probs: Logits, targets: Targets, weight: object = None,
             ignore_index: int = IGNORE_INDEX, reduction: str = "mean") -> Tensor | Value | list:
    """Negative log-likelihood: -log_probs[i, y_i] per sample, weighted and reduced as
    PyTorch's nll_loss (module docstring), composed from indexing, multiplication and sum.

    log_probs: Tensor (N, C) or (N, C, d1, ...) (e.g. `log_softmax(z, axis=1)`), or for the
    scalar engine a list of C Values or a list of such lists. targets: class indices (N,)
    or (N, d1, ...); an entry equal to ignore_index adds nothing and leaves the mean.
    weight: C class weights >= 0. reduction: "mean" (the weighted mean: divided by the sum
    of the targets' weights), "sum" or "none". Raises ValueError for targets out of range,
    mismatched shapes or options, and for a mean over no sample.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"nll_loss: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if isinstance(log_probs, Tensor) and log_probs.ndim > 2:
        rows, flat, rest = classes_last("nll_loss", log_probs, targets)
        out = nll_loss(rows, flat, weight, ignore_index, reduction)
        return out.reshape(rest) if reduction == "none" else out
    with scope("nll_loss"):
        n, c, single = _nll_shape(log_probs)
        weights = check_options("nll_loss", weight, ignore_index, 0.0, c)
        p = plan("nll_loss", targets, n, c, weights, ignore_index, 0.0, indices_only=True)
        if isinstance(log_probs, Tensor):
            losses = -log_probs[np.arange(n), np.asarray(p.indices)]
        else:
            batch: Sequence = [log_probs] if single else log_probs
            losses = [-row[int(i)] for row, i in zip(batch, p.indices)]
        return reduce(losses, p, reduction, "nll_loss")


def _nll_shape(log_probs: Logits) -> tuple[int, int, bool]:
    if isinstance(log_probs, Tensor):
        if log_probs.ndim != 2 or 0 in log_probs.shape:
            raise ValueError(f"nll_loss: log-probabilities must be (N, C) or (N, C, d1, ...), "
                             f"got shape {log_probs.shape}")
        return (*log_probs.shape, False)
    return check_logits(log_probs, values=False)
