"""The activation layers (nn.GELU, nn.LeakyReLU, ...): each is its autograd function with
the layer's constants, holds no parameters, refuses bad constants like the function, and
trains and exports inside a Sequential. PyTorch agreement: tests/test_interop_torch.py."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor

# layer, the same function with the same constants
CASES = {
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), lambda x: autograd.leaky_relu(x, 0.2)),
    "ELU": (lambda: nn.ELU(0.5), lambda x: autograd.elu(x, 0.5)),
    "CELU": (lambda: nn.CELU(2.0), lambda x: autograd.celu(x, 2.0)),
    "SELU": (nn.SELU, autograd.selu),
    "SiLU": (nn.SiLU, autograd.silu),
    "GELU": (nn.GELU, autograd.gelu),
    "GELU tanh": (lambda: nn.GELU("tanh"), lambda x: autograd.gelu(x, approximate="tanh")),
    "Softplus": (lambda: nn.Softplus(3.0), lambda x: autograd.softplus(x, 3.0)),
    "LogSigmoid": (nn.LogSigmoid, autograd.log_sigmoid),
    "Softsign": (nn.Softsign, autograd.softsign),
    "Hardtanh": (lambda: nn.Hardtanh(-0.5, 2.0), lambda x: autograd.hardtanh(x, -0.5, 2.0)),
    "ReLU6": (nn.ReLU6, autograd.relu6),
}
EDGES = np.array([-np.inf, -1e3, -6.0, -1.0, -0.0, 0.0, 0.5, 1.0, 6.0, 1e3, np.inf])


@pytest.mark.parametrize("name", CASES)
def test_a_layer_is_its_function(name):
    make, function = CASES[name]
    rng = np.random.default_rng(0)
    data = np.concatenate([rng.standard_normal(20) * 4, EDGES])
    for dtype in (np.float64, np.float32):
        x, y = (Tensor(data.astype(dtype), requires_grad=True) for _ in range(2))
        layer = make()
        out, want = layer(x), function(y)
        assert out.data.dtype == dtype and not layer.parameters()
        np.testing.assert_array_equal(out.data, want.data)
        # a seed per element rather than .sum(): a sum of +inf and -inf outputs is nan
        seed = np.ones(out.shape, dtype)
        out.backward(seed), want.backward(seed)
        np.testing.assert_array_equal(x.grad, y.grad)


@pytest.mark.parametrize("make, words", [
    (lambda: nn.GELU("exact"), "approximate must be 'none' or 'tanh'"),
    (lambda: nn.Softplus(0), "beta must be positive"),
    (lambda: nn.CELU(0), "alpha must not be 0"),
    (lambda: nn.Hardtanh(1, -1), "min_val=1 is greater than max_val=-1"),
])
def test_bad_constants_are_refused_when_the_layer_is_made(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_the_repr_shows_the_constants():
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.GELU("tanh"), nn.LeakyReLU(0.1),
                          nn.Hardtanh(-2, 2), nn.Softplus(2))
    text = repr(model)
    for part in ("GELU(approximate='tanh')", "LeakyReLU(negative_slope=0.1)",
                 "Hardtanh(min_val=-2.0, max_val=2.0)", "Softplus(beta=2.0)"):
        assert part in text, text


def test_a_network_with_every_activation_trains():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((64, 2)), rng.integers(0, 2, 64)
    layers = [nn.Linear(2, 8, seed=0)]
    for i, (make, _) in enumerate(CASES.values()):
        layers += [make(), nn.Linear(8, 8, seed=i + 1)]
    model = nn.Sequential(*layers, nn.Linear(8, 2, seed=99))
    loss_fn, optimizer = nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(60):
        optimizer.zero_grad()
        loss = loss_fn(model(Tensor(x)), y)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.data))
    assert np.isfinite(losses).all() and losses[-1] < 0.8 * losses[0]


def test_every_activation_exports_to_onnx(tmp_path):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    layers = [nn.Linear(3, 4, seed=0)]
    for name, (make, _) in CASES.items():
        if not name.startswith("GELU"):  # onnxruntime's CPU Erf is float32 only: see
            layers += [make(), nn.Linear(4, 4, seed=len(layers))]  # test_interop_onnx
    model = nn.Sequential(*layers)
    path = tmp_path / "activations.onnx"
    nn.export_onnx(model, np.zeros((2, 3)), path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    x = np.random.default_rng(2).standard_normal((5, 3))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    want = model(Tensor(x)).data
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


def test_identity_returns_its_input_itself():
    x = Tensor(np.arange(3.0), requires_grad=True)
    assert nn.Identity()(x) is x and not nn.Identity().parameters()


@pytest.mark.parametrize("function, module, options", [
    ("mse_loss", nn.MSELoss, {}), ("l1_loss", nn.L1Loss, {}),
    ("binary_cross_entropy", nn.BCELoss, {}),
    ("binary_cross_entropy_with_logits", nn.BCEWithLogitsLoss, {"pos_weight": 2.0}),
    ("huber_loss", nn.HuberLoss, {"delta": 0.5}), ("smooth_l1_loss", nn.SmoothL1Loss,
                                                   {"beta": 0.5}),
])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_the_loss_functions_are_their_modules(function, module, options, reduction):
    from nn import functional as F  # noqa: N812 - the conventional name

    rng = np.random.default_rng(3)
    pred = rng.uniform(0.05, 0.95, (4, 3))
    target = rng.uniform(0, 1, (4, 3))
    a, b = Tensor(pred, requires_grad=True), Tensor(pred, requires_grad=True)
    got = getattr(F, function)(a, target, reduction=reduction, **options)
    want = module(reduction=reduction, **options)(b, target)
    np.testing.assert_array_equal(got.data, want.data)
    got.sum().backward(), want.sum().backward()
    np.testing.assert_array_equal(a.grad, b.grad)
