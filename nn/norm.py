"""Normalisation layers composed from primitives: `LayerNorm` and `BatchNorm1d`.

Both compute (x - mean) / sqrt(var + eps) with the biased variance (the mean of squared
deviations), then an optional scale and shift: mean, subtraction, squaring, mean again
and a power of -1/2, so the graph shows each step and backpropagation goes through the
statistics too. `BatchNorm1d` takes its statistics from the batch while training and
keeps running averages of them (buffers, saved by `state_dict`) for evaluation.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from autograd import Tensor
from nn.layers import _as_tensor
from nn.module import Module


def _normalise(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """((x - mean) / sqrt(var + eps), mean, biased var), the statistics over `axes` kept."""
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    return centred * (var + eps) ** -0.5, mean, var


def _positive(where: str, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{where}: {name} must be a number > 0, got {value!r}")
    return float(value)


class LayerNorm(Module):
    """Normalise over the last dims given by `normalized_shape` (per sample), then scale by
    weight and shift by bias (both of that shape; ones and zeros at first), as PyTorch's.

    x (..., *normalized_shape) -> the same shape.
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 dtype: object = np.float64) -> None:
        shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) \
            else tuple(normalized_shape)
        if not shape or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool)
                                and n >= 1 for n in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be a positive int or a "
                             f"non-empty tuple of them, got {normalized_shape!r}")
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps = _positive("LayerNorm", "eps", eps)
        self.weight = Tensor(np.ones(shape), requires_grad=True, dtype=dtype, label="weight") \
            if elementwise_affine else None
        self.bias = Tensor(np.zeros(shape), requires_grad=True, dtype=dtype, label="bias") \
            if elementwise_affine and bias else None

    def forward(self, x: Tensor | np.ndarray) -> Tensor:
        x = _as_tensor(x, "LayerNorm")
        k = len(self.normalized_shape)
        if x.shape[x.ndim - k:] != self.normalized_shape or x.ndim < k:
            raise ValueError(f"LayerNorm{self.normalized_shape}: expected input of shape "
                             f"(..., {', '.join(map(str, self.normalized_shape))}), "
                             f"got {x.shape}")
        out, _, _ = _normalise(x, tuple(range(x.ndim - k, x.ndim)), self.eps)
        if self.weight is not None:
            out = out * self.weight
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.weight is not None}")


class BatchNorm1d(Module):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C, as PyTorch's.

    Training: each channel is normalised with the mean and biased variance of the batch
    (over N, and L), and the running averages move towards them:
    running = (1 - momentum) running + momentum stat, with the unbiased variance (n / (n-1)
    times the biased one) for running_var; momentum=None averages all batches equally.
    Evaluation (`.eval()`), or track_running_stats=False: the running statistics are
    constants, so the layer is affine in x. affine=True adds weight (ones) and bias (zeros)
    per channel. Raises ValueError for a wrong shape, or one value per channel in training.
    """

    buffer_names = ("running_mean", "running_var", "num_batches_tracked")

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: object = np.float64) -> None:
        if not isinstance(num_features, numbers.Integral) or isinstance(num_features, bool) \
                or num_features < 1:
            raise ValueError(f"BatchNorm1d: num_features must be a positive int, "
                             f"got {num_features!r}")
        if momentum is not None and (isinstance(momentum, bool) or not isinstance(
                momentum, numbers.Real) or not 0 <= momentum <= 1):
            raise ValueError(f"BatchNorm1d: momentum must be None or in [0, 1], got {momentum!r}")
        self.num_features = int(num_features)
        self.eps = _positive("BatchNorm1d", "eps", eps)
        self.momentum = None if momentum is None else float(momentum)
        c = self.num_features
        self.weight = Tensor(np.ones(c), requires_grad=True, dtype=dtype, label="weight") \
            if affine else None
        self.bias = Tensor(np.zeros(c), requires_grad=True, dtype=dtype, label="bias") \
            if affine else None
        self.running_mean = self.running_var = self.num_batches_tracked = None
        if track_running_stats:
            self.running_mean = Tensor(np.zeros(c), dtype=dtype, label="running_mean")
            self.running_var = Tensor(np.ones(c), dtype=dtype, label="running_var")
            self.num_batches_tracked = Tensor(0.0, label="num_batches_tracked")

    def forward(self, x: Tensor | np.ndarray) -> Tensor:
        x = _as_tensor(x, "BatchNorm1d")
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d({self.num_features}): expected input of shape "
                             f"(N, {self.num_features}) or (N, {self.num_features}, L), "
                             f"got {x.shape}")
        axes = (0,) if x.ndim == 2 else (0, 2)
        shape = (1, -1) if x.ndim == 2 else (1, -1, 1)
        count = x.size // self.num_features
        use_batch = self.training or self.running_mean is None
        if use_batch:
            if count < 2 and self.training:
                raise ValueError(f"BatchNorm1d: expected more than 1 value per channel when "
                                 f"training, got input of shape {x.shape}")
            out, mean, var = _normalise(x, axes, self.eps)
        else:  # the running statistics are constants: x - mean, times 1 / sqrt(var + eps)
            scale = (self.running_var.data + self.eps) ** -0.5
            out = (x - self.running_mean.data.reshape(shape)) * scale.reshape(shape)
        if self.weight is not None:
            out = out * self.weight.reshape(shape) + self.bias.reshape(shape)
        if use_batch and self.training and self.running_mean is not None:
            self._track(mean.data.reshape(-1), var.data.reshape(-1), count)
        return out

    def _track(self, mean: np.ndarray, var: np.ndarray, count: int) -> None:
        """Move the running statistics (computed first, then assigned together)."""
        batches = self.num_batches_tracked.data + 1
        factor = 1.0 / float(batches) if self.momentum is None else self.momentum
        dtype = self.running_mean.data.dtype
        new_mean = ((1 - factor) * self.running_mean.data + factor * mean).astype(dtype)
        new_var = ((1 - factor) * self.running_var.data
                   + factor * var * (count / (count - 1))).astype(dtype)
        self.running_mean.data, self.running_var.data = new_mean, new_var
        self.num_batches_tracked.data = np.asarray(batches)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.weight is not None}, "
                f"track_running_stats={self.running_mean is not None}")
