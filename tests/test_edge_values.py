"""Every primitive of the table at the edge values (tests/symbolic.py: zeros, +-1, tiny and
huge magnitudes, infinities, NaN, exact ties, exact zeros of an exponent), in `Value`,
`Tensor` float64 and `Tensor` float32, against three oracles:

* each other: both engines give the same value and gradient, or both refuse the input;
* sympy: the exact value and derivative wherever the function is differentiable, the
  one-sided limit at a pole (the values at kinks are conventions: docs/conventions.md);
* PyTorch: the same value and gradient everywhere, NaN and infinities included, where a
  refusal is allowed only where PyTorch's value is NaN (not a real number).

Primitives come from the table itself, so one added later is checked at once (its sympy
form and PyTorch mapping are required by tests/test_higher_order.py). The primitives
that are not elementwise are compared with PyTorch on edge arrays: ties, zeros,
infinities, NaN, huge and tiny entries.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from symbolic import EDGE_CONTEXTS, edge_grid, exact
from test_conventions import rows
from test_higher_order import CALLS, _torch_ops
from test_rule_table import ELEMENTWISE_NAMES, elementwise_case

from autograd import Tensor, Value, apply
from autograd.sums import surely_finite
from autograd.table import PRIMITIVES

REFUSED = "refused"  # the engine raised ValueError (a domain check)
# Where chainrule differs from PyTorch on purpose: each is a row of docs/conventions.md,
# run in both libraries by tests/test_conventions.py, so the grid leaves these points to
# it (test_documented_differences_are_rows_of_the_conventions_page).
DOCUMENTED: dict[str, Callable[[str, object, tuple], bool]] = {
    # PyTorch computes x ** 0.5 as sqrt(x) and x ** -0.5 as rsqrt(x), which give -0.0 a
    # sign that IEEE 754's pow (numpy's, chainrule's) does not.
    "pow-minus-0-half": lambda name, ctx, p: name == "pow_const" and ctx == 0.5
    and _minus_zero(p[0]),
    "pow-minus-0-minus-half": lambda name, ctx, p: name == "pow_const" and ctx == -0.5
    and _minus_zero(p[0]),
    # NaN in, NaN out (numpy); PyTorch's sign(nan) is 0.
    "sign-nan": lambda name, ctx, p: name == "sign" and math.isnan(p[0]),
    # 0 as clip's; PyTorch's scalar kernel (a 0-d tensor) gives 1, its vectorized one 0.
    "hardtanh-nan": lambda name, ctx, p: name == "hardtanh" and math.isnan(p[0]),
    # The limits +-1 (as tanh's); PyTorch computes inf / inf = nan.
    "softsign-inf": lambda name, ctx, p: name == "softsign" and math.isinf(p[0]),
}


def _minus_zero(x: float) -> bool:
    return x == 0 and math.copysign(1.0, x) < 0


TOLERANCE = {"float64": 1e-12, "float32": 2e-6}  # against PyTorch: the same formulas
# Against exact values float32 also pays for cancellation (tanh' = 1 - tanh**2 at -3: 4e-6).
EXACT_TOLERANCE = {"float64": 1e-12, "float32": 2e-5}


def _contexts(name: str) -> list[tuple[object, object]]:
    """(ctx for Value, ctx for Tensor) pairs to test a primitive with."""
    if name in EDGE_CONTEXTS:
        return [(c, c) for c in EDGE_CONTEXTS[name]]
    ctx = elementwise_case(name)[0]
    if isinstance(ctx, dict):  # one per engine: the grid uses 0-d inputs, so a 0-d mask
        return [(ctx["scalar"], np.asarray(ctx["scalar"]))]
    return [(ctx, ctx)]


def _points(name: str, grid: list[float]) -> list[tuple[float, ...]]:
    arity = elementwise_case(name)[2]
    if arity == 1:
        return [(x,) for x in grid]
    pairs = [(a, b) for a in grid for b in grid]
    return pairs if arity == 2 else [(a, b) + (1.0,) * (arity - 2) for a, b in pairs]


def _value_engine(name: str, ctx: object, point: tuple) -> object:
    leaves = [Value(x) for x in point]
    try:
        out = apply(name, *leaves, ctx=ctx)
    except ValueError:
        return REFUSED
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a rule must not trip numpy
        out.backward()
    return (out.data, *(leaf.grad for leaf in leaves))


def _tensor_engine(name: str, ctx: object, point: tuple, dtype: str) -> object:
    leaves = [Tensor(np.array(x, dtype=dtype), requires_grad=True) for x in point]
    try:
        with np.errstate(invalid="ignore", over="ignore"):  # IEEE forward (0 * inf, ...)
            out = apply(name, *leaves, ctx=ctx)
    except ValueError:
        return REFUSED
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out.backward()
    assert all(leaf.grad.dtype == np.dtype(dtype) for leaf in leaves)
    return (float(out.data), *(float(leaf.grad) for leaf in leaves))


def _torch_engine(torch, name: str, ctx: object, point: tuple, dtype: str) -> tuple:
    leaves = [torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True) for x in point]
    out = _torch_ops(torch)[name](ctx, *leaves)
    out.sum().backward()
    return (float(out.detach()), *(float(leaf.grad) for leaf in leaves))


def _minus_inf_to_a_fraction(name: str, ctx: object, point: tuple) -> bool:
    """(-inf) ** 0.5: refused (docs/conventions.md, `pow-minus-inf-frac`); PyTorch's pow
    gives IEEE 754's inf, its x ** 0.5 (sqrt) nan."""
    if name not in ("pow", "pow_const") or point[0] != -math.inf:
        return False
    exponent = ctx if name == "pow_const" else point[1]
    return math.isfinite(exponent) and not float(exponent).is_integer()


