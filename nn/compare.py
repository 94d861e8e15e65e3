"""Fused vs composed cross-entropy, side by side: values, gradients, times, graph sizes."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from autograd import Tensor, Value, topological_order
from nn.cross_entropy import cross_entropy
from nn.targets import Logits, Targets, check_logits


@dataclass
class GradientReport:
    """What `compare_gradients` measured; `ok` is True when the two paths agree.

    Differences are of the logits' gradients: `max_abs_diff` = max |g_fused - g_composed|,
    `max_rel_diff` = max_abs_diff / max(max |g_composed|, 1/N for "mean" else 1): relative
    to the gradient's scale, factor * (softmax - y), so rows that are confidently right
    (gradients near 0) are not judged by their rounding alone.
    Times are medians over `repeats`, in seconds.
    """

    engine: str
    shape: tuple[int, int]
    dtype: str
    loss_fused: float
    loss_composed: float
    grad_fused: np.ndarray
    grad_composed: np.ndarray
    max_abs_diff: float
    max_rel_diff: float
    forward_fused: float
    backward_fused: float
    forward_composed: float
    backward_composed: float
    nodes_fused: int
    nodes_composed: int
    tolerance: float

    @property
    def ok(self) -> bool:
        """Losses and gradients agree within `tolerance` (relative)."""
        loss_scale = max(abs(self.loss_composed), 1e-300)
        return bool(self.max_rel_diff <= self.tolerance
                    and abs(self.loss_fused - self.loss_composed) / loss_scale <= self.tolerance)

    @property
    def speedup(self) -> float:
        """Composed forward+backward time over fused forward+backward time."""
        fused = self.forward_fused + self.backward_fused
        return (self.forward_composed + self.backward_composed) / max(fused, 1e-12)

    def __str__(self) -> str:
        n, c = self.shape
        rows = [
            ("", "fused", "composed"),
            ("loss", f"{self.loss_fused:.12g}", f"{self.loss_composed:.12g}"),
            ("forward", _ms(self.forward_fused), _ms(self.forward_composed)),
            ("backward", _ms(self.backward_fused), _ms(self.backward_composed)),
            ("graph nodes", str(self.nodes_fused), str(self.nodes_composed)),
        ]
        width = max(len(r[0]) for r in rows)
        lines = [f"cross-entropy, {self.engine} engine, N={n} C={c} {self.dtype}"]
        lines += [f"  {a:<{width}}  {b:>16}  {d:>16}" for a, b, d in rows]
        verdict = "agree" if self.ok else "DISAGREE"
        lines.append(f"  gradient difference: max abs {self.max_abs_diff:.3g}, "
                     f"max rel {self.max_rel_diff:.3g} (tolerance {self.tolerance:g}): {verdict}")
        lines.append(f"  fused is {self.speedup:.1f}x faster (forward + backward)")
        return "\n".join(lines)


def compare_gradients(logits: Logits | np.ndarray, targets: Targets, repeats: int = 5,
                      reduction: str = "mean", tolerance: float | None = None) -> GradientReport:
    """Run cross_entropy fused and composed on the same logits; compare loss, gradient, time.

    logits: a Tensor or ndarray (N, C) (tensor engine) or Values / lists of Values
    (scalar engine); only their numbers are used, fresh leaves are made per run.
    tolerance defaults to 1e-12 for float64 and 1e-5 for float32. With reduction="none"
    the per-sample losses are summed before backward (and `loss_*` are those sums).
    """
    if repeats < 1:
        raise ValueError(f"compare_gradients: repeats must be >= 1, got {repeats}")
    tensor_engine = isinstance(logits, (Tensor, np.ndarray))
    if tensor_engine:
        data = np.asarray(logits.data if isinstance(logits, Tensor) else logits)
        if data.dtype.kind != "f":
            data = data.astype(np.float64)
        check_logits(Tensor(data))
        single = False
    else:
        single = check_logits(logits)[2]
        rows = [logits] if single else logits
        data = np.array([[v.data if isinstance(v, Value) else float(v) for v in row]
                         for row in rows], dtype=np.float64)
    if tolerance is None:
        tolerance = 1e-5 if data.dtype == np.float32 else 1e-12
    results = {}
    for fused in (True, False):
        forward_times, backward_times = [], []
        for _ in range(repeats):
            leaves, inputs = _fresh_leaves(data, tensor_engine, single)
            start = time.perf_counter()
            loss = cross_entropy(inputs, targets, fused=fused, reduction=reduction)
            if reduction == "none":  # compare the gradients of the summed per-sample losses
                loss = loss.sum() if isinstance(loss, Tensor) else Value.sum(loss)
            middle = time.perf_counter()
            loss.backward()
            end = time.perf_counter()
            forward_times.append(middle - start)
            backward_times.append(end - middle)
        grad = _gradient(leaves, tensor_engine, data.shape)
        results[fused] = (float(np.asarray(loss.data)), grad, float(np.median(forward_times)),
                          float(np.median(backward_times)), len(topological_order(loss)))
    fused, composed = results[True], results[False]
    diff = float(np.max(np.abs(fused[1] - composed[1])))
    # The gradient is factor * (softmax - y): its rounding error is ~eps * factor even
    # when every entry is tiny (confident rows), so factor is the floor of the scale.
    factor = 1.0 / data.shape[0] if reduction == "mean" else 1.0
    scale = max(float(np.max(np.abs(composed[1]))), factor)
    return GradientReport(
        engine="tensor" if tensor_engine else "scalar", shape=tuple(data.shape),
        dtype=str(data.dtype), loss_fused=fused[0], loss_composed=composed[0],
        grad_fused=fused[1], grad_composed=composed[1], max_abs_diff=diff,
        max_rel_diff=diff / scale, forward_fused=fused[2],
        backward_fused=fused[3], forward_composed=composed[2], backward_composed=composed[3],
        nodes_fused=fused[4], nodes_composed=composed[4], tolerance=tolerance,
    )


def _fresh_leaves(data: np.ndarray, tensor_engine: bool, single: bool) -> tuple[list, object]:
    if tensor_engine:
        leaf = Tensor(data.copy(), requires_grad=True)
        return [leaf], leaf
    rows = [[Value(float(x)) for x in row] for row in data]
    return [v for row in rows for v in row], rows[0] if single else rows


def _gradient(leaves: list, tensor_engine: bool, shape: tuple[int, ...]) -> np.ndarray:
    if tensor_engine:
        return np.asarray(leaves[0].grad, dtype=np.float64)
    return np.array([v.grad for v in leaves], dtype=np.float64).reshape(shape)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms"
