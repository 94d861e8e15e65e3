"""LayerNorm, BatchNorm1d (train and eval mode, running statistics) and Embedding against
PyTorch (values and gradients, float64 and float32) and finite differences; train()/eval();
their refusals."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, gradcheck, gradgradcheck, no_grad

TOL = {np.float64: 1e-12, np.float32: 2e-5}
TORCH_DTYPE = {np.float64: "float64", np.float32: "float32"}


def _close(got, want, dtype) -> None:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    tol = TOL[dtype]
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(np.abs(want).max(), 1.0))


def _step(model, module, x, dtype, torch):
    """One forward and backward of sum(out * u) in both; compares out and input grads."""
    u = np.random.default_rng(x.size).normal(size=x.shape).astype(dtype)
    xt, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = model(xt), module(tx)
    (out * u).sum().backward()
    (tout * torch.tensor(u)).sum().backward()
    _close(out.data, tout.detach().numpy(), dtype)
    _close(xt.grad, tx.grad.numpy(), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(8, 3), (5, 3, 4)])
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batch_norm_matches_pytorch_in_train_and_eval_mode(shape, momentum, dtype) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    model = nn.BatchNorm1d(3, momentum=momentum, dtype=dtype)
    module = torch.nn.BatchNorm1d(3, momentum=momentum, dtype=getattr(torch, TORCH_DTYPE[dtype]))
    with torch.no_grad():
        module.weight.copy_(torch.tensor(rng.normal(size=3)))
        module.bias.copy_(torch.tensor(rng.normal(size=3)))
    model.weight.data = module.weight.detach().numpy().copy()
    model.bias.data = module.bias.detach().numpy().copy()
    for _ in range(3):  # training: batch statistics, running ones move
        model.zero_grad(), module.zero_grad()
        _step(model, module, (rng.normal(size=shape) * 2 + 1).astype(dtype), dtype, torch)
        _close(model.weight.grad, module.weight.grad.numpy(), dtype)
        _close(model.bias.grad, module.bias.grad.numpy(), dtype)
        _close(model.running_mean.data, module.running_mean.numpy(), dtype)
        _close(model.running_var.data, module.running_var.numpy(), dtype)
        assert model.running_var.data.dtype == dtype
    model.eval(), module.eval()  # evaluation: the running statistics, unchanged
    before = model.running_mean.data.copy()
    _step(model, module, rng.normal(size=shape).astype(dtype), dtype, torch)
    np.testing.assert_array_equal(model.running_mean.data, before)


def test_batch_norm_without_running_statistics_or_affine() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).normal(size=(6, 4))
    model = nn.BatchNorm1d(4, affine=False, track_running_stats=False).eval()
    module = torch.nn.BatchNorm1d(4, affine=False, track_running_stats=False,
                                  dtype=torch.float64).eval()
    _step(model, module, x, np.float64, torch)
    assert model.parameters() == [] and model.state_dict() == {}


def test_batch_norm_updates_statistics_even_without_a_graph() -> None:
    model = nn.BatchNorm1d(2)
    with no_grad():
        model(np.array([[0.0, 2.0], [2.0, 6.0]]))
    np.testing.assert_allclose(model.running_mean.data, [0.1, 0.4])
    np.testing.assert_allclose(model.running_var.data, [0.9 + 0.1 * 2.0, 0.9 + 0.1 * 8.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, normalized", [((4, 6), 6), ((2, 3, 5), (3, 5)),
                                               ((3, 2, 4), 4)])
def test_layer_norm_matches_pytorch(shape, normalized, dtype) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    model = nn.LayerNorm(normalized, dtype=dtype)
    module = torch.nn.LayerNorm(normalized, dtype=getattr(torch, TORCH_DTYPE[dtype]))
    with torch.no_grad():
        module.weight.copy_(torch.tensor(rng.normal(size=module.weight.shape)))
        module.bias.copy_(torch.tensor(rng.normal(size=module.bias.shape)))
    model.weight.data = module.weight.detach().numpy().copy()
    model.bias.data = module.bias.detach().numpy().copy()
    _step(model, module, (rng.normal(size=shape) * 3).astype(dtype), dtype, torch)
    _close(model.weight.grad, module.weight.grad.numpy(), dtype)
    _close(model.bias.grad, module.bias.grad.numpy(), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("padding_idx", [None, 1, -1])
def test_embedding_matches_pytorch(padding_idx, dtype) -> None:
    torch = pytest.importorskip("torch")
    model = nn.Embedding(5, 3, padding_idx=padding_idx, seed=0, dtype=dtype)
    module = torch.nn.Embedding(5, 3, padding_idx=padding_idx,
                                dtype=getattr(torch, TORCH_DTYPE[dtype]))
    with torch.no_grad():
        module.weight.copy_(torch.tensor(model.weight.data))
    index = np.array([[0, 1, 4, 1], [4, 4, 2, 1]])
    out, tout = model(index), module(torch.tensor(index))
    u = np.random.default_rng(3).normal(size=out.shape).astype(dtype)
    (out * u).sum().backward()
    (tout * torch.tensor(u)).sum().backward()
    _close(out.data, tout.detach().numpy(), dtype)
    _close(model.weight.grad, module.weight.grad.numpy(), dtype)
    if padding_idx is not None:
        assert not model.weight.data[padding_idx].any()


@pytest.mark.parametrize("order", [1, 2])
def test_normalisation_against_finite_differences(order) -> None:
    rng = np.random.default_rng(4)
    x = Tensor(rng.normal(size=(5, 3, 2)), requires_grad=True)
    ln, bn = nn.LayerNorm((3, 2)), nn.BatchNorm1d(3)
    ln.weight.data, bn.bias.data = rng.normal(size=(3, 2)), rng.normal(size=3)
    check = gradcheck if order == 1 else gradgradcheck
    # The running statistics would move on every call: without them, every evaluation
    # computes the same function of the batch.
    bn_fixed = nn.BatchNorm1d(3, track_running_stats=False)
    bn_fixed.weight.data = rng.normal(size=3)
    u = rng.normal(size=(3, 2))
    for fn in (lambda x: (ln(x) ** 2 * u).sum(),
               lambda x: (bn_fixed(x).tanh() * np.arange(6.0).reshape(3, 2)).sum()):
        assert check(fn, [x]).ok
    assert check(lambda w, b: (ln(x.detach()) * w + b).tanh().sum(),
                 [ln.weight, ln.bias]).ok
    embedding = nn.Embedding(4, 3, padding_idx=2, seed=0)
    index = np.array([[0, 2, 3], [3, 3, 1]])
    assert check(lambda w: (embedding(index) ** 3).sum(), [embedding.weight]).ok


def test_train_and_eval_switch_every_layer_that_differs() -> None:
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.BatchNorm1d(3), nn.Dropout(0.5, seed=0))
    assert model.eval() is model and not model.layers[1].training
    x = np.random.default_rng(5).normal(size=(4, 2))
    with no_grad():
        a, b = model(x).data, model(x).data
    np.testing.assert_array_equal(a, b)  # eval: deterministic, running statistics fixed
    model.train()
    assert model.layers[1].training and model.layers[2].training


@pytest.mark.parametrize("call, error, words", [
    (lambda: nn.BatchNorm1d(3)(np.ones((4, 2))), ValueError, r"\(N, 3\) or \(N, 3, L\)"),
    (lambda: nn.BatchNorm1d(3)(np.ones((1, 3))), ValueError, "more than 1 value per channel"),
    (lambda: nn.BatchNorm1d(3, momentum=2.0), ValueError, "momentum"),
    (lambda: nn.LayerNorm(4)(np.ones((2, 3))), ValueError, r"\(\.\.\., 4\)"),
    (lambda: nn.LayerNorm(0), ValueError, "normalized_shape"),
    (lambda: nn.Embedding(3, 2)(np.array([0, 3])), IndexError, "index 3 at position"),
    (lambda: nn.Embedding(3, 2)(np.array([0.5])), TypeError, "integers"),
    (lambda: nn.Embedding(3, 2, padding_idx=3), ValueError, "padding_idx"),
])
def test_bad_input_is_refused(call, error, words) -> None:
    with pytest.raises(error, match=words):
        call()


def test_a_refused_batch_leaves_the_running_statistics_alone() -> None:
    model = nn.BatchNorm1d(3)
    with pytest.raises(ValueError):
        model(np.ones((1, 3)))
    np.testing.assert_array_equal(model.running_mean.data, np.zeros(3))
    assert model.num_batches_tracked.data == 0
