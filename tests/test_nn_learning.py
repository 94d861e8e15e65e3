"""Learning, not just running: a Tensor network fits the spiral data (issue: nn)."""

from __future__ import annotations

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
