"""`fit`: the training loop (zero grads, forward, loss, backward, step) for both engines."""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from autograd import Tensor, Value
from autograd.graph import Node
from nn.metrics import accuracy

__all__ = ["History", "fit"]


@dataclass
class History:
    """Per-epoch training record: mean loss over the samples, and training accuracy.

    `accuracy` is measured on the outputs the model produced during the epoch (before
    each batch's step), like most training logs; it is NaN when the outputs and `y`
    are not scores and class labels that `nn.metrics.accuracy` understands.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"fit: {name} must be an int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"fit: {name} must be >= 1, got {value!r}")
    return int(value)


def _is_scalar_model(model: Any, optimizer: Any) -> bool:
    """True if the parameters (the optimizer's, else the model's) are all `Value`s."""
    params = getattr(optimizer, "params", None)
    if params is None and callable(getattr(model, "parameters", None)):
        params = list(model.parameters())
    return bool(params) and all(isinstance(p, Value) for p in params)


def _is_label_like(y: np.ndarray) -> bool:
    """Class indices, 0/1 or -1/+1 labels, or one-hot rows: accuracy is meaningful."""
    if y.ndim == 2 and y.shape[1] > 1:
        return bool(np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1))
    return bool(y.size) and bool(np.all(y == np.round(y))) and y.min() >= -1


def _scores(outputs: Any) -> np.ndarray:
    """Model outputs of one batch -> float array (B,) or (B, C) for `accuracy`."""
    if isinstance(outputs, Node):  # Tensor model
        return np.array(outputs.data, dtype=float)
    rows = [o.data if isinstance(o, Value) else [v.data for v in o] for o in outputs]
    return np.array(rows, dtype=float)


def _accuracy(scores: list[np.ndarray], targets: np.ndarray) -> float:
    try:
        return accuracy(np.concatenate(scores), targets)
    except ValueError:  # e.g. integer regression targets: not a classification pair
        return math.nan


def _forward_tensor(model: Any, loss: Callable, xb: np.ndarray, yb: np.ndarray) -> tuple:
    outputs = model(Tensor(xb))
    return outputs, loss(outputs, yb)


def _forward_scalar(model: Any, loss: Callable, xb: np.ndarray, yb: np.ndarray) -> tuple:
    outputs = [model(row) for row in xb.tolist()]
    return outputs, loss(outputs, yb.tolist())


def _in_jupyter() -> bool:
    """True in a Jupyter kernel: its stderr is no terminal, yet the notebook shows the bar."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def fit(model: Any, X: Any, y: Any, loss: Callable, optimizer: Any, epochs: int,  # noqa: N803
        batch_size: int | None = None, progress: bool = True,
        seed: int | None = None) -> History:
    """Train `model` on X (N, ...) and y (N, ...) for `epochs` passes; returns the History.

    Tensor models get each batch as a constant Tensor and compute loss(model(X), y).
    Scalar models (all parameters `Value`) get each row of X as a list of floats,
    return a Value or a list of Value per row, and loss(outputs, targets) receives
    the list of outputs and y as nested Python lists. With `batch_size` set, the
    samples are shuffled every epoch with numpy's default_rng(seed); without it each
    epoch is one full batch. The tqdm bar (stderr) is shown only if `progress` and
    stderr is a terminal or the code runs in a Jupyter kernel.
    """
    x_all = np.asarray(X)
    if not np.issubdtype(x_all.dtype, np.floating):
        x_all = x_all.astype(np.float64)
    y_all = np.asarray(y)
    if x_all.ndim < 2 or y_all.ndim < 1 or len(x_all) != len(y_all) or len(x_all) == 0:
        raise ValueError(f"fit: X of shape {x_all.shape} and y of shape {y_all.shape} must "
                         f"both hold the same N >= 1 samples, X as (N, features...)")
    epochs = _count(epochs, "epochs")
    n = len(x_all)
    size = n if batch_size is None else min(_count(batch_size, "batch_size"), n)
    scalar = _is_scalar_model(model, optimizer)
    if scalar and x_all.ndim != 2:
        raise ValueError(f"fit: a scalar (Value) model needs X of shape (N, features), "
                         f"got {x_all.shape}")
    forward = _forward_scalar if scalar else _forward_tensor
    measure = _is_label_like(y_all)
    rng = np.random.default_rng(seed)
    history = History()
    show = progress and (sys.stderr.isatty() or _in_jupyter())
    bar = tqdm(range(epochs), desc="fit", unit="epoch", disable=not show, file=sys.stderr)
    for epoch in bar:
        order = rng.permutation(n) if batch_size is not None else np.arange(n)
        total, scores = 0.0, []
        for start in range(0, n, size):
            batch = order[start:start + size]
            optimizer.zero_grad()
            outputs, value = forward(model, loss, x_all[batch], y_all[batch])
            if not isinstance(value, Node):
                raise TypeError(f"fit: loss must return a Value or Tensor, got "
                                f"{type(value).__name__}")
            number = value.item()
            if not math.isfinite(number):
                raise ValueError(f"fit: loss is {number!r} at epoch {epoch}, samples "
                                 f"{start}..{start + len(batch) - 1}; no step was taken")
            value.backward()
            optimizer.step()
            total += number * len(batch)
            if measure:
                scores.append(_scores(outputs))
        history.loss.append(total / n)
        history.accuracy.append(acc := _accuracy(scores, y_all[order]) if measure else math.nan)
        # refresh=False: drawn at tqdm's own pace (a notebook stores every redraw)
        bar.set_postfix(loss=f"{history.loss[-1]:.4f}", acc=f"{acc:.3f}", refresh=False)
    bar.close()
    return history
