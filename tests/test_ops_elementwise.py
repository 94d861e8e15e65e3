"""The elementwise functions of issue 18 (`tests/ops_cases.py`) against three oracles:
finite differences (first and second derivatives), sympy (values, first and second
derivatives at random points and at the edge grid, in exact arithmetic) and PyTorch
(values and gradients at the edge grid with +-inf and NaN, float64 and float32; double
backward at random points); and the two engines against each other.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from ops_cases import CASES, EDGES, Case, edges

from autograd import Tensor, Value, grad, gradcheck, gradgradcheck

SMOOTH = sorted(name for name, case in CASES.items() if case.smooth)
SYMBOLIC = sorted(name for name, case in CASES.items() if case.sympy is not None)


def _random(case: Case, rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Points of the case's domain at least 0.1 from each kink."""
    x = rng.uniform(*case.domain, size=shape)
    for k in case.kinks:
        x = np.where(np.abs(x - k) < 0.1, k + np.copysign(0.1, x - k), x)
    return x


# ---------------------------------------------------------------- finite differences
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_finite_differences(name: str) -> None:
    case = CASES[name]
    rng = np.random.default_rng(18)
    t = Tensor(_random(case, rng, (3, 4)), requires_grad=True)
    assert gradcheck(case.ours, [t]).ok
    values = [Value(float(v)) for v in _random(case, rng, (3,))]
    for v in values:
        assert gradcheck(case.ours, [v]).ok, (name, v.data)


@pytest.mark.parametrize("name", SMOOTH)
def test_second_derivatives_match_finite_differences(name: str) -> None:
    case = CASES[name]
    rng = np.random.default_rng(19)
    assert gradgradcheck(case.ours, [Tensor(_random(case, rng, (2, 3)), requires_grad=True)]).ok
    v = Value(float(_random(case, rng, ())))
    assert gradgradcheck(case.ours, [v]).ok, (name, v.data)


# ---------------------------------------------------------------- sympy
def _ours(case: Case, point: float, engine: type) -> tuple[float, float, float]:
    """Value, first and second derivative of the case's function at `point`."""
    x = Value(point) if engine is Value else Tensor(point, requires_grad=True)
    y = case.ours(x)
    (d1,) = grad(y, [x], create_graph=True)
    if not d1.requires_grad if engine is Tensor else d1._op is None:
        d2 = 0.0  # a constant first derivative
    else:
        (d2,) = grad(d1, [x], allow_unused=True)
        d2 = 0.0 if d2 is None else d2
    return float(np.asarray(y.data)), float(np.asarray(d1.data)), float(np.asarray(d2))


def _exact(case: Case, point: float) -> tuple[float, float, float]:
    """Value, first and second derivative by sympy, evaluated by mpmath with 450 digits: a
    result that float64 can hold (above 1e-308) survives any cancellation of terms near 1
    (1 + erf(-28) needs 350 digits); one below underflows, as it does in float64."""
    x = sp.Symbol("x", real=True)
    expr = case.sympy(x)
    forms = (expr, sp.diff(expr, x), sp.diff(expr, x, 2))
    # DiracDelta terms (from |x| or a jump) are 0 away from the jump; the forms are not
    # evaluated at a jump
    forms = [f.replace(sp.DiracDelta, lambda *args: sp.Integer(0)) for f in forms]
    with mpmath.workdps(450):
        return tuple(_float(sp.lambdify(x, f, "mpmath")(mpmath.mpf(point))) for f in forms)


def _float(number: object) -> float:
    try:
        return float(number)
    except OverflowError:  # beyond float64's range
        return math.copysign(math.inf, float(mpmath.sign(number)))


def _approx(value: float) -> object:
    # results below 1e-290 are denormal or underflow in one computation and not another
    return pytest.approx(value, rel=1e-11, abs=1e-290)


@pytest.mark.parametrize("name", SYMBOLIC)
def test_values_and_derivatives_match_sympy(name: str) -> None:
    """At random points and at every finite edge point (kinks included), on both engines."""
    case = CASES[name]
    rng = np.random.default_rng(20)
    points = [float(p) for p in _random(case, rng, (3,))] + edges(case)
    for point in (p for p in points if abs(p) <= case.sympy_max):
        exact = _exact(case, point)
        for engine in (Value, Tensor):
            try:
                got = _ours(case, point, engine)
            except (ValueError, ZeroDivisionError):
                assert engine is Value and not math.isfinite(exact[0]), (name, point)
                continue
            for k, (g, e) in enumerate(zip(got, exact, strict=True)):
                if math.isinf(e) or math.isnan(e):
                    assert g == e or (math.isnan(e) and math.isnan(g)), (name, point, k, g, e)
                elif k == 2 and point in case.imprecise:
                    assert g == pytest.approx(e, rel=1e-6, abs=1e-15), \
                        (name, point, case.imprecise[point])
                else:
                    assert g == _approx(e), (name, engine.__name__, point, k, g, e)


def test_known_imprecision() -> None:
    """The imprecise second derivatives listed in the cases (none since the sigmoid rule
    became sigmoid(a) sigmoid(-a), issue 14) are still imprecise; once the rule they come
    from is fixed, this fails: remove the entry, the test above then holds them to full
    precision. One test over all entries: an empty parameter list would be a skip."""
    for name, case in CASES.items():
        for point, reason in case.imprecise.items():
            exact = _exact(case, point)[2]
            got = _ours(case, point, Value)[2]
            assert got != _approx(exact), f"{name} at {point} is now exact ({reason} was fixed)"
    # silu'' at 20 was one (the sigmoid rule's out * (1 - out) cancelled): now exact
    assert _ours(CASES["silu"], 20.0, Value)[2] == _approx(_exact(CASES["silu"], 20.0)[2])


