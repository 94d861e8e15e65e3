"""Comparisons, masks and selection (autograd.compare): what `<` and `==` mean on each
engine, masks as constants, where/masked_fill/minimum/maximum against PyTorch and finite
differences, and the errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
from autograd import Tensor, Value, gradcheck, gradgradcheck, minimum, where


# ---------------------------------------------------------------- Value: order, identity
def test_value_comparisons_give_bools_on_the_data() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a < b) is True and (a <= b) is True and (a > b) is False and (a >= 1.0) is True
    assert (0.5 < a) is True and (3 > b) is True  # reflected
    assert (Value(math.nan) < 1.0) is False and (Value(math.nan) >= 1.0) is False


def test_max_sorted_and_min_of_values_return_the_nodes_and_gradients_flow() -> None:
    xs = [Value(v) for v in (3.0, -1.0, 7.0, 2.0)]
    top = max(xs)
    assert top is xs[2] and min(xs) is xs[1]
    assert [v.data for v in sorted(xs)] == [-1.0, 2.0, 3.0, 7.0]
    loss = top * 2 + min(xs)
    loss.backward()
    assert [v.grad for v in xs] == [0.0, 1.0, 2.0, 0.0]


def test_value_equality_is_identity_and_hashing_survives() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and not (a == b)
    assert (a == 1.0) is False  # as in micrograd: compare a.data for the number
    assert len({a, b, a}) == 2 and {a: 1}[a] == 1


def test_value_comparison_with_other_types_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        _ = Value(1.0) < "2"
    with pytest.raises(TypeError):
        _ = Value(1.0) < Tensor([2.0])


# ---------------------------------------------------------------- Tensor: masks
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tensor_comparisons_are_constant_boolean_masks(dtype) -> None:
    rng = np.random.default_rng(0)
    data = rng.standard_normal((3, 4)).astype(dtype)
    data[0, 0] = np.nan
    t = Tensor(data, requires_grad=True)
    other = rng.standard_normal(4)
    for got, want in ((t < 0, data < 0), (t <= other, data <= other), (t > t, data > data),
                      (t >= 0.5, data >= 0.5), (t == 0.0, data == 0.0),
                      (t != Tensor(other), data != other), (t.lt(0), data < 0),
                      (t.eq(t), data == data), (1.0 > t, 1.0 > data)):
        assert isinstance(got, Tensor) and got.dtype == bool
        assert not got.requires_grad and got.is_constant and got.op == ""
        np.testing.assert_array_equal(got.data, want)


def test_a_mask_multiplies_indexes_and_sums_like_pytorch() -> None:
    t = Tensor(np.array([[-1.0, 2.0, 0.0], [3.0, -4.0, 0.5]]), requires_grad=True)
    negative = t * (t < 0)  # the example
    np.testing.assert_array_equal(negative.data, [[-1, 0, 0], [0, -4, 0]])
    (negative.sum() + t[t > 1].sum() * 10).backward()
    np.testing.assert_array_equal(t.grad, [[1, 10, 0], [10, 1, 0]])
    count = (t < 0).sum()
    assert count.item() == 2 and count.dtype.kind == "i"
    assert (t < 0).mean().item() == pytest.approx(1 / 3)
    assert ((t < 0) * 2.0).dtype == np.float64  # a number meets a mask as numpy would
    f32 = Tensor(np.ones(2, np.float32), requires_grad=True)
    assert (f32 * (f32 > 0)).dtype == np.float32  # a mask does not promote


def test_tensor_equality_is_elementwise_and_hashing_survives() -> None:
    a, b = Tensor([1.0, 2.0]), Tensor([1.0, 3.0])
    np.testing.assert_array_equal((a == b).data, [True, False])
    np.testing.assert_array_equal((a != b).data, [False, True])
    assert len({a, b, a}) == 2 and {a: "a", b: "b"}[b] == "b"
    assert a in [a, b]  # identity is tried first, as for every Python container
    assert (a == None) is False and (a != None) is True  # noqa: E711 - what it means
    with pytest.raises(ValueError, match="ambiguous"):
        _ = b in [a, b]  # b == a is a mask of two entries: no single truth value


def test_truth_of_a_tensor() -> None:
    assert bool(Tensor(2.0) > 1) is True and bool(Tensor([[0.0]])) is False
    if Tensor([3.0]) > 0:
        pass
    with pytest.raises(ValueError, match=r"2 elements is ambiguous: use \.any\(\) or \.all"):
        bool(Tensor([1.0, 2.0]))


def test_comparing_shapes_that_do_not_broadcast_names_them() -> None:
    with pytest.raises(ValueError, match=r"<: cannot broadcast shapes \(2, 3\) and \(4,\)"):
        _ = Tensor(np.zeros((2, 3))) < np.zeros(4)


def test_logical_operators_on_masks() -> None:
    t = Tensor(np.array([-2.0, -0.5, 0.5, 2.0]))
    inner = (t > -1) & (t < 1)
    np.testing.assert_array_equal(inner.data, [False, True, True, False])
    np.testing.assert_array_equal((~inner).data, [True, False, False, True])
    np.testing.assert_array_equal(((t < -1) | (t > 1)).data, [True, False, False, True])
    np.testing.assert_array_equal(((t > 0) ^ inner).data, [False, True, False, True])
    np.testing.assert_array_equal((inner & np.array([True, False, True, True])).data,
                                  [False, False, True, False])
    assert (t > 0).any().item() is True and (t > 0).all().item() is False
    np.testing.assert_array_equal(Tensor([True, False]).logical_not().data, [False, True])
    with pytest.raises(TypeError, match="~: the condition must be boolean"):
        _ = ~t
    with pytest.raises(TypeError, match="&: the condition must be boolean"):
        _ = inner & t


def test_isnan_isinf_isfinite() -> None:
    data = np.array([0.0, np.nan, np.inf, -np.inf, 1e308])
    for function, numpy_function, scalar in ((autograd.isnan, np.isnan, math.isnan),
                                             (autograd.isinf, np.isinf, math.isinf),
                                             (autograd.isfinite, np.isfinite, math.isfinite)):
        got = function(Tensor(data))
        assert got.dtype == bool and not got.requires_grad
        np.testing.assert_array_equal(got.data, numpy_function(data))
        assert [function(Value(v)) for v in data] == [scalar(v) for v in data]
    np.testing.assert_array_equal(Tensor(data).isnan().data, np.isnan(data))


# ---------------------------------------------------------------- where, masked_fill
def _torch_check(ours, theirs, inputs, torch, u_seed=0) -> None:
    """Values and gradients of sum(out * u) against PyTorch's."""
    ts = [Tensor(x, requires_grad=True) for x in inputs]
    out = ours(*ts)
    u = np.random.default_rng(u_seed).standard_normal(out.shape).astype(out.dtype)
    (out * u).sum().backward()
    tt = [torch.tensor(x, requires_grad=True) for x in inputs]
    want = theirs(*tt)
    (want * torch.tensor(u)).sum().backward()
    tol = 1e-12 if out.dtype == np.float64 else 1e-6
    np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=tol, atol=tol)
    for t, x in zip(ts, tt, strict=True):
        np.testing.assert_allclose(t.grad, x.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_where_matches_pytorch_with_broadcasting(dtype) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    cond = rng.random((2, 1, 4)) > 0.5
    a, b = rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal((4,)).astype(dtype)
    _torch_check(lambda x, y: where(cond, x, y),
                 lambda x, y: torch.where(torch.as_tensor(cond), x, y), [a, b], torch)
    _torch_check(lambda x, y: where(Tensor(a) > 0, x, y),  # a mask Tensor as the condition
                 lambda x, y: torch.where(torch.as_tensor(a > 0), x, y), [a, b], torch)
    _torch_check(lambda x: x.where(Tensor(a) > 0, 2.5),
                 lambda x: torch.where(torch.as_tensor(a > 0), x, 2.5), [a], torch)


def test_where_gradients_by_finite_differences_both_engines() -> None:
    rng = np.random.default_rng(2)
    cond = rng.random((3, 4)) > 0.5
    x, y = (Tensor(rng.standard_normal(s), requires_grad=True) for s in ((3, 4), (1, 4)))
    assert gradcheck(lambda x, y: where(cond, x.tanh(), y * x), [x, y]).ok
    assert gradgradcheck(lambda x, y: where(cond, x.tanh(), y * x), [x, y]).ok
    v, w = Value(0.3), Value(-1.2)
    out = where(v > w, v * w, w)
    out.backward()
    assert (v.grad, w.grad) == (w.data, v.data) and out.op == "where"
    assert where(False, v, 2.0).data == 2.0 and where(np.bool_(True), 1.0, v).data == 1.0


def test_where_of_constants_is_a_constant() -> None:
    out = where(np.array([True, False]), 1.0, np.array([5.0, 6.0]))
    assert isinstance(out, Tensor) and not out.requires_grad
    np.testing.assert_array_equal(out.data, [1.0, 6.0])


def test_where_refuses_bad_conditions_and_shapes() -> None:
    t = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match="where: the condition must be boolean .* got an "
                                        "array of float64"):
        where(np.array([1.0, 0.0, 1.0]), t, 0.0)
    with pytest.raises(TypeError, match="got int"):
        where(1, t, 0.0)
    with pytest.raises(ValueError, match=r"where: cannot broadcast the condition's shape "
                                         r"\(2,\) with \(3,\) and \(\)"):
        where(np.array([True, False]), t, 0.0)
    with pytest.raises(TypeError, match="both Values or both Tensors"):
        where(True, Value(1.0), t)
    with pytest.raises(ValueError, match="it must be one bool"):
        where(np.array([True, False]), Value(1.0), 0.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_masked_fill_matches_pytorch(dtype) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4)).astype(dtype)
    mask = rng.random(4) > 0.5
    _torch_check(lambda t: t.masked_fill(mask, -np.inf).exp(),
                 lambda t: t.masked_fill(torch.as_tensor(mask), -np.inf).exp(), [x], torch)
    _torch_check(lambda t: autograd.masked_fill(t, Tensor(x) > 0, Tensor(2.0)),
                 lambda t: t.masked_fill(torch.as_tensor(x > 0), 2.0), [x], torch)
    with pytest.raises(ValueError, match=r"a mask of shape \(2, 4\) does not broadcast to the "
                                         r"tensor's shape \(4,\)"):
        Tensor(x[0]).masked_fill(np.ones((2, 4), bool), 0.0)


