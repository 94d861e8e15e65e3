"""The one deliberately fused primitive: softmax + cross-entropy in a single node.

Forward: loss_i = logsumexp(z_i) - sum_j y_ij z_ij (log-sum-exp, stable for any
finite logits). Backward, the closed form: dL/dz = (softmax(z) - y) * grad, divided
by N for the mean. `nn.functional.cross_entropy(..., fused=True)` calls it; the
composed path builds the same loss from primitives so the two can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from autograd.ops import define


@dataclass(eq=False)
class FusedTargets:
    """The fused node's constants: targets as class indices (N,) or probability rows (N, C)."""

    indices: np.ndarray | None
    probs: np.ndarray | None
    shape: tuple[int, int]  # (N, C) of the logits
    reduction: str  # "mean" | "sum" | "none"
    softmax: np.ndarray | None = field(default=None, repr=False)  # saved by forward


def _logits(c: FusedTargets, zs: tuple) -> np.ndarray:
    # Tensor engine: one (N, C) array. Value engine: N*C floats, row-major.
    if len(zs) == 1 and isinstance(zs[0], np.ndarray):
        return zs[0]
    return np.array(zs, dtype=np.float64).reshape(c.shape)


def _forward(m, c: FusedTargets, *zs):
    z = _logits(c, zs)
    shifted = z - z.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    sums = exps.sum(axis=1, keepdims=True)
    c.softmax = exps / sums
    log_probs = shifted - np.log(sums)
    if c.indices is not None:
        losses = -log_probs[np.arange(len(z)), c.indices]
    else:
        losses = -(c.probs * log_probs).sum(axis=1)
    if c.reduction == "mean":
        out = losses.mean()
    elif c.reduction == "sum":
        out = losses.sum()
    else:
        out = losses
    return out if len(zs) == 1 else float(out)


def _backward(m, c: FusedTargets, needs, g, out, *zs):
    n = c.shape[0]
    grad = c.softmax.copy()
    if c.indices is not None:
        grad[np.arange(n), c.indices] -= 1.0
    else:
        grad -= c.probs
    if c.reduction == "none":
        grad *= np.asarray(g)[:, None]
    else:
        grad *= g / n if c.reduction == "mean" else g
    if len(zs) == 1:
        return (grad,)
    return tuple(grad.ravel().tolist())


SOFTMAX_CROSS_ENTROPY = define("softmax_cross_entropy", _forward, _backward)
