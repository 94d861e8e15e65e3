"""The training picture: decision regions with the data (left), loss and accuracy curves (right)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# The format follows the extension; matplotlib writes each of these itself.
PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def grid(x: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A steps x steps mesh over x's bounding box (+10%) -> (xx, yy, points (steps**2, 2))."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    margin = 0.1 * np.maximum(hi - lo, 1e-3)
    xs = np.linspace(lo[0] - margin[0], hi[0] + margin[0], steps)
    ys = np.linspace(lo[1] - margin[1], hi[1] + margin[1], steps)
    xx, yy = np.meshgrid(xs, ys)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def save_training_plot(path: str | Path, x: np.ndarray, y: np.ndarray,
                       predict: Callable[[np.ndarray], np.ndarray], losses: Sequence[float],
                       accuracies: Sequence[float] = (), *, title: str = "",
                       steps: int = 150) -> Path:
    """Write the picture: predict(points (M, 2)) -> classes (M,) drawn as regions, and the loss
    curve; PNG, SVG or PDF by the extension of `path` (ValueError for another one)."""
    import matplotlib

    matplotlib.use("Agg")  # headless: must be chosen before pyplot is imported
    import matplotlib.pyplot as plt

    path = Path(path)
    fmt = path.suffix.lower()
    if fmt not in PLOT_SUFFIXES:
        raise ValueError(f"cannot write {str(path)!r}: the format follows the extension, one "
                         f"of {', '.join(PLOT_SUFFIXES)}")
    xx, yy, points = grid(x, steps)
    regions = np.asarray(predict(points)).reshape(xx.shape)
    classes = int(max(y.max(), regions.max())) + 1
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.4))
    try:
        cmap = plt.get_cmap("tab10" if classes <= 10 else "tab20")
        levels = np.arange(classes + 1) - 0.5
        left.contourf(xx, yy, regions, levels=levels, cmap=cmap, alpha=0.3,
                      vmin=-0.5, vmax=cmap.N - 0.5)
        left.scatter(x[:, 0], x[:, 1], c=y, cmap=cmap, vmin=-0.5, vmax=cmap.N - 0.5,
                     s=12, edgecolors="k", linewidths=0.3)
        left.set(title="decision boundary", xlabel="x1", ylabel="x2")
        _training_curves(right, losses, accuracies)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(path, format=fmt[1:], dpi=90)
    finally:
        plt.close(fig)
    return path


def save_digits_plot(path: str | Path, images: np.ndarray, labels: np.ndarray,
                     predicted: np.ndarray, losses: Sequence[float],
                     accuracies: Sequence[float] = (), *, title: str = "",
                     shown: int = 18) -> Path:
    """Write the digits picture: up to `shown` misclassified test images (N, 1, 8, 8) or
    (N, 64), each captioned "true -> predicted" (left), and the loss and training
    accuracy per epoch (right); PNG, SVG or PDF by the extension of `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    fmt = path.suffix.lower()
    if fmt not in PLOT_SUFFIXES:
        raise ValueError(f"cannot write {str(path)!r}: the format follows the extension, one "
                         f"of {', '.join(PLOT_SUFFIXES)}")
    wrong = np.flatnonzero(predicted != labels)[:shown]
    columns = 6
    fig = plt.figure(figsize=(11, 4.6))
    try:
        grid = fig.add_gridspec(3, columns + 5)
        for k in range(3 * columns):
            ax = fig.add_subplot(grid[k // columns, k % columns])
            ax.set_axis_off()
            if k < len(wrong):
                i = wrong[k]
                ax.imshow(np.asarray(images[i]).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
                ax.set_title(f"{labels[i]} \u2192 {predicted[i]}", fontsize=9, color="tab:red")
        total = int((predicted != labels).sum())
        fig.text(0.03, 0.96, f"misclassified test digits: {total} of {len(labels)} "
                 f"(true \u2192 predicted)", fontsize=10)
        right = fig.add_subplot(grid[:, columns + 1:])
        _training_curves(right, losses, accuracies)
        if title:
            fig.suptitle(title, x=0.7)
        fig.savefig(path, format=fmt[1:], dpi=90)
    finally:
        plt.close(fig)
    return path


def _training_curves(ax: Any, losses: Sequence[float], accuracies: Sequence[float]) -> None:
    """The loss per epoch on `ax`, and the accuracy on a second y axis if there is one."""
    epochs = np.arange(1, len(losses) + 1)
    lines = ax.plot(epochs, losses, color="tab:red", label="loss")
    ax.set(title="training", xlabel="epoch", ylabel="loss")
    if len(accuracies):
        twin = ax.twinx()
        lines += twin.plot(epochs, accuracies, color="tab:blue", label="accuracy")
        twin.set(ylabel="accuracy", ylim=(0.0, 1.05))
    ax.legend(lines, [line.get_label() for line in lines], loc="center right")
