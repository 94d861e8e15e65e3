"""chainrule -> PyTorch -> chainrule: modules, state dicts and optimizers, against PyTorch.

Every registered layer is tested both ways, float64 (1e-12 relative) and float32 (1e-6):
the PyTorch modules here are written by hand, as a PyTorch user would, so `to_torch`'s
structure and layouts are checked against an independent model, not against itself.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from test_interop_layers import IMAGE_AND_INDEX_LAYERS  # noqa: E402

import nn  # noqa: E402
from autograd import Tensor, Value  # noqa: E402
from autograd.graph import replace_data  # noqa: E402
from nn.to_torch import torch_arrays  # noqa: E402
from nn.torch_layers import TORCH_LAYERS  # noqa: E402

TOL = {np.float64: 1e-12, np.float32: 1e-6}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def close(got, want, dtype) -> None:
    """Relative to the largest entry: |got - want| <= tol * (|want| + max |want|)."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    tol = TOL[dtype]
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(np.abs(want).max(), 1e-300))


# name -> (chainrule model for a dtype, the same network in PyTorch written by hand, input width)
def _seq(d):
    return nn.Sequential(nn.Linear(3, 5, seed=1, dtype=d), nn.ReLU(),
                         nn.Sequential(nn.Linear(5, 4, seed=2, dtype=d), nn.Tanh()),
                         nn.Dropout(0.3, seed=0), nn.Linear(4, 2, seed=3, dtype=d), nn.Sigmoid())


def _torch_seq(t):
    return torch.nn.Sequential(torch.nn.Linear(3, 5, dtype=t), torch.nn.ReLU(),
                               torch.nn.Sequential(torch.nn.Linear(5, 4, dtype=t),
                                                   torch.nn.Tanh()),
                               torch.nn.Dropout(0.3), torch.nn.Linear(4, 2, dtype=t),
                               torch.nn.Sigmoid())


TENSOR_CASES = {
    "Linear": (lambda d: nn.Linear(3, 4, seed=0, dtype=d),
               lambda t: torch.nn.Linear(3, 4, dtype=t), 3),
    "Linear, no bias": (lambda d: nn.Linear(3, 4, bias=False, seed=0, dtype=d),
                        lambda t: torch.nn.Linear(3, 4, bias=False, dtype=t), 3),
    "ReLU": (lambda d: nn.ReLU(), lambda t: torch.nn.ReLU(), 3),
    "Identity": (lambda d: nn.Sequential(nn.Identity(), nn.Linear(3, 2, seed=0, dtype=d)),
                 lambda t: torch.nn.Sequential(torch.nn.Identity(),
                                               torch.nn.Linear(3, 2, dtype=t)), 3),
    "Tanh": (lambda d: nn.Tanh(), lambda t: torch.nn.Tanh(), 3),
    "Sigmoid": (lambda d: nn.Sigmoid(), lambda t: torch.nn.Sigmoid(), 3),
    "Softmax": (lambda d: nn.Softmax(), lambda t: torch.nn.Softmax(dim=-1), 3),
    "Softmax over the batch": (lambda d: nn.Softmax(axis=0), lambda t: torch.nn.Softmax(dim=0),
                               3),
    "Dropout (eval)": (lambda d: nn.Dropout(0.5).eval(), lambda t: torch.nn.Dropout(0.5).eval(),
                       3),
    "LeakyReLU": (lambda d: nn.LeakyReLU(0.2), lambda t: torch.nn.LeakyReLU(0.2), 3),
    "ELU": (lambda d: nn.ELU(0.5), lambda t: torch.nn.ELU(0.5), 3),
    "CELU": (lambda d: nn.CELU(2.0), lambda t: torch.nn.CELU(2.0), 3),
    "SELU": (lambda d: nn.SELU(), lambda t: torch.nn.SELU(), 3),
    "SiLU": (lambda d: nn.SiLU(), lambda t: torch.nn.SiLU(), 3),
    "GELU": (lambda d: nn.GELU(), lambda t: torch.nn.GELU(), 3),
    "GELU, tanh": (lambda d: nn.GELU("tanh"), lambda t: torch.nn.GELU("tanh"), 3),
    "Softplus": (lambda d: nn.Softplus(2.0), lambda t: torch.nn.Softplus(2.0), 3),
    "LogSigmoid": (lambda d: nn.LogSigmoid(), lambda t: torch.nn.LogSigmoid(), 3),
    "Softsign": (lambda d: nn.Softsign(), lambda t: torch.nn.Softsign(), 3),
    "Hardtanh": (lambda d: nn.Hardtanh(-0.5, 0.5), lambda t: torch.nn.Hardtanh(-0.5, 0.5), 3),
    "ReLU6": (lambda d: nn.ReLU6(), lambda t: torch.nn.ReLU6(), 3),
    "Sequential, nested": (_seq, _torch_seq, 3),
    # Rows of 6: a row of 3 normal numbers can have a tiny variance, whose 1 / std
    # magnifies float32 rounding in the input gradient past 1e-6 (PyTorch's included).
    "LayerNorm": (lambda d: nn.LayerNorm(6, dtype=d), lambda t: torch.nn.LayerNorm(6, dtype=t), 6),
    "LayerNorm, no affine": (lambda d: nn.LayerNorm(6, elementwise_affine=False),
                             lambda t: torch.nn.LayerNorm(6, elementwise_affine=False), 6),
    "BatchNorm1d (eval)": (lambda d: nn.BatchNorm1d(3, dtype=d),
                           lambda t: torch.nn.BatchNorm1d(3, dtype=t), 3),
    "Flatten": (lambda d: nn.Sequential(nn.Flatten(), nn.Linear(3, 2, seed=0, dtype=d)),
                lambda t: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3, 2, dtype=t)),
                3),
}
SCALAR_CASES = {  # the scalar engine is float64
    "Neuron": (lambda: nn.Neuron(3, seed=0),
               lambda: torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.ReLU())),
    "Neuron, linear": (lambda: nn.Neuron(3, nonlin=False, seed=0),
                       lambda: torch.nn.Linear(3, 1)),
    "Layer": (lambda: nn.Layer(3, 4, seed=0),
              lambda: torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())),
    "MLP": (lambda: nn.MLP(3, [4, 4, 2], seed=0),
            lambda: torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                                        torch.nn.Linear(4, 4), torch.nn.ReLU(),
                                        torch.nn.Linear(4, 2))),
}


