"""The primitive -> ONNX table used by `nn.export_onnx`: one entry per primitive.

An entry is `emit(e, node) -> name`: it writes the ONNX nodes computing `node` from its
parents through the exporter `e` (`nn.onnx_export.Emitter`) and returns the name of the
ONNX value holding the result. `e.inputs(node)` gives the parents' value names (cast to
the node's dtype where numpy would have promoted), `e.ctx(node)` the primitive's
constants (the same in every traced call, or an error), `e.op(...)` adds a node,
`e.ints(...)`/`e.scalar(...)` add constants. A primitive missing here cannot be
exported; the error names it. Opset `OPSET` of the default ONNX domain.

Also here: `CONSTANT_RULES`, the ways a constant leaf of a chainrule graph is written
to ONNX. Most constants are plain initializers; some are computed from the input in
chainrule, outside the graph, and must be computed in ONNX too: the maximum by which
softmax (and logsumexp) shifts its logits, the maximum logsumexp adds back, and the
1 / count of a mean over the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

OPSET = 18  # Reduce* take their axes as an input from 18 on; onnxruntime >= 1.14 runs it

Emit = Callable[[Any, Any], str]


def _same(op_type: str) -> Emit:
    """A primitive that is one ONNX operator with the same inputs (numpy broadcasting)."""
    return lambda e, node: e.op(op_type, e.inputs(node))


def _pow_const(e: Any, node: Any) -> str:
    (x,) = e.inputs(node)
    return e.op("Pow", [x, e.scalar(e.ctx(node), node.data.dtype)])


def _clip(e: Any, node: Any) -> str:
    lo, hi = e.ctx(node)
    dtype = node.data.dtype  # an infinite bound is left out: "" is ONNX's absent input
    bounds = [e.scalar(b, dtype) if np.isfinite(b) else "" for b in (lo, hi)]
    return e.op("Clip", e.inputs(node) + bounds)


def _linear(e: Any, node: Any) -> str:
    x, w, b = e.inputs(node)
    if node.parents[0].data.ndim == 2 and node.parents[2].data.ndim == 1:
        return e.op("Gemm", [x, w, b])  # one node, as chainrule's: x @ w + b
    return e.op("Add", [e.op("MatMul", [x, w]), b])


def _reduce(op_type: str) -> Emit:
    def emit(e: Any, node: Any) -> str:
        axes, keepdims = e.ctx(node)
        # Empty axes mean "all" to ONNX unless told otherwise; to chainrule, "none".
        return e.op(op_type, [*e.inputs(node), e.ints(axes)], keepdims=int(keepdims),
                    noop_with_empty_axes=int(not axes))
    return emit


def _reshape(e: Any, node: Any) -> str:
    return e.op("Reshape", [*e.inputs(node), e.ints(e.reshape_target(node))])


def _transpose(e: Any, node: Any) -> str:
    return e.op("Transpose", e.inputs(node), perm=list(e.ctx(node)))


def _concatenate(e: Any, node: Any) -> str:
    return e.op("Concat", e.inputs(node), axis=e.ctx(node))


def _stack(e: Any, node: Any) -> str:
    axis = e.ctx(node)
    return e.op("Concat", [e.op("Unsqueeze", [x, e.ints([axis])]) for x in e.inputs(node)],
                axis=axis)


# ---------------------------------------------------------------- indexing
def _getitem(e: Any, node: Any) -> str:
    index, basic = e.ctx(node)
    (x,) = e.inputs(node)
    parts = list(index) if isinstance(index, tuple) else [index]
    shape = node.parents[0].data.shape
    if any(part is Ellipsis for part in parts):  # not `in`: arrays compare elementwise
        at = [part is Ellipsis for part in parts].index(True)
        used = sum(part is not None for part in parts) - 1
        parts[at:at + 1] = [slice(None)] * (len(shape) - used)
    if basic:
        return _basic_index(e, x, parts)
    arrays = [i for i, part in enumerate(parts) if isinstance(part, np.ndarray)]
    rest = [part for i, part in enumerate(parts) if i not in arrays]
    if not all(isinstance(part, slice) and part == slice(None) for part in rest):
        raise e.error(node, f"an index mixing arrays with {rest} has no ONNX mapping here")
    pieces = [np.flatnonzero(parts[i]) if parts[i].dtype == bool else parts[i] for i in arrays]
    if any(parts[i].dtype == bool and parts[i].ndim != 1 for i in arrays):
        raise e.error(node, "only 1-D boolean masks are exported")
    if len(pieces) == 1:  # x[..., idx, ...]: Gather along that axis
        return e.op("Gather", [x, e.ints(pieces[0])], axis=arrays[0])
    if arrays != list(range(len(arrays))):
        raise e.error(node, "index arrays are exported on the leading axes only")
    # x[i, j]: GatherND on the leading axes with the broadcast index arrays stacked.
    broadcast = np.broadcast_arrays(*pieces)
    stacked = np.stack([np.asarray(p) % shape[k] for k, p in enumerate(broadcast)], axis=-1)
    return e.op("GatherND", [x, e.ints(stacked)])


def _basic_index(e: Any, x: str, parts: list) -> str:
    """ints, slices and None, one axis at a time, left to right."""
    axis = 0
    for part in parts:
        if part is None:
            x = e.op("Unsqueeze", [x, e.ints([axis])])
            axis += 1
        elif isinstance(part, slice):
            if part != slice(None):
                start, stop = _slice_bounds(part)
                x = e.op("Slice", [x, e.ints([start]), e.ints([stop]), e.ints([axis]),
                                   e.ints([part.step or 1])])
            axis += 1
        else:  # an int: Gather with a 0-d index drops the axis
            x = e.op("Gather", [x, e.ints(int(part))], axis=axis)
    return x


def _slice_bounds(part: slice) -> tuple[int, int]:
    """Python's slice bounds for ONNX Slice, which clamps them as Python does."""
    big = np.iinfo(np.int64).max
    step = part.step or 1
    start = part.start if part.start is not None else (0 if step > 0 else big)
    stop = part.stop if part.stop is not None else (big if step > 0 else -big - 1)
    return int(start), int(stop)


