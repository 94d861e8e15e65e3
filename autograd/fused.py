"""The one deliberately fused primitive: softmax + cross-entropy in a single node.

Forward: loss_i = logsumexp(z_i) - sum_j y_ij z_ij (log-sum-exp, stable for any
finite logits). Backward, the closed form: dL/dz = (softmax(z) - y) * grad, divided
by N for the mean. `nn.functional.cross_entropy(..., fused=True)` calls it; the
composed path builds the same loss from primitives so the two can be compared.

The formula is written twice on purpose, once per kind of number: the tensor engine
passes one (N, C) array (numpy), the scalar engine N*C Python floats, row by row
(`math`, because numpy costs more than the whole computation for ten floats).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import repeat
from operator import truediv

import numpy as np

from autograd.sums import row_max, row_sums, total
from autograd.table import define


@dataclass(eq=False)
class FusedTargets:
    """The fused node's constants: targets as class indices (N,) or probability rows (N, C)."""

    indices: np.ndarray | list[int] | None
    probs: np.ndarray | list[list[float]] | None
    shape: tuple[int, int]  # (N, C) of the logits
    reduction: str  # "mean" | "sum" | "none"
    masked: bool = False  # some logit is -inf: 0 * -inf must not reach the probability rows
    softmax: object = field(default=None, repr=False)  # saved by forward for backward
    flat: object = field(default=None, repr=False)  # targets' flat positions, saved by forward


def refuse_undefined(op: str, scores: object, axis: int = -1) -> bool:
    """The policy for scores turned into probabilities (softmax, log_softmax, the
    cross-entropies), the same for both engines: -inf is a masked class (probability 0);
    NaN, +inf and a row of only -inf leave the probabilities undefined and raise
    ValueError naming `op`, the first such row and how many there are. Returns whether
    any score is -inf. `scores`: an array, or a list of rows; a row runs along `axis`.
    """
    array = np.asarray(scores, dtype=np.float64)
    rows = np.moveaxis(array, axis, -1) if array.ndim else array.reshape(1)
    flat = rows.reshape(-1, rows.shape[-1])
    for bad, problem in ((np.isnan(flat), "holds NaN"), (flat == np.inf, "holds +inf"),
                         (flat == -np.inf, "is all -inf")):
        every = problem == "is all -inf"
        rows_bad = bad.all(axis=1) if every else bad.any(axis=1)
        if rows_bad.any():
            first = int(np.argmax(rows_bad))
            detail = ": no class is left to take the probability" if every else \
                f" at position {int(np.argmax(bad[first]))}" + \
                (": inf / inf has no value" if problem == "holds +inf" else "")
            raise ValueError(f"{op}: {_row_name(first, rows.shape[:-1])} {problem}{detail} "
                             f"({int(rows_bad.sum())} of {len(flat)} rows)")
    return bool((flat == -np.inf).any())


def refuse_infinite_targets(op: str, scores: object, indices: object, probs: object) -> None:
    """Raise if a target class (or one with positive target probability) has score -inf:
    its loss would be infinite. `scores`: (N, C) as an array or a list of rows."""
    array = np.asarray(scores, dtype=np.float64)
    if indices is not None:
        bad = array[np.arange(len(array)), np.asarray(indices)] == -np.inf
    else:
        bad = ((array == -np.inf) & (np.asarray(probs) > 0)).any(axis=1)
    if bad.any():
        first = int(np.argmax(bad))
        what = (f"the target class {int(np.asarray(indices)[first])}" if indices is not None
                else "a class with positive target probability")
        raise ValueError(f"{op}: in row {first} {what} has logit -inf: the loss is infinite "
                         f"({int(bad.sum())} of {len(array)} rows)")


def _row_name(flat_index: int, shape: tuple[int, ...]) -> str:
    """'row 3' for a batch of rows, 'row (1, 2)' for more axes, 'the row' for one row."""
    if not shape:
        return "the row"
    if len(shape) == 1:
        return f"row {flat_index}"
    return f"row {tuple(int(i) for i in np.unravel_index(flat_index, shape))}"


def _forward(m, c: FusedTargets, *zs):
    return _forward_array(c, zs[0]) if m.name == "array" else _forward_floats(c, zs)


def _backward(m, c: FusedTargets, needs, g, out, *zs):
    # On numbers only the softmax saved by the forward pass is read, never the logits;
    # on graph nodes the softmax is recomputed from them, so that it can be differentiated.
    if m.name == "array":
        return (_backward_array(c, g),)
    if m.name == "scalar":
        return _backward_floats(c, g)
    return _backward_nodes(c, g, zs)


# The backward rule is (softmax(z) - y) * grad, for every kind of number.
SOFTMAX_CROSS_ENTROPY = define("softmax_cross_entropy", _forward, _backward,
                               reads_inputs=False)