def test_every_registered_layer_has_a_case() -> None:
    covered = {type(f(np.float64)) for f, _, _ in TENSOR_CASES.values()}
    covered |= {type(f()) for f, _ in SCALAR_CASES.values()}
    covered |= {type(m) for f, _, _ in TENSOR_CASES.values() for _, m in
                f(np.float64).named_modules()}
    covered |= IMAGE_AND_INDEX_LAYERS  # tests/test_interop_layers.py
    assert covered == set(TORCH_LAYERS), set(TORCH_LAYERS) ^ covered


# ---------------------------------------------------------------- running both
def run_chainrule(model, x: np.ndarray, weights: np.ndarray):
    """Output, input gradient and parameter gradients (PyTorch layout) of sum(out * weights)."""
    if isinstance(model, (nn.MLP, nn.Layer, nn.Neuron)):
        xs = [[Value(v) for v in row] for row in x.tolist()]
        outs = []
        for row in xs:
            out = model(row)
            outs.append([out] if isinstance(out, Value) else out)
        Value.sum([o * float(w) for row, wrow in zip(outs, weights) for o, w in zip(row, wrow)]
                  ).backward()
        out = np.array([[o.data for o in row] for row in outs])
        return out, np.array([[v.grad for v in row] for row in xs]), _grads(model)
    t = Tensor(x, requires_grad=True)
    out = model(t)
    (out * Tensor(weights.astype(x.dtype))).sum().backward()
    return out.data, t.grad, _grads(model)


def _grads(model) -> dict[str, np.ndarray]:
    if not model.parameters():
        return {}
    return torch_arrays(model, read=lambda p: p.grad)


def run_torch(module, x: np.ndarray, weights: np.ndarray):
    t = torch.tensor(x, requires_grad=True)
    out = module(t)
    (out * torch.tensor(weights, dtype=out.dtype)).sum().backward()
    grads = {name: p.grad.numpy() for name, p in module.named_parameters()}
    return out.detach().numpy(), t.grad.numpy(), grads


