"""Learning, not just running: a Tensor network fits the spiral data (issue: nn)."""

from __future__ import annotations

import numpy as np

import nn


def test_tensor_network_learns_the_spiral_with_adam() -> None:
    # 2 -> 64 ReLU -> 3 on spiral(100, 3), Adam, seeds fixed: at least 90 % training accuracy
    # within 2,000 epochs (it gets there well before; 1,000 keep the test quick).
    X, y = nn.data.spiral(100, 3, seed=0)
    model = nn.Sequential(nn.Linear(2, 64, seed=0), nn.ReLU(), nn.Linear(64, 3, seed=1))
    optimizer = nn.optim.Adam(model.parameters(), lr=0.02)
    history = nn.fit(model, X, y, nn.CrossEntropyLoss(fused=True), optimizer, epochs=1000,
                     progress=False)
    assert history.accuracy[-1] >= 0.9
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert nn.metrics.accuracy(model(X), y) >= 0.9  # the trained model, not the running figure


def test_composed_loss_trains_the_same_network_identically() -> None:
    # The fused and composed losses have the same gradients, so the same seeds give the
    # same trajectory (to rounding).
    X, y = nn.data.spiral(30, 3, seed=1)
    finals = []
    for fused in (True, False):
        model = nn.Sequential(nn.Linear(2, 16, seed=0), nn.ReLU(), nn.Linear(16, 3, seed=1))
        optimizer = nn.optim.SGD(model.parameters(), lr=0.5)
        history = nn.fit(model, X, y, nn.CrossEntropyLoss(fused=fused), optimizer, epochs=50,
                         progress=False)
        finals.append(history.loss[-1])
    assert abs(finals[0] - finals[1]) <= 1e-9 * finals[0]


def test_a_zero_dimensional_parameter_used_twice_keeps_an_array_gradient() -> None:
    # d(p * p)/dp = 2p = 4 at p = 2, accumulated from two paths; numpy turns the sum of two
    # 0-d arrays into a scalar, which the optimizer would refuse as "not an array".
    from autograd import Tensor

    p = Tensor(2.0, requires_grad=True)
    (p * p).backward()
    assert isinstance(p.grad, np.ndarray) and p.grad.shape == () and p.grad == 4.0
    (p * p).backward()  # a second call adds the earlier gradient back
    assert isinstance(p.grad, np.ndarray) and p.grad == 8.0
    nn.optim.SGD([p], lr=0.1).step()
    assert p.data == 2.0 - 0.1 * 8.0