def _huge_exponent_of_a_negative_base(name: str, ctx: object, point: tuple) -> bool:
    """a < 0 and b - 1 rounds to b (|b| >= 2**53): PyTorch's d(a**b)/da = b a**(b-1) takes
    the parity of b for that of b - 1 and gets the sign wrong; chainrule's is exact
    (docs/conventions.md, `pow-huge-exponent`; checked against sympy)."""
    if name not in ("pow", "pow_const") or not point[0] < 0:
        return False
    exponent = ctx if name == "pow_const" else point[1]
    return math.isfinite(exponent) and exponent - 1 == exponent


def _same(got: float, want: float, rtol: float, dtype: str = "float64",
          scale: float = 0.0) -> bool:
    """got == want within rtol of |want| (or of `scale`, the size of the terms a sum
    cancelled), NaN matching NaN."""
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if math.isinf(want) or math.isinf(got):
        return got == want
    tiny = np.finfo(dtype).tiny
    return abs(got - want) <= rtol * max(abs(want), scale) or (abs(want) < tiny
                                                                and abs(got) < tiny)


# Sums are exact only to a rounding of the largest term: -1 + 1e-300 + 1 is 0 in floating
# point (as in numpy and PyTorch), 1e-300 exactly. Their values are held to the terms' size.
_SUMS = ("add", "add_n")


def _mismatches(results: list, reference: list, rtol: float, label: str,
                dtype: str = "float64") -> list[str]:
    out = []
    for (key, got), (_, want) in zip(results, reference):
        if got is REFUSED or want is REFUSED:
            if got is not want:
                out.append(f"{label} at {key}: {got} vs {want}")
            continue
        if not all(_same(g, w, rtol, dtype) for g, w in zip(got, want)):
            out.append(f"{label} at {key}: {got} vs {want}")
    return out


def _report(problems: list[str]) -> str:
    return f"{len(problems)} disagreements, the first ones:\n" + "\n".join(problems[:12])


# ---------------------------------------------------------------- elementwise primitives
@pytest.mark.parametrize("name", ELEMENTWISE_NAMES)
def test_both_engines_agree_at_the_edges(name: str) -> None:
    problems = []
    for value_ctx, array_ctx in _contexts(name):
        points = _points(name, edge_grid("float64"))
        values = [(p, _value_engine(name, value_ctx, p)) for p in points]  # 0.0 == -0.0:
        tensors = [(p, _tensor_engine(name, array_ctx, p, "float64")) for p in points]  # lists
        problems += _mismatches(values, tensors, 1e-12, f"{name} ctx={value_ctx}")
    assert not problems, _report(problems)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ELEMENTWISE_NAMES)
def test_edges_match_pytorch(name: str, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    problems = []
    for _, ctx in _contexts(name):
        for point in _points(name, edge_grid(dtype)):
            if any(applies(name, ctx, point) for applies in DOCUMENTED.values()):
                continue
            ours = _tensor_engine(name, ctx, point, dtype)
            theirs = _torch_engine(torch, name, ctx, point, dtype)
            if ours is REFUSED:  # a refusal only where PyTorch has no real value
                if not (math.isnan(theirs[0]) or _minus_inf_to_a_fraction(name, ctx, point)):
                    problems.append(f"{name} ctx={ctx} at {point}: refused, PyTorch "
                                    f"{theirs}")
                continue
            if _huge_exponent_of_a_negative_base(name, ctx, point):  # only d/da's sign differs
                theirs = (theirs[0], -theirs[1], *theirs[2:])
            if not all(_same(g, w, TOLERANCE[dtype], dtype) for g, w in zip(ours, theirs)):
                problems.append(f"{name} ctx={ctx} at {point}: {ours} vs PyTorch {theirs}")
    assert not problems, _report(problems)


def test_documented_differences_are_rows_of_the_conventions_page() -> None:
    assert set(DOCUMENTED) <= set(rows())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ELEMENTWISE_NAMES)