def _scatter_add(e: Any, node: Any) -> str:
    """zeros(shape) with x added at index (getitem's transpose): each entry of x goes to
    the flat position numpy's indexing gives it, summed there by ScatterND. An index of
    step-1 slices places x inside a block of zeros: that is Pad (`autograd.pad`), whose
    unpadded axes (the batch) may vary."""
    pads = [_pads(twin) for twin in e.twins(node)]
    if pads[0] is not None and pads[0] == pads[1]:
        return e.op("Pad", [*e.inputs(node), e.ints(pads[0])], mode="constant")
    index, _, shape = e.ctx(node)
    (x,) = e.inputs(node)
    positions = np.arange(int(np.prod(shape))).reshape(shape)[index]
    zeros = e.constant(np.zeros(int(np.prod(shape)), node.data.dtype))
    flat = e.op("Reshape", [x, e.ints([-1])])
    summed = e.op("ScatterND", [zeros, e.ints(positions.reshape(-1, 1)), flat],
                  reduction="add")
    return e.op("Reshape", [summed, e.ints(list(shape))])


def _pads(node: Any) -> list[int] | None:
    """ONNX Pad's [befores..., afters...] for a scatter_add whose index is slices of step 1
    with x filling each slice; None for any other index."""
    index, basic, shape = node._ctx
    parts = index if isinstance(index, tuple) else (index,)
    source = node.parents[0].data.shape
    if not basic or len(parts) > len(shape) or len(source) != len(shape) or not all(
            isinstance(p, slice) and p.step in (None, 1) for p in parts):
        return None
    parts = parts + (slice(None),) * (len(shape) - len(parts))
    ranges = [p.indices(n) for p, n in zip(parts, shape, strict=True)]
    if any(stop - start != m for (start, stop, _), m in zip(ranges, source, strict=True)):
        return None
    return [start for start, _, _ in ranges] + [n - stop for (_, stop, _), n in
                                                zip(ranges, shape, strict=True)]


