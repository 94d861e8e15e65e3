"""Names for constants that are a statistic of another node, found from the numbers.

Softmax and log-softmax subtract the row maximum held constant: to the graph it
is an unlabelled constant leaf. A drawing that shows it as "max axis=1 (held
constant)" tells a reader why it is there and why no gradient flows into it.
The name is given only when the numbers prove it: the constant equals the
maximum of the node it is subtracted from (as `nn.functional` computes it, with
a non-finite maximum replaced by 0). `z - top` is recorded as `z + (-top)`: the
constant is either `-top` itself ("−max") or the input of a `neg` node ("max").
"""

from __future__ import annotations

import math

import numpy as np

HELD = "(held constant)"


def _is_constant(node: object) -> bool:
    return (node._op is None and not node.label
            and not getattr(node, "requires_grad", False))


def _max_shift(top: np.ndarray, z: np.ndarray) -> str | None:
    """'max axis=k' if top == max(z, axis=k, keepdims=True) (non-finite -> 0) for some k."""
    candidates = [(f"axis={k}", k) for k in range(z.ndim)] + [("all", None)]
    for text, axis in candidates:
        with np.errstate(invalid="ignore"):
            m = z.max(axis=axis, keepdims=True) if z.size else None
        if m is None:
            continue
        m = np.where(np.isfinite(m), m, 0.0)
        if m.shape == top.shape and np.array_equal(m, top):
            return f"max {text}"
    return None


def held_constants(nodes: list) -> dict[int, str]:
    """id(constant leaf) -> its name, for the max shifts among `nodes` (both engines)."""
    names: dict[int, str] = {}
    groups: dict[tuple, list] = {}  # Value: (scope, shift) -> [(constant, other operand)]
    for node in nodes:
        if node._op is None or node.op != "add" or len(node._prev) != 2:
            continue
        for position, parent in enumerate(node._prev):
            other = node._prev[1 - position]
            sign, constant = "−", parent
            if (parent._op is not None and parent.op == "neg" and len(parent._prev) == 1):
                sign, constant = "", parent._prev[0]
            if not _is_constant(constant):
                continue
            if isinstance(constant.data, float):  # Value: one constant per element of a row
                if node.scope is not None and sign:
                    groups.setdefault((id(node.scope), constant.data), []).append(
                        (constant, other))
                continue
            top = np.asarray(constant.data)
            z = np.asarray(other.data)
            if top.ndim == z.ndim and np.issubdtype(z.dtype, np.floating):
                found = _max_shift(-top if sign else top, z)
                if found:
                    names[id(constant)] = f"{sign}{found} {HELD}"
    for (_, shift), members in groups.items():
        top = max(float(other.data) for _, other in members)
        top = top if math.isfinite(top) else 0.0
        if len(members) >= 2 and -shift == top:
            for constant, _ in members:
                names[id(constant)] = f"−max {HELD}"
    return names
