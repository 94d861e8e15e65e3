"""Classification accuracy for both engines' outputs."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from autograd.graph import Node

__all__ = ["accuracy"]


def _as_array(x: object, what: str) -> np.ndarray:
    """Tensor / ndarray / (nested) list of Value or numbers -> float ndarray."""
    if isinstance(x, Node):  # a Tensor, or a single Value
        return np.asarray(x.data, dtype=float)
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, Sequence) and not isinstance(x, str):
        try:
            return np.array([_row(item) for item in x], dtype=float)
        except (TypeError, ValueError) as err:
            raise TypeError(f"accuracy: cannot read {what} as a table of numbers: {err}") from None
    raise TypeError(f"accuracy: {what} must be a Tensor, ndarray or list, got {type(x).__name__}")


def _row(item: object) -> float | list[float]:
    if isinstance(item, Node):
        return item.data if np.ndim(item.data) == 0 else np.asarray(item.data).tolist()
    if isinstance(item, numbers.Real):
        return float(item)
    if isinstance(item, Sequence | np.ndarray):
        return [_row(v) for v in item]
    raise TypeError(f"unexpected element {type(item).__name__} {item!r}")


def accuracy(outputs: object, targets: object, threshold: float = 0.0) -> float:
    """Fraction of samples whose predicted class equals the target, in [0, 1].

    outputs: (N, C) scores with C >= 2 -> predicted class = argmax over C;
    (N,) or (N, 1) single-output scores -> class "positive" iff score > `threshold`
    (0 for raw scores, logits and tanh outputs; pass 0.5 for sigmoid probabilities).
    A flat list of Value is N single-output scores; a list of lists is (N, C).
    targets: int class indices (N,), one-hot rows (N, C), or for single-output scores
    labels in {0, 1} or {-1, +1} (positive iff label > 0), as (N,) or (N, 1).
    """
    scores = _as_array(outputs, "outputs")
    labels = _as_array(targets, "targets")
    given = (scores.shape, labels.shape)  # for messages, before any squeezing
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim not in (1, 2):
        raise ValueError(f"accuracy: outputs must be (N,), (N, 1) or (N, C), got {scores.shape}")
    n = scores.shape[0]
    if n == 0:
        raise ValueError(f"accuracy: no samples (outputs of shape {given[0]})")
    if labels.ndim == 0 or labels.shape[0] != n or labels.ndim > 2:
        raise ValueError(f"accuracy: outputs of shape {given[0]} and targets of shape "
                         f"{given[1]} do not describe the same N samples")
    if scores.ndim == 2:
        return _multiclass(scores, labels)
    return _binary(scores, labels, threshold)


def _multiclass(scores: np.ndarray, labels: np.ndarray) -> float:
    n, classes = scores.shape
    if labels.ndim == 2:
        if labels.shape[1] != classes:
            raise ValueError(f"accuracy: outputs of shape {scores.shape} and one-hot targets of "
                             f"shape {labels.shape} have different class counts")
        labels = labels.argmax(axis=1)
    elif not np.all(labels == np.round(labels)) or labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f"accuracy: class indices must be integers in [0, {classes}), "
                         f"got values from {labels.min()!r} to {labels.max()!r}")
    return float(np.mean(scores.argmax(axis=1) == labels))


def _binary(scores: np.ndarray, labels: np.ndarray, threshold: float) -> float:
    if labels.ndim == 2:
        if labels.shape[1] != 1:
            raise ValueError(f"accuracy: single-output scores of shape {scores.shape} need "
                             f"targets of shape (N,) or (N, 1), got {labels.shape}")
        labels = labels[:, 0]
    seen = set(np.unique(labels).tolist())
    if not (seen <= {0, 1} or seen <= {-1, 1}):
        raise ValueError(f"accuracy: single-output targets must be 0/1 or -1/+1 labels, "
                         f"got values {sorted(seen)[:5]}")
    return float(np.mean((scores > threshold) == (labels > 0)))