def agree(model, module, x: np.ndarray, dtype) -> None:
    """Same outputs, input gradients and parameter gradients (fresh ones) on x."""
    with torch.no_grad():
        width = module(torch.tensor(x)).shape[1]
    weights = np.random.default_rng(7).normal(size=(len(x), width))
    module.zero_grad()
    model.zero_grad()
    want_out, want_dx, want_grads = run_torch(module, x, weights)
    out, dx, grads = run_chainrule(model, x, weights)
    close(out, want_out, dtype)
    close(dx, want_dx, dtype)
    assert set(grads) == set(want_grads)
    for name in grads:
        close(grads[name], want_grads[name], dtype)


def inputs(width: int, dtype, n: int = 6) -> np.ndarray:
    return np.random.default_rng(3).normal(size=(n, width)).astype(dtype)


def kinds(module) -> list[str]:
    return [type(m).__name__ for m in module.modules()]


# ---------------------------------------------------------------- chainrule -> PyTorch -> chainrule
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", TENSOR_CASES)
def test_tensor_layer_to_torch_and_back(name, dtype) -> None:
    make, make_torch, width = TENSOR_CASES[name]
    model = make(dtype)
    module = nn.to_torch(model)
    assert kinds(module) == kinds(make_torch(TORCH_DTYPE[dtype]))
    assert all(p.dtype == TORCH_DTYPE[dtype] for p in module.parameters())
    module.eval(), model.eval()
    agree(model, module, inputs(width, dtype), dtype)
    # Train the PyTorch copy a little, bring the weights back: both compute the same again.
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.1 * torch.randn_like(p))
    nn.load_torch_state_dict(model, module.state_dict())
    for name_, tensor in module.state_dict().items():
        assert np.array_equal(nn.torch_state_dict(model)[name_].numpy(), tensor.numpy())
    agree(model, module, inputs(width, dtype, n=9), dtype)


@pytest.mark.parametrize("name", SCALAR_CASES)
def test_scalar_model_to_torch_and_back(name) -> None:
    make, make_torch = SCALAR_CASES[name]
    model = make()
    module = nn.to_torch(model)
    assert kinds(module) == kinds(make_torch())
    assert all(p.dtype == torch.float64 for p in module.parameters())
    agree(model, module, inputs(3, np.float64), np.float64)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.1 * torch.randn_like(p))
    nn.load_torch_state_dict(model, module.state_dict())
    agree(model, module, inputs(3, np.float64, n=4), np.float64)


# ---------------------------------------------------------------- PyTorch -> chainrule
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", TENSOR_CASES)
def test_torch_model_into_chainrule(name, dtype) -> None:
    make, make_torch, width = TENSOR_CASES[name]
    torch.manual_seed(0)
    module = make_torch(TORCH_DTYPE[dtype]).eval()  # PyTorch's own initialisation
    model = make(dtype).eval()
    assert nn.load_torch_state_dict(model, module.state_dict()) is model
    agree(model, module, inputs(width, dtype), dtype)


@pytest.mark.parametrize("name", SCALAR_CASES)
def test_torch_model_into_the_scalar_engine(name) -> None:
    make, make_torch = SCALAR_CASES[name]
    torch.manual_seed(0)
    module = make_torch().double()
    model = make()
    nn.load_torch_state_dict(model, module.state_dict())
    agree(model, module, inputs(3, np.float64), np.float64)


def test_state_dicts_use_pytorch_names_and_layouts() -> None:
    model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.ReLU(), nn.Linear(8, 3, seed=1))
    state = nn.torch_state_dict(model)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert state["0.weight"].shape == (8, 2) and state["2.weight"].shape == (3, 8)
    assert np.array_equal(state["0.weight"].numpy(), model.layers[0].weight.data.T)
    # the weights are copies: changing the torch side leaves chainrule's alone
    state["0.bias"] += 1.0
    assert not model.layers[0].bias.data.any()
    reference = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    reference.double().load_state_dict(nn.torch_state_dict(model))
    other = nn.Sequential(nn.Linear(2, 8, seed=5), nn.ReLU(), nn.Linear(8, 3, seed=6))
    nn.load_torch_state_dict(other, reference.state_dict())
    for key, array in model.state_dict().items():
        assert np.array_equal(other.state_dict()[key], array)  # bit for bit


