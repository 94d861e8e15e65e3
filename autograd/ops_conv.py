"""The sliding-window primitives convolution and pooling are composed from.

im2col: x (N, C, H, W) -> (C * KH * KW, N * OH * OW), every window of the (padded)
image as one column; ctx = the `Window` (kernel, stride, padding, dilation, fill).
col2im, its transpose: (C * KH * KW, N * OH * OW) -> (N, C, H, W), entries added back
where they were copied from; ctx = (Window, (C, H, W)).

Both are linear, so each one's gradient is the other applied to the upstream gradient:
d im2col = col2im(g) (overlapping windows accumulate), d col2im = im2col(g) with padded
places read as 0 (they stand for no image entry). The rules call them through the
backend `m`, so under create_graph=True the gradient is a col2im/im2col node again.
"""

from __future__ import annotations

from autograd.table import define
from autograd.windows import check_columns, check_image

IM2COL = define("im2col", lambda m, c, x: m.im2col(x, c),
                lambda m, c, n, g, out, x: (m.col2im(g, c, tuple(x.shape[1:])),),
                check=lambda m, c, x: check_image(x, c))
COL2IM = define("col2im", lambda m, c, cols: m.col2im(cols, *c),
                lambda m, c, n, g, out, cols: (m.im2col(g, c[0].zero_filled()),),
                check=lambda m, c, cols: check_columns(cols, *c))
