"""Softmax and cross-entropy, composed from primitive ops, and the fused fast path
(reached as `nn.functional.softmax`, `log_softmax`, `cross_entropy`).

Both engines: a `Tensor` of logits (N, C), or for the scalar engine a list of
`Value` (one sample) or a list of such lists (a batch). The composed functions
are built only from public primitives (exp, sum, log, mul, neg, pow, indexing),
each under a `scope` so a drawing can fold them; the fused one is one node whose
backward is the closed form (softmax(z) - y) / N. `nn.compare` runs both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd import Tensor, Value, apply, scope
from autograd.fused import FusedTargets
from nn.nll import IGNORE_INDEX, check_options, classes_last, plan, reduce
from nn.targets import Logits, Targets, check_logits, check_targets, number

REDUCTIONS = ("mean", "sum", "none")
_VALUES = {Value}


def softmax(z: Tensor | Sequence[Value], axis: int = -1) -> Tensor | list:
    """softmax(z)_j = exp(z_j - max z) / sum_k exp(z_k - max z), along `axis`.

    The shift by the maximum is a constant (softmax is shift-invariant), so the
    gradient stays exact; a -inf logit gets probability 0 and gradient 0.
    """
    with scope("softmax"):
        if isinstance(z, Tensor):
            e = _shifted(z, axis).exp()
            return e / e.sum(axis=axis, keepdims=True)
        if _is_batch(z):
            return [softmax(row) for row in z]
        e = [v.exp() for v in _shifted_values(z)]
        total = Value.sum(e)
        return [v / total for v in e]


def log_softmax(z: Tensor | Sequence[Value], axis: int = -1) -> Tensor | list:
    """log softmax(z) = (z - max z) - log(sum exp(z - max z)), along `axis`."""
    with scope("log_softmax"):
        if isinstance(z, Tensor):
            shifted = _shifted(z, axis)
            return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()
        if _is_batch(z):
            return [log_softmax(row) for row in z]
        shifted = _shifted_values(z)
        log_total = Value.sum([v.exp() for v in shifted]).log()
        return [v - log_total for v in shifted]


def cross_entropy(logits: Logits, targets: Targets, fused: bool = False,
                  reduction: str = "mean", *, weight: object = None,
                  ignore_index: int = IGNORE_INDEX,
                  label_smoothing: float = 0.0) -> Tensor | Value | list:
    """Categorical cross-entropy -sum_j y_j log softmax(z)_j, reduced over the batch.

    logits: Tensor (N, C) or (N, C, d1, ...) (classes on axis 1, as PyTorch's), list of
    Value (one sample) or list of lists (N samples).
    targets: class indices (int or int array of length N, or (N, d1, ...)) or one-hot /
    probability rows (N, C) (or (N, C, d1, ...)). reduction: "mean" (divides by N), "sum"
    or "none" (one loss per sample).
    fused=False composes it from primitives (log_softmax, indexing or multiplication,
    sum, negation); fused=True is one `softmax_cross_entropy` node with the same value.

    The options are PyTorch's (`nn.nll` gives the formulas): `weight`, C class weights
    (the mean then divides by the sum of the targets' weights); `ignore_index`, an index
    target that adds nothing and leaves the mean; `label_smoothing` e in [0, 1], the
    targets (1 - e) y + e / C. The fused path supports all of them without a second
    formula: smoothed targets are probability rows, so label smoothing alone is still one
    node whose gradient is (softmax - y') / N; with weights or ignored targets the node
    gives the per-sample losses (gradient softmax_i - y_i each), which are multiplied by
    their constant weights and summed, so the gradient stays the closed form
    w_i (softmax_i - y_i) / sum w.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {REDUCTIONS}, "
                         f"got {reduction!r}")
    if isinstance(logits, Tensor) and logits.data.ndim > 2:
        rows, flat, rest = classes_last("cross_entropy", logits, targets)
        out = cross_entropy(rows, flat, fused, reduction, weight=weight,
                            ignore_index=ignore_index, label_smoothing=label_smoothing)
        return out.reshape(rest) if reduction == "none" else out
    n, c, single = check_logits(logits, values=not fused)  # the fused node checks its own
    if weight is None and not label_smoothing and ignore_index == IGNORE_INDEX:
        try:
            indices, probs = check_targets(targets, n, c)
        except ValueError:  # an ignored target (-100) is out of range: the weighted path
            if not _has(targets, ignore_index):
                raise
        else:
            return _unweighted(logits, indices, probs, (n, c), reduction, single, fused)
    weights = check_options("cross_entropy", weight, ignore_index, label_smoothing, c)
    p = plan("cross_entropy", targets, n, c, weights, ignore_index, label_smoothing)
    if p.row_weights is None:  # smoothing alone: new targets, the same one loss
        return _unweighted(logits, p.indices, p.rows, (n, c), reduction, single, fused)
    with scope("cross_entropy"):
        losses = _unweighted(logits, p.indices, p.rows, (n, c), "none", single, fused)
        return reduce(losses, p, reduction, "cross_entropy")


def _unweighted(logits: Logits, indices: np.ndarray | None, probs: np.ndarray | None,
                shape: tuple[int, int], reduction: str, single: bool,
                fused: bool) -> Tensor | Value | list:
    if fused:
        return _fused(logits, indices, probs, shape, reduction, single)
    with scope("cross_entropy"):
        if isinstance(logits, Tensor):
            return _composed_tensor(logits, indices, probs, reduction)
        return _composed_values([logits] if single else logits, indices, probs, reduction)


def _has(targets: Targets, value: int) -> bool:
    """True if some index target equals `value` (ignore_index)."""
    try:
        array = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
        return array.dtype.kind in "iuf" and bool((array == value).any())
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------- composed paths
def _composed_tensor(logits: Tensor, indices: np.ndarray | None, probs: np.ndarray | None,
                     reduction: str) -> Tensor:
    log_probs = log_softmax(logits, axis=1)
    if indices is not None:
        losses = -log_probs[np.arange(len(indices)), indices]
    else:
        losses = -(log_probs * probs).sum(axis=1)
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def _composed_values(batch: Sequence[Sequence[Value]], indices: np.ndarray | None,
                     probs: np.ndarray | None, reduction: str) -> Value | list:
    losses = []
    for i, row in enumerate(batch):
        log_probs = log_softmax(row)
        if indices is not None:
            losses.append(-log_probs[int(indices[i])])
        else:  # zero-probability classes contribute nothing, so they are left out
            terms = [lp * float(y) for lp, y in zip(log_probs, probs[i]) if y != 0]
            losses.append(-Value.sum(terms))
    if reduction == "none":
        return losses
    total = Value.sum(losses)
    return total * (1.0 / len(losses)) if reduction == "mean" else total


# ---------------------------------------------------------------- fused path
def _fused(logits: Logits, indices: np.ndarray | None, probs: np.ndarray | None,
           shape: tuple[int, int], reduction: str, single: bool) -> Tensor | Value | list:
    if isinstance(logits, Tensor):
        if probs is not None:
            probs = probs.astype(logits.data.dtype)
        return Tensor._apply("softmax_cross_entropy", (logits,),
                             FusedTargets(indices, probs, shape, reduction))
    batch = [logits] if single else logits
    # The scalar engine's rule reads plain Python lists (see autograd.fused).
    indices = indices.tolist() if isinstance(indices, np.ndarray) else indices
    probs = None if probs is None else probs.tolist()
    if reduction == "none":  # one fused node per sample
        return [_fused_values(row, None if indices is None else indices[i:i + 1],
                              None if probs is None else probs[i:i + 1], (1, shape[1]), "sum")
                for i, row in enumerate(batch)]
    flat = logits if single else [v for row in batch for v in row]
    return _fused_values(flat, indices, probs, shape, reduction)


def _fused_values(flat: list, indices: list | None, probs: list | None,
                  shape: tuple[int, int], reduction: str) -> Value:
    parents = tuple(flat)
    if not _VALUES.issuperset(map(type, parents)):  # numbers among the logits become leaves
        parents = tuple(v if isinstance(v, Value) else Value(number(v)) for v in parents)
    return apply("softmax_cross_entropy", *parents,
                 ctx=FusedTargets(indices, probs, shape, reduction))


# ---------------------------------------------------------------- helpers
def _shifted(z: Tensor, axis: int) -> Tensor:
    """z minus its maximum along `axis`, the maximum held constant (no gradient through it)."""
    top = z.data.max(axis=axis, keepdims=True)
    return z - np.where(np.isfinite(top), top, 0.0)


def _shifted_values(z: Sequence[Value]) -> list[Value]:
    top = max(v.data if isinstance(v, Value) else float(v) for v in z)
    top = top if np.isfinite(top) else 0.0
    return [v - top if isinstance(v, Value) else Value(v - top) for v in z]


def _is_batch(z: Sequence) -> bool:
    return len(z) > 0 and isinstance(z[0], (list, tuple))
