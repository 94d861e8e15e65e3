"""`gradcheck`: backward against central finite differences, for Value and Tensor functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from autograd.functional import grad
from autograd.graph import no_grad
from autograd.tensor import Tensor
from autograd.value import Value


@dataclass
class GradcheckResult:
    """Outcome of `gradcheck`: `ok`, and the worst element by how far it broke the tolerance."""

    ok: bool
    max_abs_error: float
    max_rel_error: float
    worst_input: int  # which argument of fn
    worst_index: tuple[int, ...]  # which element of it (() for a Value or 0-d tensor)
    analytic: float  # backward's value there
    numeric: float  # the central difference there
    checked: int  # how many elements were perturbed
    check: str = "gradcheck"  # or "gradgradcheck"

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "PASS" if self.ok else "FAIL"
        return (
            f"{self.check} {verdict}: {self.checked} elements, "
            f"max abs error {self.max_abs_error:.3g}, max rel error {self.max_rel_error:.3g}; "
            f"worst at input {self.worst_input} "
            f"index {self.worst_index}: backward {self.analytic:.10g} vs "
            f"finite difference {self.numeric:.10g}"
        )


def gradcheck(fn: Callable[..., Value | Tensor], inputs: Sequence[Value | Tensor], *,
              eps: float = 1e-6, atol: float = 1e-6, rtol: float = 1e-4,
              raise_on_failure: bool = False, seed: int = 0,
              _record: bool = False) -> GradcheckResult:
    """Compare backward's gradient of `fn(*inputs)` with (f(x + eps) - f(x - eps)) / (2 eps).

    An element passes when |analytic - numeric| <= atol + rtol * |numeric|. A
    non-scalar Tensor output is reduced to sum(out * w) with fixed random weights w,
    so every output element is checked. Tensors must be float64; only inputs with
    requires_grad are checked. Inputs' data and grads are left as they were.
    """
    inputs = list(inputs)
    if not inputs:
        raise ValueError("gradcheck: no inputs")
    kinds = {type(x) for x in inputs}
    if not kinds <= {Value, Tensor} or len(kinds) != 1:
        raise TypeError(f"gradcheck: inputs must be all Value or all Tensor, got "
                        f"{sorted(k.__name__ for k in kinds)}")
    if Tensor in kinds:
        for i, x in enumerate(inputs):
            if x.data.dtype != np.float64:
                raise TypeError(f"gradcheck: input {i} is {x.data.dtype}; finite differences "
                                f"need float64 (Tensor(..., dtype='float64'))")
    rng = np.random.default_rng(seed)
    weights: list[np.ndarray] = []

    def scalar_output() -> Value | Tensor:
        out = fn(*inputs)
        if isinstance(out, Tensor) and out.data.size != 1:
            if not weights:
                weights.append(rng.standard_normal(out.data.shape))
            out = (out * weights[0]).sum()
        return out

    saved = [x.grad for x in inputs]
    try:
        for x in inputs:
            x.grad = 0.0 if isinstance(x, Value) else None
        out = scalar_output()
        if isinstance(out, Tensor) and not out.requires_grad:
            analytic = [np.zeros(np.shape(x.data)) for x in inputs]  # a constant output
        else:
            out.backward()
            analytic = [_as_array(x.grad, x) for x in inputs]
    finally:
        for x, grad in zip(inputs, saved):
            x.grad = grad

    def evaluate() -> float:
        if _record:  # fn differentiates inside (gradgradcheck): the graph must be recorded
            return float(np.asarray(scalar_output().data).reshape(()))
        with no_grad():
            return float(np.asarray(scalar_output().data).reshape(()))

    worst = (-np.inf, 0.0, 0.0, 0, (), 0.0, 0.0)  # (badness, abs, rel, input, index, a, n)
    max_abs = max_rel = 0.0
    checked = 0
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and not x.requires_grad:
            continue
        for index in np.ndindex(*np.shape(x.data)):
            original = _get(x, index)
            try:
                _set(x, index, original + eps)
                plus = evaluate()
                _set(x, index, original - eps)
                minus = evaluate()
            finally:  # fn may raise at a perturbed point: the input is restored anyway
                _set(x, index, original)
            numeric = (plus - minus) / (2 * eps)
            value = float(analytic[i][index])
            abs_error = abs(value - numeric)
            rel_error = abs_error / max(abs(numeric), 1e-12)
            badness = abs_error / (atol + rtol * abs(numeric))
            max_abs, max_rel = max(max_abs, abs_error), max(max_rel, rel_error)
            checked += 1
            if badness > worst[0] or not np.isfinite(badness):
                worst = (badness, abs_error, rel_error, i, index, value, numeric)
    ok = checked > 0 and bool(worst[0] <= 1.0)
    result = GradcheckResult(ok, max_abs, max_rel, worst[3], worst[4], worst[5], worst[6],
                             checked)
    if raise_on_failure and not ok:
        raise AssertionError(str(result))
    return result


def _as_array(grad: object, x: Value | Tensor) -> np.ndarray:
    if grad is None:  # the output does not depend on x
        return np.zeros(np.shape(x.data))
    return np.asarray(grad, dtype=np.float64)


def _get(x: Value | Tensor, index: tuple[int, ...]) -> float:
    return x.data if isinstance(x, Value) else float(x.data[index])


def _set(x: Value | Tensor, index: tuple[int, ...], value: float) -> None:
    if isinstance(x, Value):
        x.data = value
    else:
        x.data[index] = value


def gradgradcheck(fn: Callable[..., Value | Tensor], inputs: Sequence[Value | Tensor], *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_on_failure: bool = False, seed: int = 0) -> GradcheckResult:
    """Second derivatives of `fn` against finite differences of its first derivatives.

    The gradients of fn (from `autograd.grad` with create_graph=True, for fixed random
    output weights) are combined with fixed random weights w into one number
    h(x) = sum_i <d fn / d x_i, w_i>, and `gradcheck` compares the double-backward
    gradient of h with central differences of h: so every second derivative that
    reaches the inputs is checked (as PyTorch's gradgradcheck does). Same arguments and
    result as `gradcheck`; the tolerances are looser, since h is itself a derivative.
    """
    inputs = list(inputs)
    rng = np.random.default_rng(seed + 1)
    out_weights: list[np.ndarray] = []
    in_weights = [rng.standard_normal(np.shape(x.data)) for x in inputs]

    def first_derivatives(*xs: Value | Tensor) -> Value | Tensor:
        out = fn(*xs)
        if isinstance(out, Tensor) and out.data.size != 1:
            if not out_weights:
                out_weights.append(rng.standard_normal(out.data.shape))
            out = (out * out_weights[0]).sum()
        wanted = [x for x in xs if not isinstance(x, Tensor) or x.requires_grad]
        grads = grad(out, wanted, create_graph=True, allow_unused=True)
        weights = [w for x, w in zip(xs, in_weights) if not isinstance(x, Tensor)
                   or x.requires_grad]
        terms = [g * (float(w) if isinstance(g, Value) else w.astype(g.data.dtype))
                 for g, w in zip(grads, weights) if isinstance(g, (Value, Tensor))]
        if not terms:
            raise ValueError("gradgradcheck: fn does not depend on any input")
        if isinstance(terms[0], Value):
            return Value.sum(terms)
        total = terms[0].sum()
        for term in terms[1:]:
            total = total + term.sum()
        return total

    result = gradcheck(first_derivatives, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed,
                       _record=True)
    result.check = "gradgradcheck"
    if raise_on_failure and not result.ok:
        raise AssertionError(str(result))
    return result
