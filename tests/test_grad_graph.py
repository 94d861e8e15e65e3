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
