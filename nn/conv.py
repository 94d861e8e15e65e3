"""2-D convolution composed from primitives: `conv2d` (functional) and the `Conv2d` layer.

A convolution is im2col (every window of the image as a column, `autograd.ops_conv`)
followed by one matrix product with the kernels, plus the bias. Its graph is im2col ->
matmul -> add -> reshape/transpose back to (N, C, H, W) (a view: the memory stays in the
matmul's (C, N, H, W) order, which is the order the next im2col reads);
backpropagation runs the same nodes backwards (col2im adds each window's gradient back
onto the image), so no backward pass is written here. Shapes follow PyTorch: images
(N, C, H, W), weight (out_channels, in_channels, KH, KW), bias (out_channels,).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from autograd import Tensor, apply, scope
from autograd.windows import Window
from nn.module import Module

Seed = int | np.random.Generator | None
Size = int | tuple[int, int]
INITS = ("he", "xavier", "uniform")


def pair(value: object, name: str, where: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints (rows, columns), each >= minimum; ValueError naming it."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                  and v >= minimum for v in items):
        raise ValueError(f"{where}: {name} must be an int >= {minimum} or a pair of them, "
                         f"got {value!r}")
    return int(items[0]), int(items[1])


def image_batch(x: object, where: str, channels: int | None = None) -> Tensor:
    """x as a Tensor of shape (N, C, H, W), C == channels when given."""
    if not isinstance(x, Tensor):
        if not isinstance(x, np.ndarray):
            raise TypeError(f"{where}: expected a Tensor or numpy array (N, C, H, W), "
                            f"got {type(x).__name__}")
        x = Tensor(x)
    if x.ndim != 4:
        raise ValueError(f"{where}: expected a batch of images (N, C, H, W), got shape "
                         f"{x.shape}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{where}: expected {channels} input channels, got input of shape "
                         f"{x.shape}")
    return x


def output_size(window: Window, x: Tensor, where: str) -> tuple[int, int]:
    """(OH, OW), or a ValueError if the (padded) image is smaller than one window."""
    oh, ow = window.output_size(*x.shape[2:])
    if oh < 1 or ow < 1:
        raise ValueError(f"{where}: the input {x.shape} is too small for kernel "
                         f"{window.kernel} with padding {window.padding} and dilation "
                         f"{window.dilation}: the output would be {oh} x {ow}")
    return oh, ow


def conv2d(x: Tensor | np.ndarray, weight: Tensor, bias: Tensor | None = None,
           stride: Size = 1, padding: Size = 0, dilation: Size = 1) -> Tensor:
    """2-D cross-correlation, as PyTorch's conv2d: x (N, C, H, W), weight (O, C, KH, KW),
    bias (O,) -> (N, O, OH, OW) with out[n, o, i, j] = bias[o] + sum over c, ki, kj of
    weight[o, c, ki, kj] * x_padded[n, c, i*stride + ki*dilation, j*stride + kj*dilation].

    Zero padding. Raises ValueError for shapes that do not fit (naming them), or an
    image smaller than one window.
    """
    with scope("conv2d"):
        return _conv2d(x, weight, bias, stride, padding, dilation)


def _conv2d(x: object, weight: Tensor, bias: Tensor | None, stride: Size, padding: Size,
            dilation: Size) -> Tensor:
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be a Tensor (out, in, KH, KW), got "
                         f"{getattr(weight, 'shape', type(weight).__name__)}")
    out_channels, channels, kh, kw = weight.shape
    x = image_batch(x, "conv2d", channels)
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(f"conv2d: bias must have shape ({out_channels},), got {bias.shape}")
    window = Window((kh, kw), pair(stride, "stride", "conv2d", 1),
                    pair(padding, "padding", "conv2d", 0), pair(dilation, "dilation", "conv2d", 1))
    oh, ow = output_size(window, x, "conv2d")
    cols = apply("im2col", x, ctx=window)  # (C * KH * KW, N * OH * OW)
    out = weight.reshape(out_channels, channels * kh * kw) @ cols  # (O, N * OH * OW)
    if bias is not None:
        out = out + bias.reshape(out_channels, 1)
    return out.reshape(out_channels, x.shape[0], oh, ow).transpose(1, 0, 2, 3)


class Conv2d(Module):
    """2-D convolution layer: (N, in_channels, H, W) -> (N, out_channels, OH, OW).

    weight (out_channels, in_channels, KH, KW) and bias (out_channels,) as in PyTorch;
    kernel_size, stride, padding (zeros) and dilation are ints or (rows, columns) pairs.
    init as `Linear`'s, with fan_in = in_channels * KH * KW: "he" (default, normal with
    std sqrt(2 / fan_in)), "xavier" (uniform, fan_out = out_channels * KH * KW) or
    "uniform" (+-1 / sqrt(fan_in)); the bias starts at 0.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Size,
                 stride: Size = 1, padding: Size = 0, dilation: Size = 1, bias: bool = True,
                 seed: Seed = None, init: str = "he", dtype: object = np.float64) -> None:
        for name, n in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Conv2d: {name} must be a positive int, got {n!r}")
        if init not in INITS:
            raise ValueError(f"Conv2d: init must be one of {INITS}, got {init!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = pair(stride, "stride", "Conv2d", 1)
        self.padding = pair(padding, "padding", "Conv2d", 0)
        self.dilation = pair(dilation, "dilation", "Conv2d", 1)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        area = self.kernel_size[0] * self.kernel_size[1]
        fan_in, fan_out = self.in_channels * area, self.out_channels * area
        rng = np.random.default_rng(seed)
        if init == "he":
            weight = rng.normal(0.0, math.sqrt(2.0 / fan_in), shape)
        else:
            limit = math.sqrt(6.0 / (fan_in + fan_out)) if init == "xavier" \
                else 1.0 / math.sqrt(fan_in)
            weight = rng.uniform(-limit, limit, shape)
        self.weight = Tensor(weight, requires_grad=True, dtype=dtype, label="weight")
        self.bias = (Tensor(np.zeros(out_channels), requires_grad=True, dtype=dtype,
                            label="bias") if bias else None)

    def forward(self, x: Tensor | np.ndarray) -> Tensor:
        """x (N, in_channels, H, W) -> (N, out_channels, OH, OW)."""
        return _conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        return text + ("" if self.bias is not None else ", bias=False")