def _where(e: Any, node: Any) -> str:
    a, b = e.inputs(node)
    return e.op("Where", [e.constant(np.asarray(e.ctx(node), dtype=bool)), a, b])


def _plus_one(op_type: str, sign: float) -> Emit:
    """log1p(x) = Log(x + 1), expm1(x) = Exp(x) - 1, erfc(x) = 1 - Erf(x): ONNX has no
    fused forms (onnxruntime rounds where chainrule's own functions do not)."""
    def emit(e: Any, node: Any) -> str:
        (x,) = e.inputs(node)
        one = e.scalar(1.0, node.data.dtype)
        if op_type == "Log":
            return e.op("Log", [e.op("Add", [x, one])])
        inner = e.op(op_type, [x])
        return e.op("Sub", [inner, one] if sign > 0 else [one, inner])
    return emit


def _hardtanh(e: Any, node: Any) -> str:
    lo, hi = e.ctx(node)
    dtype = node.data.dtype
    return e.op("Clip", e.inputs(node) + [e.scalar(lo, dtype), e.scalar(hi, dtype)])


def _cumsum(e: Any, node: Any) -> str:
    return e.op("CumSum", [*e.inputs(node), e.ints(e.ctx(node))])


def _broadcast_to(e: Any, node: Any) -> str:
    """Expand broadcasts both ways, so an axis the input already has at its full size is
    written as 1: only added or stretched axes are fixed, and the batch axis may vary."""
    def stretched(n: Any) -> list[int]:
        target, source = n._ctx, n.parents[0].data.shape
        lead = len(target) - len(source)
        return [size if i < lead or source[i - lead] != size else 1
                for i, size in enumerate(target)]

    first, second = (stretched(n) for n in e.twins(node))
    if first != second:
        e.ctx(node)  # raises, naming the constants that follow the input
    return e.op("Expand", [*e.inputs(node), e.ints(first)])


# ---------------------------------------------------------------- sliding windows
def _window_positions(window: Any, image: tuple[int, ...]) -> np.ndarray:
    """(C * KH * KW, OH * OW): where in a flattened padded image (C, H', W') each entry
    of one image's im2col columns comes from (the same rows and columns as `im2col`)."""
    from autograd.windows import im2col

    c, h, w = image
    (ph, pw) = window.padding
    places = np.arange(c * (h + 2 * ph) * (w + 2 * pw), dtype=np.float64)
    unpadded = type(window)(window.kernel, window.stride, (0, 0), window.dilation)
    return im2col(places.reshape(1, c, h + 2 * ph, w + 2 * pw), unpadded).astype(np.int64)


def _im2col(e: Any, node: Any) -> str:
    """Pad with the window's fill, then Gather each window's places from every flattened
    image: exact for any numbers, -inf padding included."""
    window = e.ctx(node)
    (x,) = e.inputs(node)
    c, h, w = node.parents[0].data.shape[1:]
    (ph, pw) = window.padding
    if ph or pw:
        x = e.op("Pad", [x, e.ints([0, 0, ph, pw, 0, 0, ph, pw]),
                         e.scalar(window.fill, node.data.dtype)])
    flat = e.op("Reshape", [x, e.ints([-1, c * (h + 2 * ph) * (w + 2 * pw)])])
    cols = e.op("Gather", [flat, e.ints(_window_positions(window, (c, h, w)))], axis=1)
    cols = e.op("Transpose", [cols], perm=[1, 0, 2])  # (N, C*KH*KW, L) -> (C*KH*KW, N, L)
    return e.op("Reshape", [cols, e.ints([node.data.shape[0], -1])])


