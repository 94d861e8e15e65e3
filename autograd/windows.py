"""Sliding windows over images, the arithmetic behind convolution and pooling.

`im2col` copies every window of an image batch (N, C, H, W) into one row of a matrix
(N * OH * OW, C * KH * KW): rows ordered (n, i, j) by output position, columns
(c, ki, kj) as a PyTorch weight (out, C, KH, KW) is laid out. A convolution is then one
matrix product, and pooling a reduction along each row's windows. `col2im` is its
transpose: it adds each row's entries back onto the image positions they were copied
from (so overlapping windows accumulate), which is the gradient of `im2col`. Both are
linear, so each is the other's derivative (`autograd.ops_conv`).

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
    """ValueError unless cols (N * OH * OW, C * KH * KW) fits images of shape `image`."""
    oh, ow = window.output_size(*image[1:])
    width = image[0] * window.kernel[0] * window.kernel[1]
    if cols.ndim != 2 or oh < 1 or ow < 1 or cols.shape[1] != width \
            or cols.shape[0] % (oh * ow):
        raise ValueError(f"col2im: columns of shape {cols.shape} do not fit images "
                         f"{image} with {oh} x {ow} windows of {width} entries")


def _padded(x: np.ndarray, window: Window) -> np.ndarray:
    ph, pw = window.padding
    if not (ph or pw):
        return x
    n, c, h, w = x.shape
    out = np.full((n, c, h + 2 * ph, w + 2 * pw), window.fill, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _windows(image: np.ndarray, window: Window, oh: int, ow: int) -> np.ndarray:
    """A strided view (N, OH, OW, C, KH, KW) of the windows of a padded image (no copy)."""
    n, c = image.shape[:2]
    s_n, s_c, s_h, s_w = image.strides
    (sh, sw), (dh, dw) = window.stride, window.dilation
    return as_strided(image, (n, oh, ow, c, *window.kernel),
                      (s_n, s_h * sh, s_w * sw, s_c, s_h * dh, s_w * dw), writeable=False)


def im2col(x: np.ndarray, window: Window) -> np.ndarray:
    """x (N, C, H, W) -> (N * OH * OW, C * KH * KW), one window per row (a new array)."""
    n, c, h, w = x.shape
    oh, ow = window.output_size(h, w)
    kh, kw = window.kernel
    return _windows(_padded(x, window), window, oh, ow).reshape(n * oh * ow, c * kh * kw)


def col2im(cols: np.ndarray, window: Window, image: tuple[int, int, int]) -> np.ndarray:
    """im2col's transpose: cols (N * OH * OW, C * KH * KW) -> (N, C, H, W) for an image of
    (C, H, W), each entry added to the place it was copied from (padding dropped)."""
    c, h, w = image
    oh, ow = window.output_size(h, w)
    (kh, kw), (ph, pw) = window.kernel, window.padding
    n = cols.shape[0] // (oh * ow)
    pieces = cols.reshape(n, oh, ow, c, kh, kw)
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    if not window.overlaps():  # every place receives at most one entry: one strided copy
        view = as_strided(out, (n, oh, ow, c, kh, kw), _windows(out, window, oh, ow).strides)
        view[...] = pieces
    else:  # one strided addition per kernel offset
        (sh, sw), (dh, dw) = window.stride, window.dilation
        for i in range(kh):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            for j in range(kw):
                columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
                out[:, :, rows, columns] += pieces[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return out[:, :, ph:ph + h, pw:pw + w] if ph or pw else out
