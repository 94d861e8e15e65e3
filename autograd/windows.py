"""Sliding windows over images, the arithmetic behind convolution and pooling.

`im2col` copies every window of an image batch (N, C, H, W) into one column of a matrix
(C * KH * KW, N * OH * OW): rows ordered (c, ki, kj) as a PyTorch weight
(out, C, KH, KW) is laid out, columns (n, i, j) by output position (PyTorch's `unfold`
gives the same numbers as (N, C * KH * KW, OH * OW)). A convolution is then one matrix
product, kernels (out, C * KH * KW) @ columns, and pooling a reduction over each
channel's KH * KW rows: both run along the long axis of contiguous rows, which numpy
does fastest. `col2im` is its transpose: it adds each column's entries back onto the
image positions they were copied from (overlapping windows accumulate), which is the
gradient of `im2col`. Both are linear, so each is the other's derivative
(`autograd.ops_conv`).

Images are read, and gradients written, channel-major in memory ((C, N, H, W), viewed as
(N, C, H, W)): that is how a convolution's output comes out of its matrix product, so a
network of convolutions and pooling passes views between its layers, not copies.

Output size along an axis (PyTorch's formula): (size + 2 padding - dilation (k - 1) - 1)
// stride + 1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.lib.stride_tricks import as_strided

Pair = tuple[int, int]


@dataclass(frozen=True)
class Window:
    """The windows of im2col: kernel, stride, padding and dilation as (rows, columns) pairs,
    and the number padding stands for (0 for convolution and average pooling, -inf for
    max pooling)."""

    kernel: Pair
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    fill: float = 0.0

    def output_size(self, height: int, width: int) -> Pair:
        """(OH, OW) for an image of height x width; either may come out < 1 (too small)."""
        return tuple((size + 2 * p - d * (k - 1) - 1) // s + 1 for size, k, s, p, d in zip(
            (height, width), self.kernel, self.stride, self.padding, self.dilation))

    def zero_filled(self) -> Window:
        """The same windows padded with 0: im2col as the transpose of col2im, where padded
        places stand for no image entry and carry no gradient."""
        return self if self.fill == 0 else replace(self, fill=0.0)

    def overlaps(self) -> bool:
        """True if some image entry lies in two windows (then col2im must add, not copy)."""
        return any(k > 1 and s < d * (k - 1) + 1
                   for k, s, d in zip(self.kernel, self.stride, self.dilation))


def check_image(x: np.ndarray, window: Window) -> None:
    """ValueError unless x is a batch (N, C, H, W) holding at least one window."""
    if x.ndim != 4:
        raise ValueError(f"im2col: expected images (N, C, H, W), got shape {x.shape}")
    oh, ow = window.output_size(*x.shape[2:])
    if oh < 1 or ow < 1:
        raise ValueError(f"im2col: images of shape {x.shape} are smaller than one window "
                         f"(kernel {window.kernel}, padding {window.padding}, dilation "
                         f"{window.dilation}): the output would be {oh} x {ow}")


def check_columns(cols: np.ndarray, window: Window, image: tuple[int, int, int]) -> None:
    """ValueError unless cols (C * KH * KW, N * OH * OW) fits images of shape `image`."""
    oh, ow = window.output_size(*image[1:])
    width = image[0] * window.kernel[0] * window.kernel[1]
    if cols.ndim != 2 or oh < 1 or ow < 1 or cols.shape[0] != width \
            or cols.shape[1] % (oh * ow):
        raise ValueError(f"col2im: columns of shape {cols.shape} do not fit images "
                         f"{image} with {oh} x {ow} windows of {width} entries")


def _padded(x: np.ndarray, window: Window) -> np.ndarray:
    """x (N, C, H, W) padded with the fill, laid out channel-major in memory (C, N, H', W'),
    the order in which im2col reads it (a view in x's axis order)."""
    ph, pw = window.padding
    if not (ph or pw):
        return x
    n, c, h, w = x.shape
    out = np.full((c, n, h + 2 * ph, w + 2 * pw), window.fill, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x.transpose(1, 0, 2, 3)
    return out.transpose(1, 0, 2, 3)


def _windows(image: np.ndarray, window: Window, oh: int, ow: int) -> np.ndarray:
    """A strided view (C, KH, KW, N, OH, OW) of the windows of a padded image (no copy)."""
    n, c = image.shape[:2]
    s_n, s_c, s_h, s_w = image.strides
    (sh, sw), (dh, dw) = window.stride, window.dilation
    return as_strided(image, (c, *window.kernel, n, oh, ow),
                      (s_c, s_h * dh, s_w * dw, s_n, s_h * sh, s_w * sw), writeable=False)


def im2col(x: np.ndarray, window: Window) -> np.ndarray:
    """x (N, C, H, W) -> (C * KH * KW, N * OH * OW), one window per column (a new array)."""
    n, c, h, w = x.shape
    oh, ow = window.output_size(h, w)
    kh, kw = window.kernel
    return _windows(_padded(x, window), window, oh, ow).reshape(c * kh * kw, n * oh * ow)


def col2im(cols: np.ndarray, window: Window, image: tuple[int, int, int]) -> np.ndarray:
    """im2col's transpose: cols (C * KH * KW, N * OH * OW) -> (N, C, H, W) for images of
    (C, H, W), each entry added to the place it was copied from (padding dropped). The
    result is laid out channel-major in memory, as im2col reads its input."""
    c, h, w = image
    oh, ow = window.output_size(h, w)
    (kh, kw), (ph, pw) = window.kernel, window.padding
    n = cols.shape[1] // (oh * ow)
    pieces = cols.reshape(c, kh, kw, n, oh, ow)
    out = np.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    if not window.overlaps():  # every place receives at most one entry: one strided copy
        strides = _windows(out.transpose(1, 0, 2, 3), window, oh, ow).strides
        as_strided(out, pieces.shape, strides)[...] = pieces
    else:  # one strided addition per kernel offset
        (sh, sw), (dh, dw) = window.stride, window.dilation
        for i in range(kh):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            for j in range(kw):
                columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
                out[:, :, rows, columns] += pieces[:, i, j]
    out = out.transpose(1, 0, 2, 3)
    return out[:, :, ph:ph + h, pw:pw + w] if ph or pw else out