# ---------------------------------------------------------------- minimum / maximum
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_minimum_and_maximum_match_pytorch_with_ties(dtype) -> None:
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 2.0, -np.inf], [0.0, 5.0, 3.0]], dtype)
    b = np.array([1.0, 3.0, 0.5], dtype)  # a tie at [0, 0]
    _torch_check(minimum, torch.minimum, [a, b], torch)
    _torch_check(autograd.maximum, torch.maximum, [a, b], torch)
    _torch_check(lambda x: minimum(x, 2.0), lambda x: torch.clamp(x, max=2.0), [a[1]], torch)


def test_minimum_and_maximum_on_values() -> None:
    a, b = Value(2.0), Value(2.0)
    m = minimum(a, b)
    m.backward()
    assert m.data == 2.0 and (a.grad, b.grad) == (0.5, 0.5)  # a tie splits, as PyTorch
    c = Value(-1.0)
    assert autograd.maximum(c, 0.0).data == 0.0 and c.minimum(5.0).data == -1.0
    assert c.maximum(3.0).data == 3.0
    assert gradcheck(lambda x, y: minimum(x * y, y.tanh()), [Value(0.7), Value(-0.4)]).ok
    with pytest.raises(TypeError, match="minimum: cannot mix Value and Tensor"):
        minimum(Value(1.0), Tensor(1.0))
    assert isinstance(minimum(np.array([1.0, 5.0]), 2.0), Tensor)
