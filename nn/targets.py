"""Checking cross-entropy inputs once, for both engines and both paths.

Every check raises before anything is recorded, naming the offending rows,
positions or shapes. Logits follow one policy for infinities (`autograd.fused.
refuse_undefined`, docs/conventions.md): -inf masks a class; NaN, +inf, a row of
only -inf, and -inf at a target class are refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Union

import numpy as np

from autograd import Tensor, Value
from autograd.fused import refuse_infinite_targets, refuse_undefined
from autograd.sums import surely_finite

Logits = Union[Tensor, Sequence[Value], Sequence[Sequence[Value]]]  # noqa: UP007 - runtime alias, py3.10
Targets = Union[int, Sequence[int], np.ndarray, Tensor, Sequence[Sequence[float]]]  # noqa: UP007

_PROBABILITY_TOLERANCE = 1e-6
_INT64 = np.dtype(np.int64)


def check_logits(logits: Logits, values: bool = True) -> tuple[int, int, bool]:
    """(N, C) of the logits, and whether they were one scalar-engine sample (a flat list).

    Refuses NaN, +inf and rows of only -inf (`refuse_undefined`). values=False checks
    only the shape of scalar-engine logits: the fused node applies the policy among
    Values itself, on the floats it reads anyway (`autograd.fused`).
    """
    n, c, single, _ = logit_rows(logits, values)
    return n, c, single


def logit_rows(logits: Logits, values: bool = True) -> tuple[int, int, bool, object]:
    """`check_logits`, and the logits' numbers when some are -inf (else None): the
    targets must then be checked against them (`check_masked_targets`)."""
    if isinstance(logits, Tensor):
        data = logits.data
        if data.ndim != 2:
            raise ValueError(f"cross_entropy: logits must be 2-D (N, C) for the tensor engine, "
                             f"got shape {data.shape}")
        (n, c), single = data.shape, False
        finite = surely_finite(data)  # else the exact search below decides
        rows = data
    elif isinstance(logits, (list, tuple)) and logits:
        single = not isinstance(logits[0], (list, tuple))
        rows = [logits] if single else logits
        n, c = len(rows), len(rows[0])
        if not single and any(len(row) != c for row in rows):
            widths = sorted({len(row) for row in rows})
            raise ValueError(f"cross_entropy: logit rows have different lengths {widths}")
        finite = True
        if values:
            rows = [[v.data if type(v) is Value else number(v) for v in row] for row in rows]
            finite = math.isfinite(sum(map(sum, rows)))  # one sum: NaN and inf survive it
    else:
        raise TypeError(f"cross_entropy: logits must be a Tensor (N, C) or a non-empty list of "
                        f"Value (or of lists of Value), got {type(logits).__name__}")
    if n == 0 or c == 0:
        raise ValueError(f"cross_entropy: logits of shape {(n, c)} are empty")
    # Not finite, or a sum of huge finite numbers overflowed: the exact search decides.
    if not finite and refuse_undefined("cross_entropy", rows):
        return n, c, single, rows
    return n, c, single, None


def check_masked_targets(rows: object, indices: object, probs: object) -> None:
    """Refuse targets whose logit is -inf (an infinite loss); `rows` from `logit_rows`."""
    refuse_infinite_targets("cross_entropy", rows, indices, probs)


def check_targets(targets: Targets, n: int, c: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Targets as (class indices, None) or (None, probability rows (N, C)).

    Class indices are an int64 array of N entries, or a one-element list for a single
    int target of a single sample.
    """
    if type(targets) is int and n == 1:  # the scalar engine's one sample: skip numpy
        if not 0 <= targets < c:
            raise ValueError(f"cross_entropy: target {targets} at position 0 is out of range "
                             f"for {c} classes (valid: 0..{c - 1}); 1 bad in all")
        return [targets], None  # a list indexes like an array, and costs no numpy call
    if isinstance(targets, Tensor):
        targets = targets.data
    array = np.asarray(targets)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"cross_entropy: targets must be class indices or probability rows, "
                        f"got dtype {array.dtype}")
    # One sample with a row of C > 1 numbers: that can only be a one-hot/probability row.
    if array.ndim == 2 or (array.ndim == 1 and n == 1 and array.shape[0] == c > 1):
        return None, _probabilities(array.reshape(-1, array.shape[-1]), n, c)
    if array.ndim > 2:
        raise ValueError(f"cross_entropy: targets must be class indices (N,) or rows (N, C), "
                         f"got shape {array.shape}")
    return _indices(array if array.ndim == 1 else array.reshape(-1), n, c), None


def _indices(array: np.ndarray, n: int, c: int) -> np.ndarray:
    if array.shape[0] != n:
        raise ValueError(f"cross_entropy: {array.shape[0]} targets for {n} samples")
    if array.dtype.kind == "f":
        if not (np.isfinite(array).all() and (array == np.round(array)).all()):
            raise ValueError("cross_entropy: class-index targets must be whole numbers")
    indices = array.astype(_INT64)  # a copy: the fused node keeps it until backward
    # argmax/argmin rather than max/min: a ufunc reduction has three times their fixed cost.
    if indices.size and not (indices[indices.argmax()] < c and indices[indices.argmin()] >= 0):
        bad = (indices < 0) | (indices >= c)
        where = int(np.argmax(bad))
        raise ValueError(f"cross_entropy: target {indices[where]} at position {where} is out of "
                         f"range for {c} classes (valid: 0..{c - 1}); {int(bad.sum())} bad in all")
    return indices


def _probabilities(rows: np.ndarray, n: int, c: int) -> np.ndarray:
    if rows.shape[1] != c:
        hint = ("; class indices go in a 1-D array (N,), not (N, 1)"
                if rows.shape[1] == 1 and c > 1 else "")
        raise ValueError(f"cross_entropy: one-hot/probability rows have width {rows.shape[1]} "
                         f"but the logits have {c} classes{hint}")
    if rows.shape[0] != n:
        raise ValueError(f"cross_entropy: {rows.shape[0]} target rows for {n} samples")
    rows = rows.astype(np.float64)
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise ValueError("cross_entropy: probability targets must be finite and non-negative")
    sums = rows.sum(axis=1)
    off = np.abs(sums - 1.0) > _PROBABILITY_TOLERANCE
    if off.any():
        first = int(np.argmax(off))
        raise ValueError(f"cross_entropy: target rows {np.flatnonzero(off).tolist()} do not sum "
                         f"to 1 (row {first} sums to {sums[first]:.6g})")
    return rows


def number(v: object, op: str = "cross_entropy") -> float:
    """A scalar-engine logit's float; a clear TypeError for anything else."""
    if isinstance(v, Value):
        return v.data
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return float(v)
    raise TypeError(f"{op}: a logit must be a Value or a real number, got "
                    f"{type(v).__name__} {v!r}")
