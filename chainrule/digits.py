"""`chainrule train --data digits`: the handwritten digits, a CNN or an MLP, and test accuracy.

The data set is real (`nn.data.digits`, 1,797 8x8 images shipped with chainrule), so
training reports accuracy on held-out test images as well as on the training images.
The CNN is a classic small one: two 3x3 convolutions (16 and 32 channels, zero padding
1) each followed by ReLU and 2x2 max pooling, then a Linear layer on the 32 x 2 x 2
features. The MLP takes the 64 pixels as a row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MODELS = ("mlp", "cnn")
# (epochs, batch size, learning rate for each optimizer) that reach >= 95% test accuracy
# from any seed in a few seconds; the CNN's are fewer, larger steps.
DEFAULTS = {"cnn": (10, 32), "mlp": (30, 32)}
LR = {"sgd": 0.1, "adam": 0.005, "rmsprop": 0.002, "adagrad": 0.05}


def load(seed: int, flatten: bool) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test): 80% / 20% of each digit, split with `seed`."""
    from nn import data

    x_train, y_train = data.digits("train", seed=seed, flatten=flatten)
    x_test, y_test = data.digits("test", seed=seed, flatten=flatten)
    return x_train, y_train, x_test, y_test


def build(kind: str, hidden: Sequence[int], seed: int, dtype: object = np.float64):
    """The CNN described above, or Linear/ReLU layers 64 -> hidden... -> 10."""
    import nn

    rng = np.random.default_rng(seed)
    if kind == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, seed=rng, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, seed=rng, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 2 * 2, 10, seed=rng, dtype=dtype))
    sizes = [64, *hidden, 10]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], seed=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def describe(model, kind: str, hidden: Sequence[int]) -> str:
    count = sum(int(np.size(p.data)) for p in model.parameters())
    if kind == "cnn":
        return (f"CNN: Conv2d(1, 16, 3) ReLU MaxPool2d(2), Conv2d(16, 32, 3) ReLU "
                f"MaxPool2d(2), Flatten, Linear(128, 10); {count} parameters")
    widths = " -> ".join(map(str, [64, *hidden, 10]))
    return f"MLP: {widths}, ReLU between layers; {count} parameters"


def predict(model, x: np.ndarray, batch: int = 512) -> np.ndarray:
    """The predicted digit of each image, in eval mode, without recording a graph."""
    from autograd import Tensor, no_grad

    was_training = model.training
    model.eval()
    try:
        with no_grad():
            return np.concatenate([model(Tensor(x[i:i + batch])).data.argmax(axis=1)
                                   for i in range(0, len(x), batch)])
    finally:
        model.train(was_training)
