"""Reductions (autograd.reductions): logsumexp, var/std, prod, argmax/argmin, max/min with
indices and cumsum against PyTorch (values and gradients, float64 and float32), sympy
(exact values, gradients and Hessians of small vectors, edge values included), finite
differences (first and second order), and the scalar engine's lists of Values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import autograd
from autograd import Tensor, Value, grad, gradcheck, gradgradcheck, hessian

AXES = [None, 0, 1, -1, (0, 2), (0, 1, 2)]


def _against_torch(ours, theirs, x: np.ndarray, torch, tol: float | None = None) -> None:
    """Value and gradient of sum(out * u) against PyTorch's, for a random u. A float32 x is
    held to PyTorch's float64 result on the same numbers: our float32 error is measured."""
    t = Tensor(x, requires_grad=True)
    out = ours(t)
    u = np.random.default_rng(0).standard_normal(out.shape).astype(x.dtype)
    (out * u).sum().backward()
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    want = theirs(xt)
    (want * torch.tensor(u.astype(np.float64))).sum().backward()
    tol = tol or (1e-12 if x.dtype == np.float64 else 2e-6)
    assert out.dtype == x.dtype and out.shape == tuple(want.shape)
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(t.grad, xt.grad.numpy(), rtol=tol, atol=tol)


def _torch_dims(axis):
    return tuple(range(3)) if axis is None else axis


# ---------------------------------------------------------------- logsumexp
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_matches_pytorch(axis, keepdims, dtype) -> None:
    torch = pytest.importorskip("torch")
    x = (np.random.default_rng(1).standard_normal((2, 3, 4)) * 30).astype(dtype)
    _against_torch(lambda t: t.logsumexp(axis=axis, keepdims=keepdims),
                   lambda t: torch.logsumexp(t, dim=_torch_dims(axis), keepdim=keepdims),
                   x, torch)


def test_logsumexp_is_stable_and_follows_its_edge_rules() -> None:
    x = Tensor(np.array([[1000.0, 1000.0], [-1000.0, -1e308], [-np.inf, -np.inf],
                         [np.inf, 1.0], [np.nan, 1.0]]), requires_grad=True)
    out = autograd.logsumexp(x, axis=1)
    np.testing.assert_allclose(out.data[:2], [1000 + math.log(2), -1000.0], rtol=1e-15)
    assert out.data[2] == -np.inf and out.data[3] == np.inf and np.isnan(out.data[4])
    out[:3].sum().backward()
    np.testing.assert_allclose(x.grad[:3], [[0.5, 0.5], [1.0, 0.0], [0.0, 0.0]])
    assert autograd.logsumexp(Tensor(np.zeros((2, 0))), axis=1).data.tolist() == [-np.inf] * 2


def test_logsumexp_on_values_and_its_exact_derivatives() -> None:
    """Three logits, at random and edge points: value, gradient and Hessian against sympy
    (exact), on both engines."""
    z = sp.symbols("z0:3", real=True)
    expr = sp.log(sum(sp.exp(v) for v in z))
    gradient = [sp.diff(expr, v) for v in z]
    hess = [[sp.diff(g, v) for v in z] for g in gradient]
    rng = np.random.default_rng(2)
    points = [rng.uniform(-3, 3, 3) for _ in range(3)] + [
        np.zeros(3), np.array([1e3, 0.0, -1e3]), np.array([-745.0, -745.0, -800.0]),
        np.array([1e-300, -1e-300, 0.0])]
    for point in points:
        at = {v: sp.Float(float(p), 60) for v, p in zip(z, point)}
        exact = [float(sp.N(e.subs(at), 30)) for e in (expr, *gradient)]
        exact_h = [[float(sp.N(e.subs(at), 30)) for e in row] for row in hess]
        values = [Value(float(p)) for p in point]
        out = autograd.logsumexp(values)
        firsts = grad(out, values, create_graph=True)
        assert out.data == pytest.approx(exact[0], rel=1e-14, abs=1e-300)
        assert [g.data for g in firsts] == pytest.approx(exact[1:], rel=1e-13, abs=1e-300)
        for g, row in zip(firsts, exact_h, strict=True):
            got = grad(g, values, allow_unused=True)
            assert [0.0 if d is None else d for d in got] == pytest.approx(row, rel=1e-12,
                                                                         abs=1e-300)
        t = Tensor(point, requires_grad=True)
        assert autograd.logsumexp(t).item() == pytest.approx(exact[0], rel=1e-14, abs=1e-300)
        np.testing.assert_allclose(hessian(autograd.logsumexp, point), exact_h, rtol=1e-12,
                                   atol=1e-300)


