"""nn.losses: closed forms, PyTorch, both engines, stability and input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Tensor, Value, gradcheck
from nn.layers import Linear
from nn.losses import (
    BCE_EPS,
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    MSELoss,
    l1_penalty,
    l2_penalty,
)
from nn.scalar import MLP

RNG = np.random.default_rng(7)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ------------------------------------------------------------------ MSE
def test_mse_value_and_gradient_closed_form():
    p, t = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    x = Tensor(p, requires_grad=True)
    loss = MSELoss()(x, t)
    assert loss.item() == pytest.approx(np.mean((p - t) ** 2), rel=1e-12)
    loss.backward()
    np.testing.assert_allclose(x.grad, 2 * (p - t) / p.size, rtol=1e-12)
    assert MSELoss(reduction="sum")(Tensor(p), t).item() == pytest.approx(((p - t) ** 2).sum())
    np.testing.assert_allclose(MSELoss(reduction="none")(Tensor(p), t).data, (p - t) ** 2)


def test_mse_on_values_matches_the_tensor_engine():
    preds = [Value(1.5), Value(-0.5), Value(2.0)]
    targets = [1.0, 0.0, -1.0]
    loss = MSELoss()(preds, targets)
    assert loss.data == pytest.approx((0.25 + 0.25 + 9.0) / 3)
    loss.backward()
    assert [p.grad for p in preds] == pytest.approx([2 * 0.5 / 3, 2 * -0.5 / 3, 2 * 3.0 / 3])
    single = MSELoss()(Value(3.0), 1.0)
    assert single.data == 4.0
    assert [v.data for v in MSELoss(reduction="none")(preds, targets)] == [0.25, 0.25, 9.0]


# ------------------------------------------------------------------ BCE
def test_bce_value_and_gradient_closed_form():
    p = RNG.uniform(0.05, 0.95, size=(6,))
    y = RNG.integers(0, 2, size=6).astype(float)
    x = Tensor(p, requires_grad=True)
    loss = BCELoss()(x, y)
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    loss.backward()
    np.testing.assert_allclose(x.grad, (p - y) / (p * (1 - p)) / p.size, rtol=1e-10)
    assert gradcheck(lambda x: BCELoss(reduction="sum")(x, y), [Tensor(p, requires_grad=True)])


def test_bce_clips_probabilities_at_zero_and_one():
    x = Tensor(np.array([0.0, 1.0, 1.0, 0.0]), requires_grad=True)
    loss = BCELoss(reduction="none")(x, np.array([1.0, 0.0, 1.0, 0.0]))
    big = -math.log(BCE_EPS)  # ~16.1: the worst a term can be
    np.testing.assert_allclose(loss.data, [big, big, 0.0, 0.0], atol=1e-6, rtol=1e-6)
    loss.sum().backward()
    assert np.isfinite(x.grad).all()
    scalar = BCELoss()([Value(0.0)], [1.0])
    assert scalar.data == pytest.approx(big, rel=1e-6)


def test_bce_refuses_logits_and_bad_targets():
    with pytest.raises(ValueError, match=r"BCELoss: probabilities must lie in \[0, 1\]; got 2.0"):
        BCELoss()(Tensor([0.5, 2.0]), [1.0, 0.0])
    with pytest.raises(ValueError, match=r"BCELoss: targets must lie in \[0, 1\]; got -1.0"):
        BCELoss()(Tensor([0.5, 0.5]), [1.0, -1.0])


# ------------------------------------------------------------------ BCE with logits
def test_bce_with_logits_closed_form_and_gradient():
    z = RNG.normal(scale=3.0, size=(5, 2))
    y = RNG.uniform(size=(5, 2))  # soft targets are allowed
    x = Tensor(z, requires_grad=True)
    loss = BCEWithLogitsLoss()(x, y)
    # -(y log s + (1 - y) log(1 - s)) = log(1 + e^z) - y z
    assert loss.item() == pytest.approx(np.mean(np.logaddexp(0, z) - y * z), rel=1e-12)
    loss.backward()
    np.testing.assert_allclose(x.grad, (_sigmoid(z) - y) / z.size, rtol=1e-9, atol=1e-15)


def test_bce_with_logits_is_finite_for_huge_logits():
    x = Tensor(np.array([1000.0, -1000.0, 1000.0, -1000.0]), requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    loss = BCEWithLogitsLoss(reduction="none")(x, y)
    np.testing.assert_allclose(loss.data, [1000.0, 1000.0, 0.0, 0.0])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, -1.0, 0.0, 0.0])
    values = [Value(1000.0), Value(-1000.0)]
    total = BCEWithLogitsLoss(reduction="sum")(values, [0.0, 1.0])
    total.backward()
    assert total.data == 2000.0 and [v.grad for v in values] == [1.0, -1.0]


def test_bce_with_logits_on_values_matches_tensor():
    z, y = [0.3, -2.0, 4.0], [1.0, 0.0, 0.5]
    values = [Value(v) for v in z]
    scalar = BCEWithLogitsLoss()(values, y)
    tensor = BCEWithLogitsLoss()(Tensor(z), y)
    assert scalar.data == pytest.approx(tensor.item(), rel=1e-12)


# ------------------------------------------------------------------ cross-entropy
@pytest.mark.parametrize("fused", [True, False])
def test_cross_entropy_closed_form(fused):
    z = RNG.normal(size=(4, 3))
    labels = np.array([0, 2, 1, 2])
    x = Tensor(z, requires_grad=True)
    loss = CrossEntropyLoss(fused=fused)(x, labels)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert loss.item() == pytest.approx(-log_probs[np.arange(4), labels].mean(), rel=1e-12)
    loss.backward()
    onehot = np.eye(3)[labels]
    np.testing.assert_allclose(x.grad, (np.exp(log_probs) - onehot) / 4, rtol=1e-9, atol=1e-15)


# ------------------------------------------------------------------ against PyTorch
def test_losses_agree_with_torch():
    torch = pytest.importorskip("torch")
    fn = torch.nn.functional
    z = RNG.normal(size=(5, 3))
    y = RNG.uniform(size=(5, 3))
    p = _sigmoid(z)
    labels = np.array([2, 0, 1, 1, 0])
    cases = [
        (MSELoss(), fn.mse_loss, z, y),
        (MSELoss(reduction="sum"), lambda a, b: fn.mse_loss(a, b, reduction="sum"), z, y),
        (BCELoss(), fn.binary_cross_entropy, p, y),
        (BCEWithLogitsLoss(), fn.binary_cross_entropy_with_logits, z, y),
        (BCEWithLogitsLoss(reduction="sum"),
         lambda a, b: fn.binary_cross_entropy_with_logits(a, b, reduction="sum"), z, y),
        (CrossEntropyLoss(), fn.cross_entropy, z, labels),
        (CrossEntropyLoss(fused=False, reduction="sum"),
         lambda a, b: fn.cross_entropy(a, b, reduction="sum"), z, labels),
    ]
    for ours_fn, torch_fn, inputs, targets in cases:
        ours_in = Tensor(inputs, requires_grad=True)
        theirs_in = torch.tensor(inputs, requires_grad=True)
        ours = ours_fn(ours_in, targets)
        theirs = torch_fn(theirs_in, torch.tensor(targets))
        ours.backward()
        theirs.backward()
        assert ours.item() == pytest.approx(theirs.item(), rel=1e-10), ours_fn
        np.testing.assert_allclose(ours_in.grad, theirs_in.grad.numpy(), rtol=1e-8,
                                   atol=1e-14, err_msg=repr(ours_fn))


# ------------------------------------------------------------------ checks
@pytest.mark.parametrize("loss", [MSELoss(), BCELoss(), BCEWithLogitsLoss()])
def test_shape_mismatch_names_both_shapes(loss):
    with pytest.raises(ValueError, match=r"prediction shape \(3, 1\) and target shape \(3,\)"):
        loss(Tensor(np.full((3, 1), 0.5)), np.ones(3))


@pytest.mark.parametrize("cls", [MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss])
def test_reduction_is_validated(cls):
    with pytest.raises(ValueError, match=r"reduction must be one of \('mean', 'sum', 'none'\)"):
        cls(reduction="average")


def test_scalar_inputs_are_validated():
    with pytest.raises(ValueError, match="2 predictions and 3 targets"):
        MSELoss()([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="predictions must be Values, got str"):
        MSELoss()(["a"], [1.0])
    with pytest.raises(ValueError, match=r"MSELoss: the prediction holds nan at index \(1,\)"):
        MSELoss()(Tensor([1.0, np.nan]), [0.0, 0.0])


# ------------------------------------------------------------------ penalties
def test_l2_penalty_on_the_scalar_engine():
    model = MLP(2, [3, 1], seed=0)
    data = np.array([p.data for p in model.parameters()])
    penalty = l2_penalty(model, 0.01)
    assert penalty.data == pytest.approx(0.01 * (data ** 2).sum(), rel=1e-12)
    penalty.backward()
    assert [p.grad for p in model.parameters()] == pytest.approx((0.02 * data).tolist())


def test_l1_and_l2_penalties_on_the_tensor_engine():
    layer = Linear(3, 2, seed=0)
    layer.bias.data = np.array([0.5, -2.0])
    w, b = layer.weight.data, layer.bias.data
    l1 = l1_penalty(layer, 0.1)
    assert l1.item() == pytest.approx(0.1 * (np.abs(w).sum() + np.abs(b).sum()), rel=1e-12)
    l1.backward()
    np.testing.assert_allclose(layer.weight.grad, 0.1 * np.sign(w))
    np.testing.assert_allclose(layer.bias.grad, [0.1, -0.1])
    l2 = l2_penalty(layer, 0.5)
    assert l2.item() == pytest.approx(0.5 * ((w ** 2).sum() + (b ** 2).sum()), rel=1e-12)
    with pytest.raises(ValueError, match="lam must be a finite number >= 0, got -1"):
        l2_penalty(layer, -1)
