"""`autograd.grad` and the gradients `create_graph=True` records: the values of a recorded
gradient are those of the plain backward pass, `grad` puts every grad back whatever
happens, and the fused loss's recorded gradient is right for every kind of target."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, grad, primitive
from autograd.table import undefine


def _net_and_loss(activation: type) -> tuple[list[Tensor], Tensor]:
    X, _ = nn.data.spiral(20, 3, seed=0)
    model = nn.Sequential(nn.Linear(2, 16, seed=0), activation(), nn.Linear(16, 3, seed=1))
    return model.parameters(), (model(Tensor(X)) ** 2).mean()


@pytest.mark.parametrize("activation", [nn.Tanh, nn.ReLU])
def test_recorded_gradients_equal_the_plain_ones_bit_for_bit(activation: type) -> None:
    """The same rule on nodes computes the same numbers: weights and biases (a bias
    gradient is a `sum` node over the batch, summed as the plain pass sums it)."""
    params, loss = _net_and_loss(activation)
    plain = grad(loss, params)
    recorded = grad(loss, params, create_graph=True)
    for p, g, node in zip(params, plain, recorded):
        assert isinstance(node, Tensor) and node.requires_grad
        np.testing.assert_array_equal(node.data, g, err_msg=p.label)


def test_sum_over_rows_matches_numpy() -> None:
    """The row-sum of a 2-D array (BLAS) against numpy's reduction, float32 and float64."""
    rng = np.random.default_rng(0)
    for dtype, tolerance in ((np.float64, 1e-12), (np.float32, 1e-6)):
        a = rng.standard_normal((300, 7)).astype(dtype)
        out = Tensor(a).sum(axis=0)
        assert out.dtype == dtype and out.shape == (7,)
        np.testing.assert_allclose(out.data, a.astype(np.float64).sum(axis=0), rtol=tolerance)
        np.testing.assert_allclose(Tensor(a).sum(axis=0, keepdims=True).data,
                                   a.astype(np.float64).sum(axis=0, keepdims=True),
                                   rtol=tolerance)


def test_grad_puts_every_grad_back_when_a_rule_fails() -> None:
    """A rule that raises midway: the leaves' and the intermediate nodes' grads (reset by
    the call) are as they were before it."""

    def fail(grad_out, out, x):
        raise ArithmeticError("rule failed")

    broken = primitive("broken_for_grad_test", lambda x: x * 1.0, backward=fail)
    try:
        x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        mid = (x * x).tanh()
        out = (broken(mid) * mid).sum()
        (mid * 3.0).sum().backward()
        before = [None if n.grad is None else n.grad.copy() for n in (x, mid)]
        for create_graph in (False, True):
            with pytest.raises(ArithmeticError, match="rule failed"):
                grad(out, [x], create_graph=create_graph)
            after = [n.grad for n in (x, mid)]
            for old, new in zip(before, after):
                np.testing.assert_array_equal(new, old)
            assert out.grad is None
    finally:
        undefine("broken_for_grad_test")


def test_grad_puts_every_grad_back_after_an_unused_input() -> None:
    x, unused = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0], requires_grad=True)
    y = (x * x).sum()
    x.grad = np.array([5.0, 6.0])
    with pytest.raises(ValueError, match="do not depend on input 1"):
        grad(y, [x, unused])
    np.testing.assert_array_equal(x.grad, [5.0, 6.0])
    assert y.grad is None


def test_transpose_backward_inverts_any_permutation() -> None:
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    weights = np.random.default_rng(1).standard_normal((4, 2, 3))
    (g,) = grad((x.transpose(2, 0, 1) * weights).sum(), [x])
    np.testing.assert_array_equal(g, weights.transpose(1, 2, 0))