# ---------------------------------------------------------------- PyTorch
def _torch_grad(case: Case, data: np.ndarray, torch) -> tuple[np.ndarray, np.ndarray]:
    x = torch.tensor(data, requires_grad=True)
    y = case.torch(x)
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()


def _chainrule_grad(case: Case, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values and gradients at `data`; numpy warnings are errors: at the edge points (0,
    +-inf, NaN, huge, tiny) nothing inside chainrule may warn, as nothing in PyTorch does,
    and the caller's numpy error state holds after the backward pass."""
    x = Tensor(data, requires_grad=True)
    before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        y = case.ours(x)
        y.backward(np.ones(y.shape, dtype=y.dtype))
    assert np.geterr() == before
    return y.data, x.grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_pytorch_at_the_edges(name: str, dtype) -> None:
    """Edge points and random ones. float32 results are held to PyTorch's float64 results
    on the same (float32) inputs, rounded to float32: PyTorch's own float32 is no better
    reference than ours (its gelu cancels in 1 + erf(x / sqrt 2), losing 4 digits at -2.5)."""
    torch = pytest.importorskip("torch")
    case = CASES[name]
    rng = np.random.default_rng(21)
    with np.errstate(over="ignore"):  # 1e300 is inf in float32
        data = np.array(edges(case, finite=False) + list(_random(case, rng, (20,))), dtype)
    data = data[[not _listed(p, case.differs) for p in data]]
    with np.errstate(over="ignore"):
        want, want_grad = (a.astype(dtype) for a in _torch_grad(case, data.astype(np.float64),
                                                                torch))
    got, got_grad = _chainrule_grad(case, data)
    assert got.dtype == dtype and got_grad.dtype == dtype
    tol = {np.float64: 1e-12, np.float32: 2e-6}[dtype]
    for ours, theirs, what in ((got, want, "value"), (got_grad, want_grad, "gradient")):
        for p, a, b in zip(data, ours, theirs, strict=True):
            assert _close(a, b, tol), (name, what, p, a, b)


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.differs))
def test_the_documented_differences_from_pytorch(name: str) -> None:
    """Each point listed in `differs` really differs from PyTorch (value or gradient) in
    float64 or float32; when one no longer does, it belongs in the test above again."""
    torch = pytest.importorskip("torch")
    case = CASES[name]
    same = []
    for dtype in (np.float64, np.float32):
        with np.errstate(over="ignore"):
            data = np.array(list(case.differs), dtype=dtype)
        got = _chainrule_grad(case, data)
        with np.errstate(over="ignore"):
            want = [a.astype(dtype) for a in _torch_grad(case, data.astype(np.float64), torch)]
        same.append([all(_close(a[k], b[k], 1e-12) for a, b in zip(got, want, strict=True))
                     for k in range(len(data))])
    for point, *equal in zip(case.differs, *same, strict=True):
        assert not all(equal), (name, point, "no longer differs from PyTorch: remove it "
                                             "from `differs`")


def _listed(point: float, points: dict) -> bool:
    return any(_same_point(float(point), q) for q in points)


@pytest.mark.parametrize("name", SMOOTH)
def test_double_backward_matches_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    case = CASES[name]
    rng = np.random.default_rng(22)
    data, u, w = _random(case, rng, (4, 3)), rng.standard_normal((4, 3)), \
        rng.standard_normal((4, 3))
    x = Tensor(data, requires_grad=True)
    (g,) = grad((case.ours(x) * u).sum(), [x], create_graph=True)
    (h,) = grad((g * w).sum(), [x], allow_unused=True) if g.requires_grad else (None,)
    xt = torch.tensor(data, requires_grad=True)
    (gt,) = torch.autograd.grad((case.torch(xt) * torch.tensor(u)).sum(), [xt], create_graph=True)
    (ht,) = torch.autograd.grad((gt * torch.tensor(w)).sum(), [xt], allow_unused=True) \
        if gt.requires_grad else (None,)
    np.testing.assert_allclose(g.data, gt.detach().numpy(), rtol=1e-12, atol=1e-13)
    zeros = np.zeros_like(data)  # None: the first derivative is constant
    np.testing.assert_allclose(zeros if h is None else h, zeros if ht is None else ht.numpy(),
                               rtol=1e-10, atol=1e-12)


def _same_point(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _close(a: float, b: float, tol: float) -> bool:
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return _same_point(a, b)
    return abs(a - b) <= tol * max(abs(a), abs(b)) + 1e-300


# ---------------------------------------------------------------- the engines agree
@pytest.mark.parametrize("name", sorted(CASES))
def test_value_and_tensor_engines_agree(name: str) -> None:
    case = CASES[name]
    points = edges(case, finite=False)
    got, got_grad = _chainrule_grad(case, np.array(points))
    for p, a, da in zip(points, got, got_grad, strict=True):
        v = Value(p)
        try:
            out = case.ours(v)
        except (ValueError, ZeroDivisionError):  # the scalar engine refuses what arrays allow
            assert not math.isfinite(a) or p == 0, (name, p)
            continue
        out.backward()
        assert _same_point(out.data, float(a)) or out.data == pytest.approx(float(a), rel=1e-15)
        if math.isnan(da) and not math.isnan(v.grad) and not math.isnan(p):
            continue  # a dead path's 0 x inf: Values pass nothing on (README), arrays give nan
        assert _same_point(v.grad, float(da)) or v.grad == pytest.approx(float(da), rel=1e-15), \
            (name, p, v.grad, da)


def test_edge_grid_has_what_the_issue_names() -> None:
    assert {0.0, 1.0, -1.0, math.inf, -math.inf} <= set(EDGES)
    assert any(math.isnan(p) for p in EDGES) and min(abs(p) for p in EDGES if p) < 1e-299