def test_logsumexp_second_derivatives_by_finite_differences() -> None:
    x = Tensor(np.random.default_rng(3).standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda t: t.logsumexp(axis=0), [x]).ok
    assert gradgradcheck(lambda t: t.logsumexp(axis=1, keepdims=True), [x]).ok
    values = [Value(v) for v in (0.3, -1.2, 2.0)]
    assert gradgradcheck(lambda *vs: autograd.logsumexp(list(vs)), values).ok


# ---------------------------------------------------------------- var, std
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("keepdims", [False, True])
def test_var_and_std_match_pytorch(axis, correction, keepdims, dtype) -> None:
    torch = pytest.importorskip("torch")
    # float64 far from 0 (where a one-pass formula would cancel); float32 near 0, since
    # x - mean loses to float32's rounding of x what no formula can recover
    offset = 100.0 if dtype == np.float64 else 0.0
    x = (np.random.default_rng(4).standard_normal((3, 4, 5)) + offset).astype(dtype)
    _against_torch(lambda t: t.var(axis, correction, keepdims),
                   lambda t: torch.var(t, dim=_torch_dims(axis), correction=correction,
                                       keepdim=keepdims), x, torch)
    _against_torch(lambda t: autograd.std(t, axis=axis, correction=correction,
                                          keepdims=keepdims),
                   lambda t: torch.std(t, dim=_torch_dims(axis), correction=correction,
                                       keepdim=keepdims), x, torch)


def test_var_is_exact_where_one_pass_formulas_cancel() -> None:
    x = Tensor(1e9 + np.array([0.0, 1.0, 2.0]))  # E[x^2] - E[x]^2 loses everything here
    assert x.var().item() == 1.0 and x.var(correction=0).item() == pytest.approx(2 / 3)


def test_var_derivatives_against_sympy_and_finite_differences() -> None:
    z = sp.symbols("z0:4", real=True)
    mean = sum(z) / 4
    expr = sum((v - mean) ** 2 for v in z) / 3
    point = [0.5, -1.0, 2.0, 0.0]
    at = dict(zip(z, point))
    exact = [float(sp.diff(expr, v).subs(at)) for v in z]
    t = Tensor(np.array(point), requires_grad=True)
    t.var().backward()
    np.testing.assert_allclose(t.grad, exact, rtol=1e-14)
    np.testing.assert_allclose(hessian(lambda s: s.var(), np.array(point)),
                               [[float(sp.diff(expr, a, b)) for b in z] for a in z], rtol=1e-14)
    values = [Value(p) for p in point]
    autograd.var(values).backward()
    assert [v.grad for v in values] == pytest.approx(exact, rel=1e-14)
    x = Tensor(np.random.default_rng(5).standard_normal((3, 4)), requires_grad=True)
    assert gradgradcheck(lambda s: s.std(axis=1, correction=0), [x]).ok
    assert gradgradcheck(lambda *vs: autograd.std(list(vs)), [Value(1.0), Value(2.5)]).ok


def test_var_refuses_too_few_entries() -> None:
    with pytest.raises(ValueError, match=r"var: 1 entries with correction=1 leave 0 degrees "
                                         r"of freedom"):
        Tensor([1.0]).var()
    with pytest.raises(ValueError, match="std: 3 entries with correction=3"):
        autograd.std([Value(1.0), Value(2.0), Value(3.0)], correction=3)
    with pytest.raises(TypeError, match="correction must be a number"):
        Tensor([1.0, 2.0]).var(correction=True)


# ---------------------------------------------------------------- prod
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_prod_matches_pytorch_with_zeros(axis, keepdims, dtype) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(6).uniform(-2, 2, (3, 5, 7)).astype(dtype)
    x[0, 1, 2] = 0.0  # one zero in a slice: its gradient is the product of the others
    x[1, 2, 3] = x[1, 2, 5] = 0.0  # two zeros: every gradient in that slice is 0

    def theirs(t):  # PyTorch's prod takes one dim at a time
        for a in sorted((a % 3 for a in _torch_dims(axis)) if not isinstance(axis, int)
                        else [axis % 3], reverse=True):
            t = t.prod(dim=a, keepdim=keepdims)
        return t
    _against_torch(lambda t: t.prod(axis, keepdims), theirs, x, torch)


