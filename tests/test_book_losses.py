"""Book parity, the rest of `docs/book_parity.md`'s table: each of the book's layers,
activations, losses and penalties against chainrule's counterpart, value and gradient,
both written here from the book's formulas (chapters 3 to 17), and `nn.L1Loss` (the
book's mean absolute error) against its math, PyTorch and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, Value, gradcheck
from nn import functional as F  # noqa: N812 - the conventional name

RNG = np.random.default_rng(16)
PRED = RNG.uniform(0.05, 0.95, (5, 3))
TARGET = RNG.uniform(0.0, 1.0, (5, 3))


def _grad(loss_fn, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    x = Tensor(pred.copy(), requires_grad=True)
    loss = loss_fn(x, target)
    loss.backward()
    return loss.item(), x.grad


# ------------------------------------------------------------------ regression losses
def test_mean_absolute_error_is_the_books():
    # mean over each sample's outputs, then over samples; derivative sign(pred - y) / (J N)
    loss, grad = _grad(nn.L1Loss(), PRED, TARGET)
    n, j = PRED.shape
    assert loss == pytest.approx(np.mean(np.mean(np.abs(TARGET - PRED), axis=1)), rel=1e-15)
    np.testing.assert_allclose(grad, np.sign(PRED - TARGET) / j / n, rtol=1e-15)


def test_mean_squared_error_is_the_books():
    loss, grad = _grad(nn.MSELoss(), PRED, TARGET)
    n, j = PRED.shape
    assert loss == pytest.approx(np.mean(np.mean((TARGET - PRED) ** 2, axis=1)), rel=1e-15)
    np.testing.assert_allclose(grad, -2 * (TARGET - PRED) / j / n, rtol=1e-14)


def test_binary_cross_entropy_is_the_books():
    y = (TARGET > 0.5).astype(float)
    loss, grad = _grad(nn.BCELoss(), PRED, y)
    n, j = PRED.shape
    p = np.clip(PRED, 1e-7, 1 - 1e-7)
    sample = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)), axis=1)
    assert loss == pytest.approx(np.mean(sample), rel=1e-14)
    np.testing.assert_allclose(grad, -(y / p - (1 - y) / (1 - p)) / j / n, rtol=1e-12)


def test_l1_loss_reductions_and_the_scalar_engine():
    diff = np.abs(PRED - TARGET)
    assert nn.L1Loss(reduction="sum")(Tensor(PRED), TARGET).item() == pytest.approx(diff.sum())
    np.testing.assert_allclose(nn.L1Loss(reduction="none")(Tensor(PRED), TARGET).data, diff)
    preds = [Value(2.0), Value(-1.0), Value(0.5)]
    loss = nn.L1Loss()(preds, [1.0, 1.0, 0.5])
    loss.backward()
    assert loss.data == pytest.approx(1.0)
    # sign(pred - target) / 3, and 0 where the prediction is exact
    assert [p.grad for p in preds] == pytest.approx([1 / 3, -1 / 3, 0.0])


def test_l1_loss_gradcheck_and_errors():
    x = Tensor(PRED.copy(), requires_grad=True)
    assert gradcheck(lambda x: nn.L1Loss()(x, TARGET), [x])
    with pytest.raises(ValueError, match="shape"):
        nn.L1Loss()(Tensor(PRED), TARGET[:2])
    with pytest.raises(ValueError, match="reduction"):
        nn.L1Loss(reduction="average")
    with pytest.raises(ValueError, match="non-finite"):
        nn.L1Loss()(Tensor(np.array([np.nan, 1.0])), [0.0, 0.0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_l1_loss_matches_torch(reduction):
    torch = pytest.importorskip("torch", reason="torch not installed: pip install -e '.[ci]'")
    pred, target = PRED.copy(), TARGET.copy()
    pred[0, 0] = target[0, 0]  # a tie: both give gradient 0 there
    x = Tensor(pred.copy(), requires_grad=True)
    tx = torch.tensor(pred, requires_grad=True)
    ours = nn.L1Loss(reduction=reduction)(x, target)
    theirs = torch.nn.L1Loss(reduction=reduction)(tx, torch.tensor(target))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-15)
    seed = np.ones(ours.shape)
    ours.backward(seed if ours.shape else None)
    theirs.backward(torch.tensor(seed) if ours.shape else None)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-15)


# ------------------------------------------------------------------ classification
def test_categorical_cross_entropy_of_the_books_example():
    # The book's loss reads probabilities; chainrule's reads logits, and log-probabilities
    # are logits whose softmax gives the probabilities back.
    probs = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
    loss = F.cross_entropy(Tensor(np.log(probs)), [0, 1, 1])
    assert loss.item() == pytest.approx(0.38506088005216804, rel=1e-12)  # printed in the book
    assert loss.item() == pytest.approx(np.mean(-np.log(probs[[0, 1, 2], [0, 1, 1]])), rel=1e-15)


def test_dense_layer_relu_softmax_and_accuracy_are_the_books():
    x = RNG.standard_normal((6, 2))
    layer = nn.Linear(2, 4, seed=0)
    weights, biases = layer.weight.data.copy(), layer.bias.data.copy()  # the book's layout
    dense = x @ weights + biases
    np.testing.assert_allclose(layer(Tensor(x)).data, dense, rtol=1e-15)
    np.testing.assert_array_equal(nn.ReLU()(Tensor(dense)).data, np.maximum(0, dense))
    exp = np.exp(dense - dense.max(axis=1, keepdims=True))
    np.testing.assert_allclose(F.softmax(Tensor(dense)).data, exp / exp.sum(axis=1, keepdims=True),
                               rtol=1e-14)
    y = np.array([0, 1, 2, 3, 0, 1])
    assert nn.metrics.accuracy(dense, y) == np.mean(np.argmax(dense, axis=1) == y)


# ------------------------------------------------------------------ regularisation, dropout
def test_penalties_are_the_books_regularisation_except_l1_at_zero():
    layer = nn.Linear(3, 2, seed=1)
    layer.bias.data[:] = [0.0, -0.5]  # a zero bias, as every bias starts in the book
    lam = 5e-4
    l1, l2 = nn.l1_penalty(layer, lam), nn.l2_penalty(layer, lam)
    w, b = layer.weight.data, layer.bias.data
    assert l1.item() == pytest.approx(lam * (np.abs(w).sum() + np.abs(b).sum()), rel=1e-15)
    assert l2.item() == pytest.approx(lam * ((w * w).sum() + (b * b).sum()), rel=1e-15)
    (l1 + l2).backward()
    # The book's dL1/dw is +1 for w >= 0 and -1 below; chainrule's |w|' is sign(w), 0 at 0.
    np.testing.assert_allclose(layer.weight.grad, lam * np.sign(w) + 2 * lam * w, rtol=1e-14)
    np.testing.assert_allclose(layer.bias.grad, [0.0, -lam + 2 * lam * -0.5], rtol=1e-14)


def test_dropout_is_the_books_inverted_dropout():
    rate = 0.1  # the book's Layer_Dropout(0.1): drop 10%, scale the rest by 1 / 0.9
    x = Tensor(np.ones((200, 50)), requires_grad=True)
    out = nn.Dropout(rate, seed=0)(x)
    kept = out.data != 0
    np.testing.assert_allclose(out.data[kept], 1 / (1 - rate), rtol=1e-15)
    assert abs(kept.mean() - (1 - rate)) < 0.01
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)  # the mask / (1 - rate) passes back