def _col2im(e: Any, node: Any) -> str:
    """Each image's columns, flattened, times the 0/1 matrix that sends every entry to its
    place in the image (padded places to none): the sums col2im makes."""
    window, image = e.ctx(node)
    (cols,) = e.inputs(node)
    c, h, w = image
    (ph, pw) = window.padding
    positions = _window_positions(window, image).ravel()
    padded = np.zeros((c, h + 2 * ph, w + 2 * pw), dtype=bool)
    padded[:, ph:ph + h, pw:pw + w] = True
    inside = np.flatnonzero(padded.ravel())  # padded place -> image place, via its rank
    spread = np.zeros((positions.size, padded.size), node.data.dtype)
    spread[np.arange(positions.size), positions] = 1
    spread = spread[:, inside]
    rows = c * window.kernel[0] * window.kernel[1]
    by_image = e.op("Reshape", [cols, e.ints([rows, -1, positions.size // rows])])
    flat = e.op("Reshape", [e.op("Transpose", [by_image], perm=[1, 0, 2]),
                            e.ints([-1, positions.size])])
    out = e.op("MatMul", [flat, e.constant(spread)])
    return e.op("Reshape", [out, e.ints([-1, c, h, w])])


# ---------------------------------------------------------------- the fused loss
def _softmax_cross_entropy(e: Any, node: Any) -> str:
    """-sum_j y_j log softmax(z)_j per row, reduced as the node was: LogSoftmax computes
    (z - max) - log(sum exp(z - max)), the fused forward's own arithmetic."""
    c = e.ctx(node)
    (z,) = e.inputs(node)
    log_probs = e.op("LogSoftmax", [z], axis=1)
    if c.indices is not None:
        picked = e.op("GatherElements", [log_probs, e.ints(np.asarray(c.indices)[:, None])],
                      axis=1)
        losses = e.op("Neg", [e.op("Squeeze", [picked, e.ints([1])])])
    else:
        weighted = e.op("Mul", [e.constant(np.asarray(c.probs, node.data.dtype)), log_probs])
        losses = e.op("Neg", [e.op("ReduceSum", [weighted, e.ints([1])], keepdims=0)])
    if c.reduction == "none":
        return losses
    return e.op("ReduceMean" if c.reduction == "mean" else "ReduceSum",
                [losses, e.ints([0])], keepdims=0)


ONNX_OPS: dict[str, Emit] = {
    "add": _same("Add"),
    "mul": _same("Mul"),
    "add_n": _same("Sum"),
    "neg": _same("Neg"),
    "pow": _same("Pow"),
    "pow_const": _pow_const,
    "exp": _same("Exp"),
    "log": _same("Log"),
    "tanh": _same("Tanh"),
    "sigmoid": _same("Sigmoid"),
    "softplus": _same("Softplus"),
    "log_sigmoid": lambda e, node: e.op("Neg", [e.op("Softplus", [e.op("Neg", e.inputs(node))])]),
    "relu": _same("Relu"),
    "abs": _same("Abs"),
    "sqrt": _same("Sqrt"),
    "clip": _clip,
    "maximum": _same("Max"),
    "matmul": _same("MatMul"),
    "linear": _linear,
    "matmul_t": lambda e, node: e.op("Gemm", e.inputs(node), transA=int(e.ctx(node)[0]),
                                     transB=int(e.ctx(node)[1])),
    "sum": _reduce("ReduceSum"),
    "max": _reduce("ReduceMax"),
    "min": _reduce("ReduceMin"),
    "reshape": _reshape,
    "transpose": _transpose,
    "getitem": _getitem,
    "scatter_add": _scatter_add,
    "where": _where,
    "broadcast_to": _broadcast_to,
    "softmax": lambda e, node: e.op("Softmax", e.inputs(node), axis=e.ctx(node)),
    "concatenate": _concatenate,
    "stack": _stack,
    "softmax_cross_entropy": _softmax_cross_entropy,
    "im2col": _im2col,
    "col2im": _col2im,
    "sin": _same("Sin"),
    "cos": _same("Cos"),
    "log1p": _plus_one("Log", 1.0),
    "expm1": _plus_one("Exp", 1.0),
    "erf": _same("Erf"),
    "erfc": _plus_one("Erf", -1.0),
    "sign": _same("Sign"),
    "floor": _same("Floor"),
    "ceil": _same("Ceil"),
    "round": _same("Round"),  # halves to even, as numpy
    "hardtanh": _hardtanh,
    "cumsum": _cumsum,
    "softsign": _same("Softsign"),
}


# ---------------------------------------------------------------- constant leaves
# rule(e, node, j) -> the name of an ONNX value for the constant node.parents[j], or None
# when the rule does not apply. Tried in order; the first that applies wins.
def _max_shift(e: Any, node: Any, j: int) -> str | None:
    """softmax/log_softmax's shift: z + c with c = -max(z) over the axes where c has size 1
    (0 where that maximum is not finite), in every traced call."""
    if node.op != "add" or e.is_constant(node.parents[1 - j]):
        return None
    axes = None
    for twin in e.twins(node):
        z, c = twin.parents[1 - j].data, twin.parents[j].data
        if c.ndim != z.ndim or c.dtype != z.dtype or z.size == 0:
            return None
        found = tuple(a for a in range(z.ndim) if c.shape[a] == 1)
        if not found or axes not in (None, found) or any(
                c.shape[a] != z.shape[a] for a in range(z.ndim) if a not in found):
            return None
        top = z.max(axis=found, keepdims=True)
        if not np.array_equal(-np.where(np.isfinite(top), top, 0.0), c):
            return None
        axes = found
    z = e.value(node.parents[1 - j])
    top = e.op("ReduceMax", [z, e.ints(axes)], keepdims=1)
    bad = e.op("Or", [e.op("IsInf", [top]), e.op("IsNaN", [top])])
    zero = e.scalar(0.0, node.parents[j].data.dtype)
    return e.op("Neg", [e.op("Where", [bad, zero, top])])


def _shift_back(e: Any, node: Any, j: int) -> str | None:
    """logsumexp's m + log(sum(exp(z - m))): the maximum m added back, the negation of the
    shift (`_max_shift`) that the add below the log, sum and exp subtracted."""
    if node.op != "add" or e.is_constant(node.parents[1 - j]):
        return None
    below = node.parents[1 - j]
    for op in ("log", "sum", "exp"):
        if below.op != op:
            return None
        below = below.parents[0]
    if below.op != "add":
        return None
    k = next((i for i, p in enumerate(below.parents) if e.is_constant(p)), None)
    if k is None or any(
            not np.array_equal(twin.parents[j].data, -shift.parents[k].data)
            for twin, shift in zip(e.twins(node), e.twins(below), strict=True)):
        return None
    shift = _max_shift(e, below, k)
    return None if shift is None else e.op("Neg", [shift])


def _unchanged(e: Any, node: Any, j: int) -> str | None:
    """The same array in every traced call: an initializer."""
    return e.initializer(node.parents[j]) if e.unchanged(node.parents[j]) else None


def _mean_count(e: Any, node: Any, j: int) -> str | None:
    """Tensor.mean's sum(x) * (1 / count), where count (the size of the reduced axes)
    changes with the batch: computed from x's shape, in float64 as Python does."""
    summed = node.parents[1 - j]
    if node.op != "mul" or summed.op != "sum" or node.parents[j].data.shape != ():
        return None
    for twin in e.twins(node):
        total, c = twin.parents[1 - j], twin.parents[j].data
        count = int(np.prod([total.parents[0].data.shape[a] for a in total._ctx[0]]))
        if count == 0 or c != np.asarray(1.0 / count, c.dtype):
            return None
    shape = e.op("Shape", [e.value(summed.parents[0])])
    count = e.op("ReduceProd", [e.op("Gather", [shape, e.ints(list(summed._ctx[0]))])],
                 keepdims=0)
    inverse = e.op("Reciprocal", [e.op("Cast", [count], to=e.onnx_type(np.float64))])
    return e.op("Cast", [inverse], to=e.onnx_type(node.parents[j].data.dtype))


CONSTANT_RULES: list[Callable[[Any, Any, int], str | None]] = [_max_shift, _unchanged,
                                                               _mean_count, _shift_back]