# ---------------------------------------------------------------- arrays (N, C)
def _forward_array(c: FusedTargets, z: np.ndarray) -> np.ndarray:
    # ufunc reductions called directly: ndarray.max/.sum add a Python layer per call,
    # which is most of the cost for small batches. C order, so that every array below is
    # C-ordered too and the flat positions of the targets index it through ravel().
    z = np.ascontiguousarray(z)
    shifted = z - row_max(z)
    exps = np.exp(shifted)
    sums = row_sums(exps)[:, None]
    exps /= sums
    c.softmax = exps
    log_sums = np.log(sums[:, 0])
    if c.indices is not None:
        # Flat positions i * C + y_i: plain indexing, several times cheaper than [rows, y].
        c.flat = np.arange(0, z.size, z.shape[1]) + c.indices
        losses = log_sums - shifted.ravel()[c.flat]
    elif c.masked:  # a class of probability 0 with logit -inf adds 0, not 0 * -inf
        losses = log_sums - row_sums(c.probs * np.where(c.probs > 0, shifted, 0.0))
    else:
        losses = log_sums - row_sums(c.probs * shifted)
    if c.reduction == "none":
        return losses
    loss = total(losses, None, False)  # float32: a float64 accumulator
    return loss / len(losses) if c.reduction == "mean" else loss  # what .mean() computes


def _backward_array(c: FusedTargets, g: np.ndarray) -> np.ndarray:
    n = c.shape[0]
    if c.reduction == "none":
        scale, picked = g[:, None], g
    else:
        # g is 0-d: as a Python float it costs numpy's arithmetic less than as an array.
        scale = picked = float(g) / n if c.reduction == "mean" else float(g)
    grad = c.softmax * scale  # a new array: the saved softmax stays intact for a second backward
    if c.indices is not None:
        grad.ravel()[c.flat] -= picked  # C-ordered like the softmax: ravel() is a view
    else:
        grad -= c.probs * scale
    return grad


# ---------------------------------------------------------------- floats, row-major
def _forward_floats(c: FusedTargets, zs: tuple[float, ...]) -> float:
    n, width = c.shape
    # The policy of `refuse_undefined`, like a rule's check before anything is recorded.
    # A finite sum means finite entries (NaN and inf survive a sum); only a sum that
    # overflowed, or -inf logits, need the row-by-row search. Arrays are checked by
    # `cross_entropy` before the node is made, in one pass over the data.
    if not math.isfinite(sum(zs)):
        rows = [zs[i * width:(i + 1) * width] for i in range(n)]
        if refuse_undefined("cross_entropy", rows):
            refuse_infinite_targets("cross_entropy", rows, c.indices, c.probs)
    softmax, total = [], 0.0
    for i in range(n):
        row = zs[i * width:(i + 1) * width] if n > 1 else zs
        top = max(row)
        exps = [math.exp(z - top) for z in row]
        sum_exps = math.fsum(exps)
        softmax += map(truediv, exps, repeat(sum_exps))
        # On the shifted logits, as the array path: top + log(sum) - z_y would round
        # log(sum) away next to a huge top.
        log_sum = math.log(sum_exps)
        if c.indices is not None:
            total += log_sum - (row[c.indices[i]] - top)
        else:
            total += log_sum - math.fsum(y * (z - top) for y, z in zip(c.probs[i], row) if y)
    c.softmax = softmax
    return total / n if c.reduction == "mean" else total


def _backward_floats(c: FusedTargets, g: float) -> list[float]:
    n, width = c.shape
    scale = g / n if c.reduction == "mean" else g
    grad = [p * scale for p in c.softmax]
    if c.indices is not None:
        for i, target in enumerate(c.indices):
            grad[i * width + target] -= scale
    else:
        for i, row in enumerate(c.probs):
            for j, y in enumerate(row):
                grad[i * width + j] -= y * scale
    return grad


# ---------------------------------------------------------------- graph nodes (create_graph)
def _backward_nodes(c: FusedTargets, g: object, zs: tuple) -> tuple:
    """(softmax(z) - y) * grad with softmax a node of the logits, so the gradient
    differentiates again (its derivative is the softmax Jacobian): one `softmax` node for
    a Tensor, composed per row for Values (the maximum subtracted for stability held
    constant, as in `F.softmax`)."""
    n, width = c.shape
    scale = g * (1.0 / n) if c.reduction == "mean" else g
    if len(zs) == 1 and zs[0].data.ndim == 2:  # a Tensor (N, C): one softmax node
        z = zs[0]
        # holding the forward pass's softmax: the node's own forward computes exactly these
        # numbers from z (tests/test_grad_graph.py), at 30x the cost of a copy
        softmax = type(z)._apply("softmax", (z,), 1, result=c.softmax.copy())
        if c.indices is None:
            minus_y = -c.probs
        else:  # -1 at the targets' flat positions, saved by the forward pass
            minus_y = np.zeros(c.shape, dtype=z.data.dtype)
            minus_y.ravel()[c.flat] = -1.0
        # softmax + (-y) is what softmax - y records, without a `neg` node for a constant
        return ((softmax + minus_y) * (scale.reshape(n, 1) if c.reduction == "none"
                                       else scale),)
    grads = []
    for i in range(n):  # Values, row-major
        row = zs[i * width:(i + 1) * width]
        top = max(z.data for z in row)
        e = [(z - top).exp() for z in row]
        total = type(row[0]).sum(e)
        for j, ej in enumerate(e):
            y = c.probs[i][j] if c.indices is None else float(c.indices[i] == j)
            grads.append((ej / total - y) * scale)
    return tuple(grads)
