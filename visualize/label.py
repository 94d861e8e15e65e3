"""Pure functions from graph nodes to DOT text: escaping, numbers, node and op labels.

Every string that reaches DOT goes through `quote` (plain labels) or `record`
(record-shaped labels), which escape it for the DOT lexer, for Graphviz's label
escapes (backslash sequences, record punctuation) and for its entity decoding
(`&`), and drop the control characters that would make the SVG invalid XML.
Record labels are used rather than HTML-like labels because the WebAssembly
Graphviz build has no HTML-label support.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from visualize.style import OP_SYMBOLS

# XML 1.0 forbids these characters (and lone surrogates) even when escaped.
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_RECORD_SPECIAL = re.compile(r'([{}|<>"])')
_PLAIN = re.compile(r'[^{}|<>"&\\\n]*\Z')  # needs no escaping in a record field


def clean(text: object) -> str:
    """str(text) with tabs and carriage returns as spaces and unprintable characters as U+FFFD."""
    text = str(text)
    if text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _FORBIDDEN.sub("\ufffd", text)


def _escape_common(text: object) -> str:
    # `&` first: Graphviz decodes entities in plain labels, so "&lt;" must stay literal.
    text = clean(text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    return text


def quote(text: object) -> str:
    """A DOT double-quoted string that Graphviz shows as exactly `text` (newlines kept)."""
    text = _escape_common(text).replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def record_field(text: object) -> str:
    """One field of a record label, its punctuation escaped (not yet quoted)."""
    text = clean(text)
    if _PLAIN.match(text):
        return text
    text = _RECORD_SPECIAL.sub(r"\\\1", _escape_common(text))
    return text.replace("\n", "\\n")


def record(fields: Iterable[object]) -> str:
    """A quoted record label with one row per field: "{a|b|c}" (vertical-first in LR)."""
    return '"{' + "|".join(record_field(f) for f in fields) + '}"'


def number(x: object) -> str:
    """A float in 4 significant digits (ints and None as they are)."""
    if x is None:
        return "None"
    try:
        return f"{float(x):.4g}"
    except (TypeError, ValueError):
        return clean(x)


def shape_text(shape: tuple) -> str:
    """(3, 4) -> "3×4"; () -> "scalar"."""
    return "×".join(str(s) for s in shape) if shape else "scalar"


SMALL = 12  # arrays with at most this many values (and rows of at most 6) show them all


def _row(values: np.ndarray) -> str:
    return "[" + ", ".join(number(v) for v in values) + "]"


def summary(array: object) -> str:
    """A short description of an array: its values when small, else min / mean / max.

    A matrix shows one row per line: "[[1, 2],\n [3, 4]]".
    """
    if array is None:
        return "None"
    a = np.asarray(array)
    if a.size == 0:
        return "empty"
    if a.ndim == 0:
        return number(a)
    if a.size <= SMALL and a.shape[-1] <= 6:
        if a.ndim == 1:
            return _row(a)
        rows = a.reshape(-1, a.shape[-1])
        depth = "[" * (a.ndim - 1)
        lines = [_row(r) for r in rows]
        return depth + (",\n" + " " * (a.ndim - 1)).join(lines) + "]" * (a.ndim - 1)
    if not np.issubdtype(a.dtype, np.number) or np.iscomplexobj(a):
        return f"{a.size} values"
    a = a.astype(np.float64, copy=False)
    return f"min {number(a.min())} mean {number(a.mean())} max {number(a.max())}"


def is_tensor(node: object) -> bool:
    """True for a tensor-engine node (array data), False for a `Value` (float data)."""
    return not isinstance(node.data, (float, int))


def node_kind(node: object, root: object, names: dict[int, str]) -> str:
    """The colour kind of `visualize.style.STYLE`: output, value, param, input or const
    (a constant is a leaf that wants no gradient; `names` holds named parameters' ids)."""
    if node is root:
        return "output"
    if node._prev:
        return "value"
    if id(node) in names or getattr(node, "requires_grad", False):
        return "param"
    return "input" if node.label and not node.is_constant else "const"


def node_fields(node: object, name: str, constant: bool = False) -> list[str]:
    """The rows of a node's record: name, then data and grad (Tensor: shape and values).

    A constant (`constant=True`, or a Tensor that does not require a gradient) shows
    no grad row: nothing flows into it.
    """
    fields = [name] if name else []
    if is_tensor(node):
        data = np.asarray(node.data)
        fields.append(f"{shape_text(data.shape)} {data.dtype}")
        fields.append("data " + summary(data))
        if getattr(node, "requires_grad", True) and not constant:
            fields.append("grad " + summary(node.grad))
    else:
        fields.append("data " + number(node.data))
        if not constant:
            fields.append("grad " + number(node.grad))
    return fields


def copy_fields(node: object, name: str) -> list[str]:
    """The rows of a copy of a node drawn beside a far use: its name (or data) only."""
    if name:
        return [name]
    if is_tensor(node):
        return [shape_text(np.shape(node.data)), "data " + summary(node.data)]
    return ["data " + number(node.data)]


def _axes_text(ctx: object, ndim: int | None) -> str:
    axes, keepdims = ctx
    axes = tuple(axes)
    every = not axes or (ndim is not None and ndim > 1 and sorted(axes) == list(range(ndim)))
    text = "all" if every else "axis=" + ",".join(map(str, axes))
    return text + (" keepdims" if keepdims else "")


def _index_text(index: object) -> str:
    parts = index if isinstance(index, tuple) else (index,)
    shown = []
    for part in parts:
        if isinstance(part, slice):
            text = ":".join("" if v is None else str(v) for v in (part.start, part.stop))
            shown.append(text + (f":{part.step}" if part.step is not None else ""))
        elif part is Ellipsis:
            shown.append("...")
        elif part is None:
            shown.append("None")
        elif isinstance(part, np.ndarray) and part.size > 6:
            shown.append(f"array {shape_text(part.shape)}")
        else:
            shown.append(clean(np.asarray(part).tolist()).replace(" ", ""))
    return "[" + ", ".join(shown) + "]"


def op_text(name: str, ctx: object = None, ndim: int | None = None) -> str:
    """The readable name of a primitive with its constants: "sum axis=1 keepdims", "xⁿ (2)".

    `ndim`: dimensions of the (first) input, so that a reduction over all of them
    reads "sum all". Unknown ops show their own name (a user-defined primitive too).
    """
    text = OP_SYMBOLS.get(name, name)
    try:
        if name in ("sum", "max", "min") and isinstance(ctx, tuple) and len(ctx) == 2:
            return f"{name} {_axes_text(ctx, ndim)}"
        if name == "getitem" and isinstance(ctx, tuple) and len(ctx) == 2:
            shown = _index_text(ctx[0])
            return f"index {shown}" if len(shown) <= 32 else "index"
        if name == "reshape" and isinstance(ctx, tuple):
            return f"reshape to {shape_text(ctx)}"
        if name == "transpose" and isinstance(ctx, tuple):
            return "ᵀ" if ctx == (1, 0) else "transpose " + ",".join(map(str, ctx))
        if name in ("concatenate", "stack") and isinstance(ctx, int):
            return f"{text} axis={ctx}"
    except (TypeError, ValueError):  # an unexpected ctx: the plain name still says what it is
        return text
    if isinstance(ctx, (int, float, tuple)) and not isinstance(ctx, bool):
        shown = number(ctx) if isinstance(ctx, (int, float)) else str(ctx)
        if len(shown) <= 24:
            text = f"{text} ({shown})"
    return text


def local_grad_text(node: object, parent: object, derivative: float | None) -> str:
    """What an input -> op edge carries: the number d(node)/d(parent), or the parent's shape."""
    if derivative is not None:
        return number(derivative)
    return shape_text(np.shape(parent.data))


def group_fields(name: str, members: int, op_counts: dict[str, int], outputs: list,
                 shared: int = 0) -> list[str]:
    """Rows of a folded call's summary node: name, size, commonest ops, its output."""
    top = sorted(op_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:4]
    size = f"{members} nodes" + (f" + {shared} shared leaves" if shared else "")
    fields = [name, size]
    if top:
        fields.append(", ".join(f"{count} {OP_SYMBOLS.get(op, op)}" for op, count in top))
    if len(outputs) == 1:
        fields.extend(node_fields(outputs[0], "out")[1:])
    elif outputs:
        fields.append(f"{len(outputs)} outputs")
    return fields
