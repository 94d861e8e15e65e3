"""The image, normalisation and lookup layers handed to PyTorch and back, and to ONNX:
a digits CNN (Conv2d, MaxPool2d, AvgPool2d, Flatten), BatchNorm1d's running statistics in
training, Embedding; state dicts with buffers (`nn.save`/`nn.load` too)."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, no_grad

# The layers whose round trip is tested here rather than in test_interop_torch's table,
# which feeds every layer rows (N, width).
IMAGE_AND_INDEX_LAYERS = {nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.Embedding}
TOL = {np.float64: 1e-12, np.float32: 1e-5}


def _cnn(dtype):
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, seed=0, dtype=dtype), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(4, 6, 2, stride=1, dilation=(1, 2), seed=1,
                                                    dtype=dtype),
                         nn.AvgPool2d(2, padding=1, count_include_pad=False), nn.Flatten(),
                         nn.Linear(6 * 2 * 2, 3, seed=2, dtype=dtype))


def _close(got, want, dtype) -> None:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    tol = TOL[dtype]
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(np.abs(want).max(), 1.0))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_cnn_to_torch_and_back(dtype) -> None:
    torch = pytest.importorskip("torch")
    model = _cnn(dtype)
    module = nn.to_torch(model)
    assert [type(m).__name__ for m in module] == ["Conv2d", "ReLU", "MaxPool2d", "Conv2d",
                                                  "AvgPool2d", "Flatten", "Linear"]
    x = np.random.default_rng(0).normal(size=(5, 1, 8, 8)).astype(dtype)
    xt, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = model(xt), module(tx)
    _close(out.data, tout.detach().numpy(), dtype)
    out.sum().backward()
    tout.sum().backward()
    _close(xt.grad, tx.grad.numpy(), dtype)
    _close(model.layers[3].weight.grad, module[3].weight.grad.numpy(), dtype)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.1 * torch.randn_like(p))
    nn.load_torch_state_dict(model, module.state_dict())
    with no_grad():
        _close(model(Tensor(x)).data, module(torch.tensor(x)).detach().numpy(), dtype)


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_running_statistics_follow_pytorch(momentum) -> None:
    """Trained a few steps in chainrule, handed over: PyTorch continues the same running
    statistics in training, and both evaluate alike."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    model = nn.BatchNorm1d(3, momentum=momentum)
    model.weight.data = rng.normal(size=3)
    for _ in range(3):
        model(rng.normal(size=(8, 3, 4)) * 3 + 1)
    module = nn.to_torch(model)
    assert module.training and int(module.num_batches_tracked) == 3
    x = rng.normal(size=(6, 3, 4))
    out, tout = model(Tensor(x)), module(torch.tensor(x))
    _close(out.data, tout.detach().numpy(), np.float64)
    for name in ("running_mean", "running_var"):
        _close(getattr(model, name).data, getattr(module, name).numpy(), np.float64)
    model.eval(), module.eval()
    _close(model(Tensor(x)).data, module(torch.tensor(x)).detach().numpy(), np.float64)
    module.running_mean.add_(1.0)
    nn.load_torch_state_dict(model, module.state_dict())
    _close(model.running_mean.data, module.running_mean.numpy(), np.float64)
    assert model.num_batches_tracked.data == 4


def test_embedding_to_torch_and_back() -> None:
    torch = pytest.importorskip("torch")
    model = nn.Embedding(6, 3, padding_idx=2, seed=0)
    module = nn.to_torch(model)
    index = np.array([[0, 2, 5], [2, 2, 1]])
    out, tout = model(index), module(torch.tensor(index))
    _close(out.data, tout.detach().numpy(), np.float64)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    _close(model.weight.grad, module.weight.grad.numpy(), np.float64)
    assert not model.weight.grad[2].any()


def test_buffers_are_saved_and_loaded(tmp_path) -> None:
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.BatchNorm1d(3))
    model(np.random.default_rng(2).normal(size=(5, 2)))
    state = model.state_dict()
    assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.1.weight",
                           "layers.1.bias", "layers.1.running_mean", "layers.1.running_var",
                           "layers.1.num_batches_tracked"]
    path = nn.save(model, tmp_path / "bn.npz")
    fresh = nn.load(nn.Sequential(nn.Linear(2, 3, seed=5), nn.BatchNorm1d(3)), path)
    for name, array in fresh.state_dict().items():
        np.testing.assert_array_equal(array, state[name])
    with pytest.raises(ValueError, match="missing: layers.1.running_var"):
        fresh.load_state_dict({k: v for k, v in state.items() if "running_var" not in k})


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_new_layers_export_to_onnx(dtype) -> None:
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    dense = nn.Sequential(nn.Linear(4, 3, seed=0, dtype=dtype), nn.BatchNorm1d(3, dtype=dtype),
                          nn.LayerNorm(3, dtype=dtype))
    dense(np.random.default_rng(3).normal(size=(7, 4)).astype(dtype))  # running statistics
    for model, shape in [(_cnn(dtype), (1, 8, 8)), (dense, (4,))]:
        proto = nn.to_onnx(model, np.random.default_rng(4).normal(size=(6, *shape)).astype(dtype))
        session = ort.InferenceSession(proto.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        for n in (1, 5):
            x = np.random.default_rng(n).normal(size=(n, *shape)).astype(dtype)
            model.eval()
            with no_grad():
                want = model(Tensor(x)).data
            _close(session.run(None, {"input": x})[0], want, dtype)
