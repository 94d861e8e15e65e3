"""nn.metrics.accuracy on hand-made cases, and nn.train.fit on tiny models of both engines."""

from __future__ import annotations

import io
import math
import sys

import numpy as np
import pytest

from autograd import Tensor, Value
from nn import optim
from nn.metrics import accuracy
from nn.train import History, fit


# ------------------------------------------------------------------ accuracy
def test_accuracy_argmax_with_index_and_one_hot_targets():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [9.0, 0.0, 0.0]])
    # argmax: 0, 1, 2, 0
    assert accuracy(logits, np.array([0, 1, 2, 2])) == 0.75
    assert accuracy(Tensor(logits), [0, 0, 0, 0]) == 0.5
    assert accuracy(logits, np.eye(3)[[0, 1, 1, 0]]) == 0.75


def test_accuracy_single_output_scores_threshold_and_label_styles():
    scores = np.array([0.3, -0.2, 2.0, -1.0])  # > 0: 1, 0, 1, 0
    assert accuracy(scores, [1, 0, 0, 0]) == 0.75
    assert accuracy(scores.reshape(-1, 1), np.array([[1], [-1], [1], [1]])) == 0.75
    assert accuracy(scores, [1, -1, 1, -1]) == 1.0
    assert accuracy(np.array([0.0, 0.0]), [0, 0]) == 1.0  # exactly at the threshold: negative
    probs = np.array([0.7, 0.4, 0.55, 0.2])  # sigmoid outputs: > 0.5: 1, 0, 1, 0
    assert accuracy(probs, [1, 0, 0, 0], threshold=0.5) == 0.75


def test_accuracy_value_lists():
    scores = [Value(0.5), Value(-2.0), Value(-0.1)]
    assert accuracy(scores, [1, -1, 1]) == pytest.approx(2 / 3)
    rows = [[Value(0.1), Value(0.9)], [Value(3.0), Value(-1.0)]]
    assert accuracy(rows, [1, 1]) == 0.5


@pytest.mark.parametrize("outputs, targets, pattern", [
    (np.zeros((4, 3)), np.zeros(5, int), r"\(4, 3\).*\(5,\)"),
    (np.zeros((4, 3)), np.eye(2)[[0, 1, 0, 1]], r"\(4, 3\).*\(4, 2\)"),
    (np.zeros((2, 3)), np.array([0, 3]), r"\[0, 3\)"),
    (np.zeros(3), np.array([0, 1, 2]), "0/1 or -1/"),
    (np.zeros(3), np.zeros((3, 2)), r"\(3, 2\)"),
    (np.zeros((0, 2)), np.zeros(0, int), "no samples"),
])
def test_accuracy_mismatches_name_both_shapes(outputs, targets, pattern):
    with pytest.raises(ValueError, match=pattern):
        accuracy(outputs, targets)


