"""Softmax and cross-entropy, composed from primitive ops, and the fused fast path
(reached as `nn.functional.softmax`, `log_softmax`, `cross_entropy`).

Both engines: a `Tensor` of logits (N, C), or for the scalar engine a list of
`Value` (one sample) or a list of such lists (a batch). The composed functions
are built only from public primitives (exp, sum, log, mul, neg, pow, indexing),
each under a `scope` so a drawing can fold them; the fused one is one node whose
backward is the closed form (softmax(z) - y) / N. `nn.compare` runs both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from autograd import Tensor, Value, apply, scope
from autograd.fused import FusedTargets, refuse_undefined
from autograd.sums import surely_finite
from autograd.tensor_args import normalize_axis
from autograd.torch_names import torch_names
from nn.nll import IGNORE_INDEX, Plan, check_options, classes_last, plan, reduce
from nn.targets import Logits, Targets, check_masked_targets, check_targets, logit_rows, number

REDUCTIONS = ("mean", "sum", "none")
_VALUES = {Value}


@torch_names
def softmax(z: Tensor | Sequence[Value], axis: int = -1) -> Tensor | list:
    """softmax(z)_j = exp(z_j - max z) / sum_k exp(z_k - max z), along `axis`.

    The shift by the maximum is a constant (softmax is shift-invariant), so the
    gradient stays exact. A -inf logit masks its class: probability 0, gradient 0.
    Raises ValueError naming the row for NaN, +inf or a row of only -inf, in both
    engines (docs/conventions.md), and AxisError for an axis out of range.
    """
    with scope("softmax"):
        if isinstance(z, Tensor):
            axis = _checked_tensor("softmax", z, axis)
            e = _shifted(z, axis).exp()
            return e / e.sum(axis=axis, keepdims=True)
        return [_softmax_row(row) for row in _checked_rows("softmax", z)] \
            if _is_batch(z) else _softmax_row(_checked_rows("softmax", z)[0])


@torch_names
def log_softmax(z: Tensor | Sequence[Value], axis: int = -1) -> Tensor | list:
    """log softmax(z) = (z - max z) - log(sum exp(z - max z)), along `axis`.

    A -inf logit gives -inf; the same policy for NaN and infinities as `softmax`.
    """
    with scope("log_softmax"):
        if isinstance(z, Tensor):
            axis = _checked_tensor("log_softmax", z, axis)
            shifted = _shifted(z, axis)
            return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()
        return [_log_softmax_row(row) for row in _checked_rows("log_softmax", z)] \
            if _is_batch(z) else _log_softmax_row(_checked_rows("log_softmax", z)[0])


def _softmax_row(row: Sequence[Value]) -> list:
    e = [v.exp() for v in _shifted_values(row)]
    total = Value.sum(e)
    return [v / total for v in e]


def _log_softmax_row(row: Sequence[Value]) -> list:
    shifted = _shifted_values(row)
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
    Logits follow `softmax`'s policy, and a target class whose logit is -inf (an
    infinite loss) is refused too, naming the row.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {REDUCTIONS}, "
                         f"got {reduction!r}")
    if isinstance(logits, Tensor) and logits.data.ndim > 2:
        rows, flat, rest = classes_last("cross_entropy", logits, targets)
        out = cross_entropy(rows, flat, fused, reduction, weight=weight,
                            ignore_index=ignore_index, label_smoothing=label_smoothing)
        return out.reshape(rest) if reduction == "none" else out
    plain = weight is None and not label_smoothing and ignore_index == IGNORE_INDEX
    # The fused node checks the floats of Values itself, except one node per sample (the
    # per-sample losses of the weighted path): their rows are named here.
    n, c, single, masked = logit_rows(logits, values=not fused or reduction == "none"
                                      or not plain)
    if plain:
        try:
            indices, probs = check_targets(targets, n, c)
        except ValueError:  # an ignored target (-100) is out of range: the weighted path
            if not _has(targets, ignore_index):
                raise
            if fused and masked is None:  # the Values' numbers, unread so far
                masked = logit_rows(logits, values=True)[3]
        else:
            if fused and masked is None:  # the usual fused call, one frame shorter
                return _fused(logits, indices, probs, (n, c), reduction, single, False)
            return _unweighted(logits, masked, indices, probs, (n, c), reduction, single,
                               fused)
    weights = check_options("cross_entropy", weight, ignore_index, label_smoothing, c)
    p = plan("cross_entropy", targets, n, c, weights, ignore_index, label_smoothing)
    if masked is not None and p.row_weights is not None:
        p = _unmasked_targets(p, masked)
    if p.row_weights is None:  # smoothing alone: new targets, the same one loss
        return _unweighted(logits, masked, p.indices, p.rows, (n, c), reduction, single, fused)
    with scope("cross_entropy"):
        losses = _unweighted(logits, masked, p.indices, p.rows, (n, c), "none", single, fused)
        return reduce(losses, p, reduction, "cross_entropy")


def _unweighted(logits: Logits, masked: object, indices: np.ndarray | None,
                probs: np.ndarray | None, shape: tuple[int, int], reduction: str,
                single: bool, fused: bool) -> Tensor | Value | list:
    """The loss without weights; `masked`: the logits' numbers when some are -inf (from
    `logit_rows`), so that a target at -inf is refused."""
    if masked is not None:
        check_masked_targets(masked, indices, probs)
    if fused:
        return _fused(logits, indices, probs, shape, reduction, single, masked is not None)
    with scope("cross_entropy"):
        if isinstance(logits, Tensor):
            return _composed_tensor(logits, indices, probs, reduction, masked is not None)
        return _composed_values([logits] if single else logits, indices, probs, reduction)


def _unmasked_targets(p: Plan, masked: object) -> Plan:
    """The plan with each row of weight 0 (ignored, or of a class weighted 0) aimed at its
    row's largest logit: a row that adds nothing must not be refused, nor add 0 * inf =
    NaN, for a target whose logit is -inf (PyTorch skips such rows)."""
    zero = np.asarray(p.row_weights) == 0
    if not zero.any():
        return p
    top = np.argmax(np.asarray(masked, dtype=np.float64), axis=1)  # finite: the policy
    if p.indices is not None:
        return replace(p, indices=np.where(zero, top, np.asarray(p.indices)))
    rows = p.rows.copy()
    rows[zero] = np.eye(rows.shape[1])[top[zero]]
    return replace(p, rows=rows)


def _has(targets: Targets, value: int) -> bool:
    """True if some index target equals `value` (ignore_index)."""
    try:
        array = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
        return array.dtype.kind in "iuf" and bool((array == value).any())
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------- composed paths
def _composed_tensor(logits: Tensor, indices: np.ndarray | None, probs: np.ndarray | None,
                     reduction: str, masked: bool) -> Tensor:
    log_probs = log_softmax(logits, axis=1)
    if indices is not None:
        losses = -log_probs[np.arange(len(indices)), indices]
    else:
        if masked:  # classes of probability 0 at -inf add 0, not 0 * -inf = NaN
            log_probs = apply("where", log_probs, Tensor(np.zeros((), log_probs.dtype)),
                              ctx=probs > 0)
        losses = -(log_probs * probs).sum(axis=1)
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def _composed_values(batch: Sequence[Sequence[Value]], indices: np.ndarray | None,
                     probs: np.ndarray | None, reduction: str) -> Value | list:
    losses = []
    for i, row in enumerate(batch):
        with scope("log_softmax"):  # log_softmax(row), its checks made by logit_rows
            log_probs = _log_softmax_row(row)
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
           shape: tuple[int, int], reduction: str, single: bool,
           masked: bool) -> Tensor | Value | list:
    if isinstance(logits, Tensor):
        if probs is not None:
            probs = probs.astype(logits.data.dtype)
        return Tensor._apply("softmax_cross_entropy", (logits,),
                             FusedTargets(indices, probs, shape, reduction, masked))
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
    return Value._apply("softmax_cross_entropy", parents,
                        FusedTargets(indices, probs, shape, reduction))


# ---------------------------------------------------------------- helpers
def _checked_tensor(op: str, z: Tensor, axis: object) -> int:
    """The axis, normalised; refuses scores the policy refuses (`refuse_undefined`)."""
    data = z.data
    axis = normalize_axis(axis, data.ndim, op)
    if not surely_finite(data):  # NaN/inf, or huge entries: the search decides
        refuse_undefined(op, data, axis)
    return axis


def _checked_rows(op: str, z: Sequence) -> list:
    """The rows of scalar-engine scores (a batch, or one row), after the same policy."""
    rows = z if _is_batch(z) else [z]
    if not rows or not all(rows):
        raise ValueError(f"{op}: no scores given (an empty row)")
    numbers = [[v.data if type(v) is Value else number(v, op) for v in row] for row in rows]
    if not math.isfinite(sum(map(sum, numbers))):
        refuse_undefined(op, numbers if _is_batch(z) else numbers[0])
    return rows


def _shifted(z: Tensor, axis: int) -> Tensor:
    """z minus its maximum along `axis`, the maximum held constant (no gradient through it).
    Every row has a finite maximum: the policy refused the others."""
    return z - z.data.max(axis=axis, keepdims=True)


def _shifted_values(z: Sequence[Value]) -> list[Value]:
    top = max(v.data if isinstance(v, Value) else float(v) for v in z)
    return [v - top if isinstance(v, Value) else Value(v - top) for v in z]


def _is_batch(z: Sequence) -> bool:
    return len(z) > 0 and isinstance(z[0], (list, tuple))