def test_edges_match_sympy(name: str, dtype: str) -> None:
    """Value and Tensor against the exact value and derivatives, wherever sympy has one."""
    problems, checked = [], 0
    for value_ctx, array_ctx in _contexts(name):
        for point in _points(name, edge_grid(dtype)):
            arity = len(point)
            wants = [exact(name, value_ctx, point, [0] * arity)]
            wants += [exact(name, value_ctx, point, [int(k == i) for k in range(arity)])
                      for i in range(arity)]
            engines = {"Tensor": _tensor_engine(name, array_ctx, point, dtype)}
            if dtype == "float64":
                engines["Value"] = _value_engine(name, value_ctx, point)
            for engine, got in engines.items():
                if got is REFUSED:  # refused: sympy must find no real value there either
                    if wants[0] is not None:
                        problems.append(f"{engine} refused {name} at {point}, sympy "
                                        f"{wants[0]}")
                    continue
                for i, (g, want) in enumerate(zip(got, wants)):
                    if want is None:
                        continue
                    checked += 1
                    with np.errstate(over="ignore"):  # rounded to the dtype: inf past its max
                        want = float(np.dtype(dtype).type(want))
                    scale = sum(map(abs, point)) if name in _SUMS and i == 0 else 0.0
                    if not _same(g, want, EXACT_TOLERANCE[dtype], dtype, scale):
                        what = "value" if i == 0 else f"d/dx{i - 1}"
                        problems.append(f"{engine} {name} ctx={value_ctx} at {point}, {what}: "
                                        f"{g} vs sympy {want}")
    assert not problems, _report(problems)
    assert checked > 0


# ---------------------------------------------------------------- the other primitives
def _edge_arrays(data: np.ndarray) -> dict[str, np.ndarray]:
    """Variants of an input with edge values in it, of the same shape."""
    flat = data.ravel()
    variants = {"zeros (all tied)": np.zeros_like(data), "ties": np.full_like(data, 2.0),
                "huge": data * 1e300, "tiny": data * 1e-300}
    if flat.size > 1:
        tied = flat.copy()
        tied[1] = tied[0]
        variants["one tie"] = tied.reshape(data.shape)
    for label, value in (("NaN", np.nan), ("+inf", np.inf), ("-inf", -np.inf)):
        marked = flat.copy()
        marked[0] = value
        variants[label] = marked.reshape(data.shape)
    return variants


OTHER_CALLS = [call for call in CALLS if not PRIMITIVES[call[0]].elementwise]


@pytest.mark.parametrize("call", OTHER_CALLS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(OTHER_CALLS)])
def test_other_primitives_match_pytorch_on_edge_arrays(call) -> None:
    torch = pytest.importorskip("torch")
    name, ctx, data = call
    problems = []
    rng = np.random.default_rng(3)
    for k in range(len(data)):
        for label, edged in _edge_arrays(data[k]).items():
            inputs = [edged if j == k else d for j, d in enumerate(data)]
            ours = [Tensor(d.copy(), requires_grad=True) for d in inputs]
            theirs = [torch.tensor(d, requires_grad=True) for d in inputs]
            with np.errstate(all="ignore"):
                out = apply(name, *ours, ctx=ctx)
                u = rng.standard_normal(out.shape)
                (out * u).sum().backward()
            expected = _torch_ops(torch)[name](ctx, *theirs)
            (expected * torch.tensor(u)).sum().backward()
            pairs = [(out.data, expected.detach().numpy())]
            pairs += [(o.grad, t.grad.numpy()) for o, t in zip(ours, theirs) if o.grad is not None]
            for got, want in pairs:
                if not np.allclose(got, want, rtol=1e-12, atol=0.0, equal_nan=True):
                    problems.append(f"{name} input {k} {label}: {got} vs PyTorch {want}")
    assert not problems, _report(problems)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble])
def test_the_finiteness_screen_is_silent_and_never_passes_nan_or_inf(dtype) -> None:
    """`sums.surely_finite`, the one-product screen of the optimizers, the losses and
    cross-entropy: True for finite data, False wherever a NaN or inf is (any position,
    any layout), and no numpy warning or error even where huge squares overflow."""
    big = np.sqrt(np.finfo(dtype).max, dtype=dtype) * dtype(4)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        assert surely_finite(np.ones((3, 4), dtype)) and surely_finite(np.zeros(0, dtype))
        surely_finite(np.array([big, -big, 1], dtype))  # may say False (look), never warns
        for bad in (np.nan, np.inf, -np.inf):
            for position in range(6):
                data = np.ones((2, 3), dtype)
                data.flat[position] = bad
                assert not surely_finite(data) and not surely_finite(data.T)
                assert not surely_finite(np.repeat(data, 2, axis=1)[:, ::2])