# ------------------------------------------------------------------ fit: tensor engine
def separable(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points with |x0 + x1| >= 0.5, labelled by the sign of x0 + x1."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(4 * n, 2))
    X = X[np.abs(X.sum(axis=1)) >= 0.5][:n]
    return X, (X.sum(axis=1) > 0).astype(np.int64)


class Logistic:
    """z = X @ W + b with Tensor parameters; loss = mean log(1 + exp(-s z)), s = +-1."""

    def __init__(self) -> None:
        self.W = Tensor(np.array([[0.3], [-0.4]]), requires_grad=True)
        self.b = Tensor(np.zeros(1), requires_grad=True)

    def __call__(self, x: Tensor) -> Tensor:
        return x @ self.W + self.b

    def parameters(self) -> list[Tensor]:
        return [self.W, self.b]


def logistic_loss(z: Tensor, y: np.ndarray) -> Tensor:
    sign = (2.0 * y - 1.0).reshape(-1, 1)
    return ((z * -sign).exp() + 1.0).log().mean()


def test_tensor_logistic_regression_reaches_full_accuracy():
    X, y = separable()
    model = Logistic()
    history = fit(model, X, y, logistic_loss, optim.SGD(model, lr=1.0), epochs=8,
                  batch_size=16, progress=False, seed=0)
    assert isinstance(history, History)
    assert len(history.loss) == len(history.accuracy) == 8
    assert history.accuracy[-1] == 1.0
    assert history.loss[-1] < history.loss[0]
    assert accuracy(model(Tensor(X)), y) == 1.0


def test_history_loss_is_the_sample_mean_of_the_loss():
    # With lr = 0 nothing moves, so every epoch's loss is the full-data loss.
    X, y = separable(30)
    model = Logistic()
    expected = logistic_loss(model(Tensor(X)), y).item()
    history = fit(model, X, y, logistic_loss, optim.SGD(model, lr=0.0), epochs=2,
                  batch_size=7, progress=False, seed=1)
    assert history.loss == pytest.approx([expected, expected], rel=1e-12)
    z = X @ model.W.data + model.b.data
    assert history.accuracy[0] == np.mean((z[:, 0] > 0) == (y == 1))


class Recorder:
    """Counts zero_grad/step calls, and which samples each forward saw."""

    def __init__(self, model: Logistic) -> None:
        self.inner = optim.SGD(model, lr=0.1)
        self.params = self.inner.params
        self.calls: list[str] = []

    def zero_grad(self) -> None:
        self.calls.append("zero")
        self.inner.zero_grad()

    def step(self) -> None:
        self.calls.append("step")
        self.inner.step()


def test_batches_cover_every_sample_once_per_epoch_in_seeded_order():
    X, y = separable(10)

    def run(seed):
        model, rows = Logistic(), []

        def forward(x):
            rows.append([tuple(r) for r in x.data])
            return model(x)

        opt = Recorder(model)
        fit(forward, X, y, logistic_loss, opt, epochs=2, batch_size=4, progress=False,
            seed=seed)
        return opt.calls, rows

    calls, rows = run(5)
    assert calls == ["zero", "step"] * 6  # ceil(10 / 4) = 3 batches x 2 epochs
    assert [len(r) for r in rows] == [4, 4, 2] * 2
    for epoch in (rows[:3], rows[3:]):
        assert sorted(sum(epoch, [])) == sorted(tuple(r) for r in X)
    assert run(5)[1] == rows
    assert run(6)[1] != rows


def test_progress_false_prints_nothing(capsys):
    X, y = separable(20)
    model = Logistic()
    fit(model, X, y, logistic_loss, optim.SGD(model, lr=0.5), epochs=3, progress=False)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_progress_bar_shows_loss_and_accuracy_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    X, y = separable(20)
    model = Logistic()
    fit(model, X, y, logistic_loss, optim.SGD(model, lr=0.5), epochs=2)
    text = terminal.getvalue()
    assert "loss=" in text and "acc=" in text and "2/2" in text


def test_non_finite_loss_stops_before_any_step():
    X, y = separable(10)
    model = Logistic()
    before = model.W.data.copy()
    bad = lambda z, t: logistic_loss(z, t) * math.inf
    with pytest.raises(ValueError, match="loss is inf at epoch 0"):
        fit(model, X, y, bad, optim.SGD(model, lr=0.5), epochs=1, progress=False)
    np.testing.assert_array_equal(model.W.data, before)


@pytest.mark.parametrize("x, y, kwargs, error, pattern", [
    (np.zeros((5, 2)), np.zeros(4), {}, ValueError, r"\(5, 2\).*\(4,\)"),
    (np.zeros(5), np.zeros(5), {}, ValueError, r"\(5,\)"),
    (np.zeros((5, 2)), np.zeros(5), {"epochs": 0}, ValueError, "epochs must be >= 1"),
    (np.zeros((5, 2)), np.zeros(5), {"batch_size": 0}, ValueError, "batch_size"),
    (np.zeros((5, 2)), np.zeros(5), {"batch_size": 2.0}, TypeError, "batch_size"),
])
def test_fit_argument_errors(x, y, kwargs, error, pattern):
    model = Logistic()
    args = {"epochs": 1, "progress": False, **kwargs}
    with pytest.raises(error, match=pattern):
        fit(model, x, y, logistic_loss, optim.SGD(model, lr=0.1), **args)


# ------------------------------------------------------------------ fit: scalar engine
def test_scalar_model_learns_with_hinge_loss():
    X, y = separable(40, seed=2)
    w = [Value(0.1, label="w0"), Value(-0.2, label="w1")]
    b = Value(0.0, label="b")

    def model(row):
        assert isinstance(row, list) and all(type(v) is float for v in row)
        return Value.sum([w[0] * row[0], w[1] * row[1], b])

    def hinge(outputs, targets):
        terms = [(1 - (2 * t - 1) * out).relu() for out, t in zip(outputs, targets)]
        return Value.sum(terms) * (1 / len(terms))

    history = fit(model, X, y, hinge, optim.SGD(w + [b], lr=0.2), epochs=15, batch_size=8,
                  progress=False, seed=0)
    assert len(history.loss) == len(history.accuracy) == 15
    assert history.accuracy[-1] == 1.0
    scores = [model(row).data for row in X.tolist()]
    assert accuracy(np.array(scores), y) == 1.0


def test_regression_targets_give_nan_accuracy():
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([0.5, 1.5, 2.5])
    w = Value(0.0)
    loss = lambda outs, ts: Value.sum([(o - t) ** 2 for o, t in zip(outs, ts)])
    history = fit(lambda row: w * row[0], X, y, loss, optim.SGD([w], lr=0.01), epochs=2,
                  progress=False)
    assert all(math.isnan(a) for a in history.accuracy)
    assert history.loss[1] < history.loss[0]
