"""The examples tests/test_docs_ops.py builds for the rows of docs/ops.md: for each row
(keyed by its Op cell), calls without arguments on each engine the row claims; and how to
call each name on Values where one Value argument is not the way."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

import autograd
import nn
from autograd import Tensor, Value
from nn import functional as F  # noqa: N812 - the conventional name


def T(*shape: int, seed: int = 0, positive: bool = False) -> Tensor:  # noqa: N802
    data = np.random.default_rng(seed).standard_normal(shape or (2, 3))
    return Tensor(np.abs(data) + 0.5 if positive else data, requires_grad=True)


def V(x: float = 0.7) -> Value:  # noqa: N802
    return Value(x)


def images() -> Tensor:
    return T(2, 2, 5, 5)


def probabilities() -> Tensor:
    return Tensor(np.array([[0.2, 0.7], [0.5, 0.1]]), requires_grad=True)


def ops_in(result: object) -> set[str]:
    """The primitives recorded in the graphs under result (a node, or nested tuples/lists)."""
    if isinstance(result, (tuple, list)):
        return set().union(*map(ops_in, result)) if result else set()
    if not isinstance(result, (Value, Tensor)):
        return set()
    return {node.op for node in autograd.topological_order(result) if node.op}


def records_nothing(result: object) -> bool:
    if isinstance(result, (tuple, list)):
        return all(map(records_nothing, result))
    if isinstance(result, Tensor):
        return not result.requires_grad and result.op == ""
    return isinstance(result, (bool, int, Value, np.random.Generator))


def _gradient_of(loss: Callable[[], Tensor], x: Tensor) -> Tensor:
    (g,) = autograd.grad(loss(), [x], create_graph=True)
    return g


# Each row's examples: {"tensor": [...], "value": [...]}, calls without arguments. Rows of
# the Elementwise table without an entry get one call per name they list (`_auto`).
TARGETS = [0.0, 1.0]
EXAMPLES: dict[str, dict[str, list[Callable[[], object]]]] = {
    # clip needs a bound (clip(None, None) is refused: docs/conventions.md)
    "`clip`": {"tensor": [lambda: autograd.clip(T(), -0.5, 0.5), lambda: autograd.clamp(T(), 0.0),
                          lambda: T().clip(-0.5, 0.5), lambda: T().clamp(None, 0.5)],
               "value": [lambda: autograd.clip(V(), -0.5, 0.5), lambda: V().clip(0.0),
                         lambda: V().clamp(None, 0.5)]},
    # arithmetic
    "`a + b`": {"tensor": [lambda: T() + T(seed=1), lambda: 1.0 + T()],
                "value": [lambda: V() + V(0.2), lambda: V() + 1]},
    "`-a`": {"tensor": [lambda: -T()], "value": [lambda: -V()]},
    "`a - b`": {"tensor": [lambda: T() - T(seed=1)], "value": [lambda: V() - V(0.2)]},
    "`a * b`": {"tensor": [lambda: T() * T(seed=1)], "value": [lambda: V() * 3]},
    "`a / b`": {"tensor": [lambda: T() / T(positive=True)], "value": [lambda: V() / V(0.2)]},
    "`a ** c`": {"tensor": [lambda: T(positive=True) ** 1.5], "value": [lambda: V() ** 3]},
    "`a ** b`": {"tensor": [lambda: T(positive=True) ** T(seed=1)],
                 "value": [lambda: V() ** V(0.2)]},
    "`a @ b`": {"tensor": [lambda: T(2, 3) @ T(3, 4), lambda: T(3) @ T(3, 2)]},
    "`Value.products(xs, ys)`": {"value": [lambda: Value.products([V(), V(1)], [V(2), 3.0])]},
    # comparisons and selection
    "`a < b`, `a <= b`, `a > b`, `a >= b`": {
        "tensor": [lambda: T() < 0, lambda: T() <= T(seed=1), lambda: T() > 0.5,
                   lambda: T() >= 0, lambda: T().lt(0), lambda: T().le(0), lambda: T().gt(0),
                   lambda: T().ge(0), lambda: 1.0 > T()],
        "value": [lambda: V() < V(1), lambda: V() <= 1, lambda: V() > 0, lambda: 2 >= V()]},
    "`a == b`, `a != b`": {"tensor": [lambda: T() == T(), lambda: T() != 0.0,
                                      lambda: T().eq(0), lambda: T().ne(0)],
                           "value": [lambda: V() == V(), lambda: V() != V()]},
    "`max(values)`, `min(values)`, `sorted(values)`": {
        "value": [lambda: max([V(), V(2)]), lambda: min([V(), V(2)]),
                  lambda: sorted([V(), V(2), V(-1)])]},
    "`m & n`, `m ^ n`, `~m`": {"tensor": [lambda: (T() > 0) & (T(seed=1) > 0),
                                         lambda: (T() > 0) | (T(seed=1) > 0),
                                         lambda: (T() > 0) ^ True, lambda: ~(T() > 0),
                                         lambda: (T() > 0).logical_not()]},
    "`any`, `all`": {"tensor": [lambda: (T() > 0).any(), lambda: T().all(axis=1)]},
    "`isnan`, `isinf`, `isfinite`": {
        "tensor": [lambda: autograd.isnan(T()), lambda: autograd.isinf(T()),
                   lambda: autograd.isfinite(T()), lambda: T().isnan(), lambda: T().isinf(),
                   lambda: T().isfinite()],
        "value": [lambda: autograd.isnan(V()), lambda: V().isinf(), lambda: V().isfinite()]},
    "`where(cond, a, b)`": {
        "tensor": [lambda: autograd.where(T() > 0, T(), T(seed=1)),
                   lambda: T().where(T(seed=1) > 0, 0.0)],
        "value": [lambda: autograd.where(True, V(), V(2)), lambda: V().where(False, 1.0)]},
    "`masked_fill(x, mask, value)`": {
        "tensor": [lambda: autograd.masked_fill(T(), T(seed=1) > 0, 0.0),
                   lambda: T().masked_fill(T(seed=1) > 0, -math.inf)]},
    "`maximum(a, b)`": {"tensor": [lambda: autograd.maximum(T(), T(seed=1)),
                                   lambda: T().maximum(0.0)],
                        "value": [lambda: autograd.maximum(V(), 0.0), lambda: V().maximum(V(2))]},
    "`minimum(a, b)`": {"tensor": [lambda: autograd.minimum(T(), T(seed=1)),
                                   lambda: T().minimum(0.0)],
                        "value": [lambda: autograd.minimum(V(), 0.0), lambda: V().minimum(V(2))]},
    # elementwise with arguments
    "`gelu(x, approximate=\"tanh\")`": {
        "tensor": [lambda: autograd.gelu(T(), approximate="tanh"),
                   lambda: F.gelu(T(), approximate="tanh")],
        "value": [lambda: autograd.gelu(V(), approximate="tanh")]},
    "`softplus`": {"tensor": [lambda: autograd.softplus(T()), lambda: F.softplus(T(), beta=2)],
                   "value": [lambda: autograd.softplus(V()), lambda: F.softplus(V(), 2)]},
    # reductions
    "`sum`": {"tensor": [lambda: T().sum(), lambda: T().sum(axis=1, keepdims=True)]},
    "`Value.sum(values)`": {"value": [lambda: Value.sum([V(), V(2), 3.0])]},
    "`mean`": {"tensor": [lambda: T().mean(axis=0)]},
    "`max`": {"tensor": [lambda: T().max(), lambda: T().max(axis=1)]},
    "`min`": {"tensor": [lambda: T().min(axis=(0, 1))]},
    "`max(axis, return_indices=True)`": {
        "tensor": [lambda: T().max(axis=1, return_indices=True),
                   lambda: T().min(axis=0, keepdims=True, return_indices=True)]},
    "`logsumexp`": {
        "tensor": [lambda: autograd.logsumexp(T(), axis=1),
                   lambda: T().logsumexp(axis=1, keepdims=True),
                   lambda: autograd.logsumexp(Tensor([[-np.inf, -np.inf]], requires_grad=True),
                                              axis=1)],
        "value": [lambda: autograd.logsumexp([V(), V(2)]),
                  lambda: autograd.logsumexp([V(-math.inf), V(-math.inf)])]},
    "`var`": {"tensor": [lambda: autograd.var(T(), axis=1), lambda: T().var(correction=0)],
              "value": [lambda: autograd.var([V(), V(2), V(-1)])]},
    "`std`": {"tensor": [lambda: autograd.std(T(), axis=1), lambda: T().std()],
              "value": [lambda: autograd.std([V(), V(2), V(-1)])]},
    "`prod`": {"tensor": [lambda: autograd.prod(T(2, 4), axis=1), lambda: T().prod(axis=1),
                          lambda: T(2, 4).prod(axis=0)],
               "value": [lambda: autograd.prod([V(), V(2), V(-1)])]},
    "`argmax`, `argmin`": {"tensor": [lambda: autograd.argmax(T(), axis=1),
                                      lambda: autograd.argmin(T()), lambda: T().argmax(),
                                      lambda: T().argmin(axis=0)],
                           "value": [lambda: autograd.argmax([V(), V(2)]),
                                     lambda: autograd.argmin([V(), V(2)])]},
    "`cumsum`": {"tensor": [lambda: autograd.cumsum(T(), axis=1), lambda: T().cumsum()],
                 "value": [lambda: autograd.cumsum([V(), V(2), V(3)])]},
    # shapes
    "`reshape`": {"tensor": [lambda: T().reshape(3, 2), lambda: T().reshape(-1)]},
    "`transpose`, `.T`": {"tensor": [lambda: T().transpose(), lambda: T().T]},
    "`x[index]`": {"tensor": [lambda: T()[0], lambda: T()[:, [0, 0, 2]],
                              lambda: (lambda t: t[t > 0])(T())]},
    "`concatenate`": {"tensor": [lambda: autograd.concatenate([T(), T(seed=1)], axis=1)]},
    "`stack`": {"tensor": [lambda: autograd.stack([T(), T(seed=1)])]},
    "`squeeze`": {"tensor": [lambda: autograd.squeeze(T(2, 1, 3)), lambda: T(1, 3).squeeze(0)]},
    "`unsqueeze`": {"tensor": [lambda: autograd.unsqueeze(T(), 0), lambda: T().unsqueeze(-1)]},
    "`flatten`": {"tensor": [lambda: autograd.flatten(T(2, 2, 2), 1), lambda: T().flatten()]},
    "`broadcast_to`": {"tensor": [lambda: autograd.broadcast_to(T(1, 3), (4, 3)),
                                  lambda: T(3).broadcast_to((2, 3))]},
    "`expand`": {"tensor": [lambda: autograd.expand(T(1, 3), 2, -1), lambda: T(1, 3).expand(2, 3)]},
    "`repeat`": {"tensor": [lambda: autograd.repeat(T(), 2, 1), lambda: T().repeat(1, 2, 2)]},
    "`flip`": {"tensor": [lambda: autograd.flip(T(), 1), lambda: T().flip()]},
    "`split`, `chunk`": {"tensor": [lambda: autograd.split(T(), 2, axis=1),
                                    lambda: autograd.chunk(T(), 2), lambda: T().split([1, 2], 1),
                                    lambda: T().chunk(3, axis=1)]},
    "`gather`": {"tensor": [lambda: autograd.gather(T(), 1, np.array([[0], [2]])),
                            lambda: T().gather(0, np.array([[1, 0, 1]]))]},
    "`tril`, `triu`": {"tensor": [lambda: autograd.tril(T(3, 3)), lambda: autograd.triu(T(3, 3), 1),
                                  lambda: T(3, 3).tril(-1), lambda: T(3, 3).triu()]},
    "`pad`": {"tensor": [lambda: autograd.pad(T(), (1, 1)), lambda: F.pad(T(), (1, 0), value=2.0),
                         lambda: autograd.pad(T(), (-1, 1, 1, 0))]},
    "`pad(x, pad, mode)`": {"tensor": [lambda: autograd.pad(T(), (1, 1), mode="reflect"),
                                       lambda: F.pad(T(), (2, 1), mode="replicate"),
                                       lambda: autograd.pad(T(), (0, 0, 1, 1), mode="circular")]},
    # creation
    "`zeros`, `ones`, `full`, `eye`": {
        "tensor": [lambda: autograd.zeros(2, 3), lambda: autograd.ones((2, 3), dtype=np.float32),
                   lambda: autograd.full(3, 7.0), lambda: autograd.eye(3, 2)]},
    "`arange`, `linspace`": {"tensor": [lambda: autograd.arange(5),
                                        lambda: autograd.arange(0, 1, 0.25),
                                        lambda: autograd.linspace(0, 1, 5)]},
    "`rand`, `randn`": {"tensor": [lambda: autograd.rand(2, 3, seed=0),
                                   lambda: autograd.randn(2, generator=np.random.default_rng(1)),
                                   lambda: autograd.manual_seed(3),
                                   lambda: autograd.default_generator()]},
    "`zeros_like`, `ones_like`, `full_like`, `rand_like`, `randn_like`": {
        "tensor": [lambda: autograd.zeros_like(T()), lambda: autograd.ones_like(T()),
                   lambda: autograd.full_like(T(), 2.0), lambda: autograd.rand_like(T(), seed=0),
                   lambda: autograd.randn_like(T(), seed=0)]},
    "`one_hot`": {"tensor": [lambda: autograd.one_hot([0, 2], 3),
                             lambda: F.one_hot(np.array([1]))]},
    # losses
    "`softmax`": {"tensor": [lambda: F.softmax(T()), lambda: F.softmax(T(), axis=0)],
                  "value": [lambda: F.softmax([V(), V(0.1)])]},
    "`log_softmax`": {"tensor": [lambda: F.log_softmax(T())],
                      "value": [lambda: F.log_softmax([V(), V(0.1)])]},
    "`cross_entropy`": {
        "tensor": [lambda: F.cross_entropy(T(), [0, 2]),
                   lambda: F.cross_entropy(T(), [0, 2], label_smoothing=0.1),
                   lambda: F.cross_entropy(T(2, 3, 4), np.zeros((2, 4), int))],
        "value": [lambda: F.cross_entropy([V(), V(0.1)], 1),
                  lambda: F.cross_entropy([[V(), V(0.1)], [V(1), V(2)]], [1, 0], weight=[1., 2.])]},
    "`cross_entropy(..., fused=True)`": {
        "tensor": [lambda: F.cross_entropy(T(), [0, 2], fused=True),
                   lambda: F.cross_entropy(T(), [0, 2], fused=True, weight=[1.0, 2.0, 3.0])],
        "value": [lambda: F.cross_entropy([V(), V(0.1)], 1, fused=True),
                  lambda: F.cross_entropy([[V(), V(0.1)], [V(1), V(2)]], [1, 0], fused=True,
                                          weight=[1.0, 2.0])]},
    "`nll_loss`": {"tensor": [lambda: F.nll_loss(T(), [0, 2]),
                              lambda: F.nll_loss(T(2, 3, 4), np.zeros((2, 4), int))],
                   "value": [lambda: F.nll_loss([V(), V(0.1)], 1)]},
    "`CrossEntropyLoss`": {"tensor": [lambda: nn.CrossEntropyLoss()(T(), [0, 2])],
                           "value": [lambda: nn.CrossEntropyLoss()([V(), V(0.1)], 1)]},
    "`NLLLoss`": {"tensor": [lambda: nn.NLLLoss()(T(), [0, 2])],
                  "value": [lambda: nn.NLLLoss()([[V(), V(0.1)], [V(1), V(2)]], [1, 0])]},
    "`MSELoss`": {"tensor": [lambda: nn.MSELoss()(T(), np.zeros((2, 3)))],
                  "value": [lambda: nn.MSELoss()([V(), V(0.1)], TARGETS)]},
    "`L1Loss`": {"tensor": [lambda: nn.L1Loss()(T(), np.zeros((2, 3)))],
                 "value": [lambda: nn.L1Loss()([V(), V(0.1)], TARGETS)]},
    "`BCELoss`": {"tensor": [lambda: nn.BCELoss()(probabilities(), np.zeros((2, 2)))],
                  "value": [lambda: nn.BCELoss()([V(0.3), V(0.6)], TARGETS)]},
    "`BCEWithLogitsLoss`": {
        "tensor": [lambda: nn.BCEWithLogitsLoss()(T(), np.zeros((2, 3))),
                   lambda: nn.BCEWithLogitsLoss(pos_weight=2.0)(T(), np.ones((2, 3)))],
        "value": [lambda: nn.BCEWithLogitsLoss()([V(0.3), V(0.6)], TARGETS)]},
    "`HuberLoss`": {"tensor": [lambda: nn.HuberLoss()(T(), np.zeros((2, 3)))],
                    "value": [lambda: nn.HuberLoss(delta=0.5)([V(0.3), V(1.6)], TARGETS)]},
    "`SmoothL1Loss`": {"tensor": [lambda: nn.SmoothL1Loss()(T(), np.zeros((2, 3)))],
                       "value": [lambda: nn.SmoothL1Loss()([V(0.3), V(1.6)], TARGETS)]},
    "`l1_penalty`, `l2_penalty`": {
        "tensor": [lambda: nn.l1_penalty(nn.Linear(3, 2, seed=0), 0.1),
                   lambda: nn.l2_penalty(nn.Linear(3, 2, seed=0), 0.1)],
        "value": [lambda: nn.l1_penalty(nn.MLP(2, [1], seed=0), 0.1),
                  lambda: nn.l2_penalty(nn.MLP(2, [1], seed=0), 0.1)]},
    # layers
    "`Linear`": {"tensor": [lambda: nn.Linear(3, 2, seed=0)(T())]},
    "`Linear(bias=False)`": {"tensor": [lambda: nn.Linear(3, 2, bias=False, seed=0)(T())]},
    "`Conv2d`, `conv2d`": {"tensor": [lambda: nn.Conv2d(2, 3, 3, seed=0)(images()),
                                      lambda: F.conv2d(images(), T(3, 2, 3, 3), stride=2)]},
    "`MaxPool2d`, `max_pool2d`": {"tensor": [lambda: nn.MaxPool2d(2)(images()),
                                              lambda: F.max_pool2d(images(), 3, 1, 1)]},
    "`AvgPool2d`, `avg_pool2d`": {"tensor": [lambda: nn.AvgPool2d(2)(images()),
                                              lambda: F.avg_pool2d(images(), 2, 1)]},
    "`Flatten`": {"tensor": [lambda: nn.Flatten()(images())]},
    "`LayerNorm`": {"tensor": [lambda: nn.LayerNorm(3)(T())]},
    "`BatchNorm1d`": {"tensor": [lambda: nn.BatchNorm1d(3)(T()),
                                 lambda: nn.BatchNorm1d(3).eval()(T())]},
    "`Embedding`": {"tensor": [lambda: nn.Embedding(5, 3, seed=0)([1, 2]),
                               lambda: nn.Embedding(5, 3, padding_idx=0, seed=0)([0, 2])]},
    "`Dropout`": {"tensor": [lambda: nn.Dropout(0.5, seed=0)(T())]},
    "`Identity`": {"tensor": [lambda: nn.Identity()(Tensor(np.ones(3)))]},  # x itself
    "`ReLU`": {"tensor": [lambda: nn.ReLU()(T())]},
    "`Tanh`": {"tensor": [lambda: nn.Tanh()(T())]},
    "`Sigmoid`": {"tensor": [lambda: nn.Sigmoid()(T())]},
    "`LeakyReLU`": {"tensor": [lambda: nn.LeakyReLU(0.2)(T())]},
    "`ELU`": {"tensor": [lambda: nn.ELU()(T())]},
    "`CELU`": {"tensor": [lambda: nn.CELU(2.0)(T())]},
    "`SELU`": {"tensor": [lambda: nn.SELU()(T())]},
    "`SiLU`": {"tensor": [lambda: nn.SiLU()(T())]},
    "`GELU`": {"tensor": [lambda: nn.GELU()(T()), lambda: nn.GELU("tanh")(T())]},
    "`Softplus`": {"tensor": [lambda: nn.Softplus()(T()), lambda: nn.Softplus(2.0)(T())]},
    "`LogSigmoid`": {"tensor": [lambda: nn.LogSigmoid()(T())]},
    "`Softsign`": {"tensor": [lambda: nn.Softsign()(T())]},
    "`Hardtanh`": {"tensor": [lambda: nn.Hardtanh(-0.5, 0.5)(T())]},
    "`ReLU6`": {"tensor": [lambda: nn.ReLU6()(T())]},
    "`Softmax`": {"tensor": [lambda: nn.Softmax()(T())]},
    "`Sequential`": {"tensor": [lambda: nn.Sequential(nn.Linear(3, 2, seed=0), nn.ReLU())(T())]},
    "`Neuron`, `Layer`, `MLP`": {"value": [lambda: nn.Neuron(2, seed=0)([V(), V(0.1)]),
                                          lambda: nn.Layer(2, 3, seed=0)([V(), V(0.1)]),
                                          lambda: nn.MLP(2, [3, 1], seed=0)([V(), V(0.1)]),
                                          lambda: nn.Neuron(2, nonlin=False, seed=0)([V(), 1.0])]},
    # gradient graphs
    "`softmax` node": {"tensor": [lambda: (lambda z: _gradient_of(
        lambda: F.cross_entropy(z, [0, 2], fused=True), z))(T())]},
    "`matmul_t` node": {"tensor": [lambda: (lambda x: _gradient_of(
        lambda: ((x @ x.T) ** 2).sum(), x))(T())]},
    "`col2im`": {"tensor": [lambda: (lambda x: _gradient_of(
        lambda: (F.max_pool2d(x, 2) ** 2).sum(), x))(images())]},
}


# How to call a name on Values, where one Value argument is not the way.
VALUE_CALLS = {
    "where": lambda f: f(True, V(), 1.0),
    "maximum": lambda f: f(V(), V(2)), "minimum": lambda f: f(V(), V(2)),
    "products": lambda f: f([V()], [V(2)]), "sum": lambda f: f([V(), 2.0]),
    "logsumexp": lambda f: f([V(), V(2)]), "var": lambda f: f([V(), V(2)]),
    "std": lambda f: f([V(), V(2)]), "prod": lambda f: f([V(), V(2)]),
    "argmax": lambda f: f([V(), V(2)]), "argmin": lambda f: f([V(), V(2)]),
    "cumsum": lambda f: f([V(), V(2)]),
    "softmax": lambda f: f([V(), V(2)]), "log_softmax": lambda f: f([V(), V(2)]),
    "cross_entropy": lambda f: f([V(), V(2)], 1), "nll_loss": lambda f: f([V(), V(2)], 1),
    "l1_penalty": lambda f: f(nn.MLP(2, [1], seed=0), 0.1),
    "l2_penalty": lambda f: f(nn.MLP(2, [1], seed=0), 0.1),
    "CrossEntropyLoss": lambda f: f()([V(), V(2)], 1), "NLLLoss": lambda f: f()([V(), V(2)], 1),
    "Neuron": lambda f: f(2, seed=0)([V(), V(2)]), "Layer": lambda f: f(2, 2, seed=0)([V(), 1.0]),
    "MLP": lambda f: f(2, [2, 1], seed=0)([V(), 1.0]),
}
METHOD_CALLS = {"where": lambda m: m(False, 2.0), "maximum": lambda m: m(V(2)),
                "minimum": lambda m: m(2.0), "clip": lambda m: m(0.0, 0.5),
                "clamp": lambda m: m(hi=0.5)}
_LOSSES = ("MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "HuberLoss", "SmoothL1Loss")
VALUE_CALLS.update({name: lambda f: f()([V(0.3), V(0.6)], TARGETS) for name in _LOSSES})
VALUE_CALLS.update({name: lambda f: f([V(0.3), V(0.6)], TARGETS) for name in (
    "mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "huber_loss", "smooth_l1_loss")})