def test_the_training_flag_is_carried_over() -> None:
    model = nn.Sequential(nn.Linear(2, 2, seed=0), nn.Dropout(0.5))
    model.layers[1].eval()
    module = nn.to_torch(model)
    assert module.training and not module[1].training
    assert not nn.to_torch(model.eval()).training


# ---------------------------------------------------------------- loading: checked, all or nothing
def _model():
    return nn.Sequential(nn.Linear(2, 3, seed=0), nn.Tanh(), nn.Linear(3, 2, seed=1))


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("2.bias"), "missing: 2.bias"),
    (lambda s: s.update({"3.weight": torch.zeros(2, 3, dtype=torch.float64)}),
     "unexpected: 3.weight"),
    (lambda s: s.update({"0.weight": s["0.weight"].T.contiguous()}),
     "0.weight: expected shape (3, 2), got (2, 3) (PyTorch's Linear weight is (out_features"),
    (lambda s: s.update({"2.weight": s["2.weight"].float()}),
     "2.weight: expected dtype float64, got float32 (convert the PyTorch model first"),
    (lambda s: s.update({"0.bias": torch.zeros(3, dtype=torch.int64)}),
     "0.bias: expected a floating-point tensor, got dtype int64"),
])
def test_a_bad_state_dict_loads_nothing(change, message) -> None:
    model = _model()
    before = model.state_dict()
    state = nn.torch_state_dict(_model())
    for p in state.values():
        p += 1.0  # so that a partial load would show
    change(state)
    with pytest.raises(ValueError, match="nothing was loaded") as error:
        nn.load_torch_state_dict(model, state)
    assert message in str(error.value)
    for key, array in model.state_dict().items():
        assert np.array_equal(array, before[key])


def test_every_problem_is_listed_at_once_and_numpy_arrays_load() -> None:
    model = _model()
    state = {k: v.numpy().astype(np.float32) for k, v in nn.torch_state_dict(model).items()}
    del state["0.bias"]
    with pytest.raises(ValueError) as error:
        nn.load_torch_state_dict(model, state)
    text = str(error.value)
    assert "missing: 0.bias" in text and text.count("expected dtype float64") == 3
    arrays = {k: v.numpy() * 2 for k, v in nn.torch_state_dict(model).items()}
    nn.load_torch_state_dict(model, arrays)
    assert np.array_equal(model.layers[2].weight.data, arrays["2.weight"].T)
    arrays["2.weight"][0, 0] = 99.0  # loaded as a copy
    assert model.layers[2].weight.data[0, 0] != 99.0
    with pytest.raises(TypeError, match="expected a mapping"):
        nn.load_torch_state_dict(model, [("0.weight", arrays["0.weight"])])


def test_an_interrupted_load_finishes_before_the_interrupt_lands() -> None:
    class Flaky:
        count = 0

        def __init__(self, data):
            self._data = data

        @property
        def data(self):
            return self._data

        @data.setter
        def data(self, value):
            Flaky.count += 1
            if Flaky.count == 3:
                raise KeyboardInterrupt
            self._data = value

    params = [Flaky(i) for i in range(4)]
    with pytest.raises(KeyboardInterrupt):
        replace_data([(p, 10 + i) for i, p in enumerate(params)], "load_torch_state_dict")
    # All or nothing, as load_state_dict: the commit is run to its end, then Ctrl-C lands.
    assert [p.data for p in params] == [10, 11, 12, 13]
    assert len({p._stamp.epoch for p in params}) == 1 and params[0]._stamp.epoch > 0


def test_a_layer_without_counterpart_is_named() -> None:
    class Twice(nn.Module):
        def forward(self, x):
            return x * 2

    with pytest.raises(TypeError, match=r"model\.layers\.1 is a Twice, which has no PyTorch"):
        nn.to_torch(nn.Sequential(nn.ReLU(), Twice()))
    with pytest.raises(TypeError, match="is a Linear2"):  # a subclass may compute otherwise
        nn.to_torch(type("Linear2", (nn.Linear,), {})(2, 2))
