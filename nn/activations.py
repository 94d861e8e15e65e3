"""Activation layers: the module forms of `autograd`'s activation functions, so that a
network is written as PyTorch users write it (`nn.Sequential(nn.Linear(...), nn.GELU())`).

Each holds its constants and records exactly what the function records (its graph and
conventions are those of docs/ops.md); none has parameters. `ReLU`, `Tanh`, `Sigmoid`
and `Softmax` live in `nn.layers`.
"""

from __future__ import annotations

import autograd
from autograd import Tensor
from nn.module import Module


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise (`autograd.leaky_relu`); slope at 0 is
    negative_slope, as PyTorch's."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = float(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return autograd.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, alpha (exp(x) - 1) otherwise (`autograd.elu`, Clevert et al. 2015)."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(alpha)

    def forward(self, x: Tensor) -> Tensor:
        return autograd.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class CELU(Module):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)) (`autograd.celu`, Barron 2017).
    Raises ValueError for alpha = 0."""

    def __init__(self, alpha: float = 1.0) -> None:
        if float(alpha) == 0:
            raise ValueError("CELU: alpha must not be 0")
        self.alpha = float(alpha)

    def forward(self, x: Tensor) -> Tensor:
        return autograd.celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SELU(Module):
    """scale * elu(x, alpha) with Klambauer et al.'s (2017) constants (`autograd.selu`)."""

    def forward(self, x: Tensor) -> Tensor:
        return autograd.selu(x)


class SiLU(Module):
    """x * sigmoid(x), also called swish (`autograd.silu`)."""

    def forward(self, x: Tensor) -> Tensor:
        return autograd.silu(x)


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF (`autograd.gelu`); approximate="tanh" for
    the tanh approximation. Raises ValueError for another `approximate`."""

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return autograd.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, exact for every x (`autograd.softplus`; PyTorch's
    threshold shortcut is not taken). Raises ValueError for beta <= 0."""

    def __init__(self, beta: float = 1.0) -> None:
        if not float(beta) > 0:
            raise ValueError(f"Softplus: beta must be positive, got {beta}")
        self.beta = float(beta)

    def forward(self, x: Tensor) -> Tensor:
        return autograd.softplus(x, self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}"


class LogSigmoid(Module):
    """log(sigmoid(x)) = -softplus(-x), exact for every x (`autograd.log_sigmoid`)."""

    def forward(self, x: Tensor) -> Tensor:
        return autograd.log_sigmoid(x)


class Softsign(Module):
    """x / (1 + |x|) (`autograd.softsign`)."""

    def forward(self, x: Tensor) -> Tensor:
        return autograd.softsign(x)


class Hardtanh(Module):
    """x clamped into [min_val, max_val], gradient 0 at the bounds (`autograd.hardtanh`).
    Raises ValueError if min_val > max_val."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        if float(min_val) > float(max_val):
            raise ValueError(f"Hardtanh: min_val={min_val} is greater than max_val={max_val}")
        self.min_val, self.max_val = float(min_val), float(max_val)

    def forward(self, x: Tensor) -> Tensor:
        return autograd.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Module):
    """min(max(x, 0), 6) (`autograd.relu6`)."""

    def forward(self, x: Tensor) -> Tensor:
        return autograd.relu6(x)
