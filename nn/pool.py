"""2-D max and average pooling composed from primitives: im2col, then max or mean per window.

The windows of every channel are cut out by the `im2col` primitive (padding with -inf
for the maximum, so a padded place never wins; with 0 for the average), each channel's
KH * KW window places as rows, and reduced over those rows by the `max` or `sum`
primitive (elementwise along long rows, which numpy does fastest): tied maxima
share the gradient evenly (PyTorch gives it all to one of them). Shapes as PyTorch's:
(N, C, H, W) -> (N, C, OH, OW); the stride defaults to the kernel size.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor, apply, scope
from autograd.windows import Window
from nn.conv import Size, image_batch, output_size, pair
from nn.module import Module


def _window(where: str, kernel_size: Size, stride: Size | None, padding: Size,
            dilation: Size, fill: float) -> Window:
    kernel = pair(kernel_size, "kernel_size", where, 1)
    stride = kernel if stride is None else pair(stride, "stride", where, 1)
    padding = pair(padding, "padding", where, 0)
    if any(2 * p > k for p, k in zip(padding, kernel)):  # PyTorch's limit too
        raise ValueError(f"{where}: padding {padding} must be at most half the kernel "
                         f"size {kernel}")
    return Window(kernel, stride, padding, pair(dilation, "dilation", where, 1), fill)


def _windows(x: Tensor, window: Window, where: str) -> tuple[Tensor, tuple[int, ...]]:
    """Each channel's windows (C, KH * KW, N * OH * OW), and the (C, N, OH, OW) shape."""
    oh, ow = output_size(window, x, where)
    n, c = x.shape[:2]
    cols = apply("im2col", x, ctx=window)  # rows (c, ki, kj), columns (n, i, j)
    return cols.reshape(c, window.kernel[0] * window.kernel[1], n * oh * ow), (c, n, oh, ow)


def max_pool2d(x: Tensor | np.ndarray, kernel_size: Size, stride: Size | None = None,
               padding: Size = 0, dilation: Size = 1) -> Tensor:
    """The maximum of each window: x (N, C, H, W) -> (N, C, OH, OW); padding counts as
    -inf (at most half the kernel, so every window holds an entry of x)."""
    with scope("max_pool2d"):
        window = _window("max_pool2d", kernel_size, stride, padding, dilation, -np.inf)
        rows, shape = _windows(image_batch(x, "max_pool2d"), window, "max_pool2d")
        return rows.max(axis=1).reshape(shape).transpose(1, 0, 2, 3)


def avg_pool2d(x: Tensor | np.ndarray, kernel_size: Size, stride: Size | None = None,
               padding: Size = 0, count_include_pad: bool = True) -> Tensor:
    """The mean of each window: x (N, C, H, W) -> (N, C, OH, OW). Padding counts as 0 and
    is part of the count (count_include_pad=True, PyTorch's default), or left out of it."""
    with scope("avg_pool2d"):
        window = _window("avg_pool2d", kernel_size, stride, padding, 1, 0.0)
        x = image_batch(x, "avg_pool2d")
        rows, shape = _windows(x, window, "avg_pool2d")
        sums = rows.sum(axis=1).reshape(shape)
        if count_include_pad or window.padding == (0, 0):
            out = sums * (1.0 / rows.shape[1])
        else:  # how many places of each window are inside the image: a constant
            ones = np.ones((1, 1, *x.shape[2:]))
            counts = apply("im2col", Tensor(ones), ctx=window).data.sum(axis=0)
            out = sums * (1.0 / counts).reshape(shape[2:]).astype(x.dtype)
        return out.transpose(1, 0, 2, 3)


class MaxPool2d(Module):
    """Max pooling: (N, C, H, W) -> (N, C, OH, OW); see `max_pool2d`."""

    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                 dilation: Size = 1) -> None:
        window = _window("MaxPool2d", kernel_size, stride, padding, dilation, -np.inf)
        self.kernel_size, self.stride = window.kernel, window.stride
        self.padding, self.dilation = window.padding, window.dilation

    def forward(self, x: Tensor | np.ndarray) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}")


class AvgPool2d(Module):
    """Average pooling: (N, C, H, W) -> (N, C, OH, OW); see `avg_pool2d`."""

    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                 count_include_pad: bool = True) -> None:
        window = _window("AvgPool2d", kernel_size, stride, padding, 1, 0.0)
        self.kernel_size, self.stride, self.padding = window.kernel, window.stride, \
            window.padding
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor | np.ndarray) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding,
                          self.count_include_pad)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, count_include_pad={self.count_include_pad}")