def test_softmax_node_on_rows_takes_the_fused_forward_numbers() -> None:
    """The `softmax` node of the fused loss's recorded gradient holds exactly the softmax
    the fused forward pass computed, and rows of NaN, +inf or only -inf give NaN rows, as
    along any other axis, without numpy warnings."""
    import warnings

    from autograd import apply
    from nn.functional import cross_entropy

    rng = np.random.default_rng(3)
    z = Tensor(rng.standard_normal((50, 4)) * 30, requires_grad=True)
    loss = cross_entropy(z, rng.integers(0, 4, 50), fused=True)
    np.testing.assert_array_equal(apply("softmax", z, ctx=1).data, loss._ctx.softmax)
    rows = np.array([[0.0, -np.inf, 1.0], [np.nan, 0.0, 1.0], [np.inf, 0.0, 1.0],
                     [-np.inf, -np.inf, -np.inf], [800.0, -800.0, 0.0], [2.0, 2.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        by_rows = apply("softmax", Tensor(rows), ctx=1).data
        by_columns = apply("softmax", Tensor(rows.T.copy()), ctx=0).data.T
    np.testing.assert_array_equal(np.isnan(by_rows), np.isnan(by_columns))
    assert np.isnan(by_rows[1:4]).all() and not np.isnan(by_rows[[0, 4, 5]]).any()
    np.testing.assert_allclose(by_rows, by_columns, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(by_rows[[0, 4, 5]], [[1 / (1 + np.e), 0, np.e / (1 + np.e)],
                                                     [1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])


@pytest.mark.parametrize("bias", [False, True])
def test_recorded_matmul_gradients_are_matmul_t_nodes(bias: bool) -> None:
    """x @ w (and linear) record g @ w.T and x.T @ g as one `matmul_t` node each, no
    `transpose` node, and they differentiate again to PyTorch's numbers."""
    from autograd import apply, topological_order

    rng = np.random.default_rng(4)
    x = Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    b = Tensor(rng.standard_normal(2), requires_grad=True)
    out = apply("linear", x, w, b) if bias else x @ w
    leaves = [x, w, b] if bias else [x, w]
    loss = (out.tanh() ** 2).sum()
    grads = grad(loss, leaves, create_graph=True)
    ops = {node.op for g in grads for node in topological_order(g)}
    assert "matmul_t" in ops and "transpose" not in ops
    v = [rng.standard_normal(p.shape) for p in leaves]
    hv = grad(sum(((g * vi).sum() for g, vi in zip(grads, v)), Tensor(0.0)), leaves)
    torch = pytest.importorskip("torch")
    tx, tw, tb = (torch.tensor(p.data, requires_grad=True) for p in (x, w, b))
    t_leaves = [tx, tw, tb] if bias else [tx, tw]
    t_out = tx @ tw + tb if bias else tx @ tw
    t_grads = torch.autograd.grad((t_out.tanh() ** 2).sum(), t_leaves, create_graph=True)
    t_hv = torch.autograd.grad(sum((g * torch.tensor(vi)).sum() for g, vi in zip(t_grads, v)),
                               t_leaves)
    for ours, theirs in zip(hv, t_hv):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-14)


def test_broadcast_view_of_one_number_is_numpys() -> None:
    """`sums.broadcast_to` (every backward pass through a sum): a one-element array,
    0-d, a strided view or float32, broadcast to any shape of as many or more axes, is
    numpy's read-only broadcast; a shape it cannot reach is numpy's error."""
    from autograd.sums import broadcast_to

    numbers = [np.ones((1, 1)), np.array(2.5), np.arange(10.0)[3:4],
               np.arange(10.0)[::3][1:2].reshape(1, 1), np.full((1,), 3.0, np.float32)]
    for a in numbers:
        for shape in ((4, 3), (2, 1, 5), (1, 1, 1), (0, 2)):
            ours, theirs = broadcast_to(a, shape), np.broadcast_to(a, shape)
            assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
            np.testing.assert_array_equal(ours, theirs)
            assert not ours.flags.writeable
    with pytest.raises(ValueError):
        broadcast_to(np.ones((1, 1)), (3,))


def test_matmul_t_refuses_operands_that_are_not_2d() -> None:
    from autograd import apply

    a, b = Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"matmul_t: operands must be 2-D, got shapes \(2, 3\)"):
        apply("matmul_t", a, b, ctx=(False, False))