def test_prod_second_derivatives_and_values() -> None:
    x = Tensor(np.random.default_rng(7).uniform(-2, 2, (3, 5)), requires_grad=True)
    assert gradgradcheck(lambda t: t.prod(axis=1), [x]).ok
    with_zero = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    np.testing.assert_allclose(hessian(lambda t: t.prod(), with_zero.data),
                               [[0, 3, 0], [3, 0, 2], [0, 2, 0]])
    values = [Value(v) for v in (2.0, -3.0, 0.5, 4.0, 5.0)]
    out = autograd.prod(values)
    out.backward()
    assert out.data == -60.0 and [v.grad for v in values] == [-30.0, 20.0, -120.0, -15.0, -12.0]
    empty = Tensor(np.zeros((2, 0)), requires_grad=True)
    assert empty.prod(axis=1).data.tolist() == [1.0, 1.0]


# ---------------------------------------------------------------- arg, max/min with indices
def test_argmax_and_argmin_are_integer_constants() -> None:
    x = Tensor(np.array([[1.0, 3.0, 3.0], [np.nan, 0.0, -1.0]]), requires_grad=True)
    top = x.argmax(axis=1)
    assert top.dtype == np.int64 and not top.requires_grad and top.data.tolist() == [1, 0]
    assert x.argmin(axis=1).data.tolist() == [0, 0]  # NaN counts as the extreme, as PyTorch
    assert autograd.argmax(x[0]).item() == 1 and isinstance(x[0].argmax().item(), int)
    assert x.argmax(axis=0, keepdims=True).shape == (1, 3)
    assert x[1:, 1:].argmin().item() == 1  # flat index
    np.testing.assert_array_equal(x.data[0][x.argmax(axis=1)[0]], 3.0)  # usable as an index
    assert autograd.argmax([Value(1.0), Value(5.0), Value(5.0)]) == 1
    assert autograd.argmin([Value(1.0), Value(-5.0)]) == 1
    with pytest.raises(ValueError, match="argmax: cannot take the argmax of an empty axis"):
        Tensor(np.zeros((2, 0))).argmax(axis=1)
    with pytest.raises(TypeError, match="argmax: axis must be an int"):
        x.argmax(axis=1.5)


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_and_min_with_indices_match_pytorch(op, dtype) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(8).integers(-2, 3, (4, 5)).astype(dtype)  # many ties
    for axis in (0, 1, -1):
        for keepdims in (False, True):
            t = Tensor(x, requires_grad=True)
            values, indices = getattr(t, op)(axis=axis, keepdims=keepdims, return_indices=True)
            xt = torch.tensor(x, requires_grad=True)
            want = getattr(xt, op)(dim=axis, keepdim=keepdims)
            np.testing.assert_array_equal(values.data, want.values.detach().numpy())
            np.testing.assert_array_equal(indices.data, want.indices.numpy())
            assert indices.dtype == np.int64 and values.dtype == dtype
            u = np.arange(values.size, dtype=dtype).reshape(values.shape)
            (values * u).sum().backward()
            (want.values * torch.tensor(u)).sum().backward()
            np.testing.assert_array_equal(t.grad, xt.grad.numpy())  # all to the indexed entry
    result = Tensor(x).max(return_indices=True)
    assert result.values.item() == x.max() and result.indices.item() == int(np.argmax(x))


# ---------------------------------------------------------------- cumsum
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_cumsum_matches_pytorch(axis, dtype) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(9).standard_normal((3, 4, 5)).astype(dtype)
    _against_torch(lambda t: t.cumsum(axis), lambda t: t.cumsum(dim=axis), x, torch)


def test_cumsum_in_float32_keeps_its_precision() -> None:
    x = np.full(1_000_000, 0.1, np.float32)
    exact = np.cumsum(x.astype(np.float64))
    got = autograd.cumsum(Tensor(x)).data
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, exact, rtol=1e-7)  # a float32 running sum drifts by 1e-2


def test_cumsum_on_values_and_its_gradient() -> None:
    values = [Value(v) for v in (1.0, 2.0, 3.0)]
    sums = autograd.cumsum(values)
    assert [s.data for s in sums] == [1.0, 3.0, 6.0]
    Value.sum(sums).backward()
    assert [v.grad for v in values] == [3.0, 2.0, 1.0]
    assert autograd.cumsum(Tensor(2.0)).item() == 2.0
