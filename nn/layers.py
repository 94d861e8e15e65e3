"""Tensor-engine layers: `Linear`, activations, `Dropout`, `Flatten`, `Sequential`.

Layers are compositions of autograd primitives: none writes a backward pass.
`Linear` stores its weight as (in_features, out_features), so a batch x of shape
(N, in) maps to x @ weight + bias of shape (N, out) with no transpose node.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator

import numpy as np

from autograd import Tensor
from autograd.torch_names import torch_names
from nn import functional as F  # noqa: N812 - the conventional name
from nn.module import Module

Seed = int | np.random.Generator | None
INITS = ("he", "xavier", "uniform")


def _as_tensor(x: object, where: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return Tensor(x)
    raise TypeError(f"{where}: expected a Tensor or numpy array, got {type(x).__name__}")


class Linear(Module):
    """y = x @ weight + bias; x (..., in_features) -> y (..., out_features).

    weight has shape (in_features, out_features); bias (out_features,) starts at 0.
    init: "he" (default) normal with std sqrt(2 / in_features), suited to relu;
    "xavier" uniform in +-sqrt(6 / (in + out)); "uniform" in +-1 / sqrt(in_features).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 seed: Seed = None, init: str = "he", dtype: object = np.float64) -> None:
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Linear: {name} must be a positive int, got {n!r}")
        if init not in INITS:
            raise ValueError(f"Linear: init must be one of {INITS}, got {init!r}")
        rng = np.random.default_rng(seed)
        shape = (in_features, out_features)
        if init == "he":
            weight = rng.normal(0.0, math.sqrt(2.0 / in_features), shape)
        elif init == "xavier":
            limit = math.sqrt(6.0 / (in_features + out_features))
            weight = rng.uniform(-limit, limit, shape)
        else:
            limit = 1.0 / math.sqrt(in_features)
            weight = rng.uniform(-limit, limit, shape)
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Tensor(weight, requires_grad=True, dtype=dtype, label="weight")
        self.bias = (Tensor(np.zeros(out_features), requires_grad=True, dtype=dtype,
                            label="bias") if bias else None)

    def forward(self, x: Tensor | np.ndarray) -> Tensor:
        """x (..., in) @ weight (in, out) + bias (out,) -> (..., out)."""
        if type(x) is not Tensor:
            x = _as_tensor(x, "Linear")
        shape = x.data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}): expected "
                             f"input of shape (..., {self.in_features}), got {shape}")
        if self.bias is None:
            return x @ self.weight
        return Tensor._apply("linear", (x, self.weight, self.bias))  # one node, as x @ W + b

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    """x itself, unchanged and unrecorded: a placeholder where a layer may go (PyTorch's)."""

    def forward(self, x: Tensor) -> Tensor:
        return x


class ReLU(Module):
    """max(x, 0) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Tanh(Module):
    """tanh(x) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Softmax(Module):
    """softmax along `axis` (composed from primitives by `nn.functional.softmax`)."""

    @torch_names  # nn.Softmax(dim=1), as PyTorch users write it
    def __init__(self, axis: int = -1) -> None:
        self.axis = axis

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class Dropout(Module):
    """Inverted dropout: in training x * mask / (1 - p) with mask ~ Bernoulli(1 - p); eval: x.

    Dividing by 1 - p keeps E[output] = x, so eval needs no rescaling. The mask is a
    constant of the graph: the gradient is grad * mask / (1 - p).
    """

    def __init__(self, p: float = 0.5, seed: Seed = None) -> None:
        if not isinstance(p, numbers.Real) or isinstance(p, bool):
            raise TypeError(f"Dropout: p must be a number, got {type(p).__name__} {p!r}")
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = np.random.default_rng(seed)

    def forward(self, x: Tensor) -> Tensor:
        x = _as_tensor(x, "Dropout")
        if not self.training or self.p == 0.0:
            return x
        keep = self.rng.random(x.shape) >= self.p
        return x * (keep / (1.0 - self.p)).astype(x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C * H * W) by default.

    A `reshape` node (C order, as PyTorch's Flatten).
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        for name, dim in (("start_dim", start_dim), ("end_dim", end_dim)):
            if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
                raise TypeError(f"Flatten: {name} must be an int, got {dim!r}")
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x: Tensor) -> Tensor:
        x = _as_tensor(x, "Flatten")
        ndim = max(x.ndim, 1)
        start, end = self.start_dim % ndim, self.end_dim % ndim
        if not (-ndim <= self.start_dim < ndim and -ndim <= self.end_dim < ndim) or start > end:
            raise ValueError(f"Flatten: start_dim={self.start_dim}, end_dim={self.end_dim} do "
                             f"not select axes of an input of shape {x.shape}")
        shape = x.shape
        merged = int(np.prod(shape[start:end + 1]))
        return x.reshape(shape[:start] + (merged,) + shape[end + 1:]) if x.ndim else x.reshape(1)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Sequential(Module):
    """modules applied in order: Sequential(a, b)(x) == b(a(x)); indexable and iterable."""

    def __init__(self, *modules: Module) -> None:
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: argument {i} is {type(module).__name__}, "
                                f"not a Module")
        self.layers = list(modules)

    def forward(self, x: object) -> object:
        for module in self.layers:
            x = module(x)
        return x

    def __getitem__(self, index: int | slice) -> Module | Sequential:
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)
