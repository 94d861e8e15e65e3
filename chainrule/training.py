"""Data, models, optimizers and prediction shared by `chainrule train` and `chainrule demo`.

The tensor engine trains `nn.Sequential(Linear, ReLU, ..., Linear)`: every layer is
x @ W + b and relu, primitive ops recorded on whole arrays. The scalar engine trains
`nn.MLP(2, [*hidden, classes])`, one `Value` per weight, with the same softmax
cross-entropy applied to each sample's list of `classes` output Values; it is about a
thousand times slower per sample, so its defaults are small.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

DATASETS = ("spiral", "moons", "vertical", "digits")  # digits: chainrule.digits
ENGINES = ("tensor", "scalar")
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad"}
# Learning rates that train the default networks on the default data in a few hundred
# full-batch epochs; plain SGD and Adagrad need a much larger step than Adam.
DEFAULT_LR = {"sgd": 0.5, "adam": 0.02, "rmsprop": 0.01, "adagrad": 0.5}


def load_data(name: str, samples: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """X (n, 2) float64 and y (n,) int class labels; `samples` per class (moons: 2 classes)."""
    from nn import data

    if name == "moons":
        return data.moons(samples * 2, noise=0.1, seed=seed)
    generator = data.spiral if name == "spiral" else data.vertical
    return generator(samples, classes, seed=seed)


def build_model(engine: str, nin: int, hidden: Sequence[int], classes: int, seed: int):
    """Tensor: Sequential(Linear, ReLU, ..., Linear); scalar: MLP(nin, [*hidden, classes])."""
    import nn

    if engine == "scalar":
        return nn.MLP(nin, [*hidden, classes], seed=seed)
    rng = np.random.default_rng(seed)
    sizes = [nin, *hidden, classes]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], seed=rng))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def make_optimizer(name: str, params: list, lr: float):
    """nn.optim.SGD / Adam / RMSprop / Adagrad over `params` with learning rate `lr`."""
    from nn import optim

    return getattr(optim, OPTIMIZERS[name])(params, lr=lr)


def predictor(model, engine: str) -> Callable[[np.ndarray], np.ndarray]:
    """points (M, 2) -> predicted class (M,), recorded without a graph."""
    from autograd import Tensor, no_grad

    def predict_tensor(points: np.ndarray) -> np.ndarray:
        with no_grad():
            return np.asarray(model(Tensor(points)).data).argmax(axis=1)

    def predict_scalar(points: np.ndarray) -> np.ndarray:
        with no_grad():
            rows = [[v.data for v in model(row)] for row in points.tolist()]
        return np.asarray(rows).argmax(axis=1)

    return predict_scalar if engine == "scalar" else predict_tensor


def describe(model, engine: str, nin: int, hidden: Sequence[int], classes: int) -> str:
    """One line: layer widths, engine and parameter count."""
    count = sum(int(np.size(p.data)) for p in model.parameters())
    kind = "nn.MLP of Value neurons" if engine == "scalar" else "nn.Sequential of Linear"
    widths = " -> ".join(map(str, [nin, *hidden, classes]))
    return f"{widths} ({kind}, ReLU between layers; {count} parameters)"
