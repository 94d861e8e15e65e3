"""nn.layers: Linear, activations, Softmax, Dropout, Sequential (tensor engine)."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor, gradcheck
from nn.layers import Dropout, Linear, ReLU, Sequential, Sigmoid, Softmax, Tanh
from nn.module import load, save

RNG = np.random.default_rng(42)


def test_linear_forward_is_x_at_w_plus_b():
    layer = Linear(3, 2, seed=0)
    layer.bias.data = np.array([0.5, -1.0])
    x = RNG.normal(size=(4, 3))
    out = layer(Tensor(x))
    assert layer.weight.shape == (3, 2) and layer.bias.shape == (2,)
    np.testing.assert_allclose(out.data, x @ layer.weight.data + np.array([0.5, -1.0]))
    assert layer(x).shape == (4, 2)  # a plain array is accepted too
    assert Linear(3, 2, bias=False, seed=0)(Tensor(x)).op == "matmul"
    assert out.op == "linear"  # with a bias: one node, as PyTorch's addmm


def test_linear_gradients_match_the_closed_form():
    layer = Linear(3, 2, seed=1)
    x = Tensor(RNG.normal(size=(5, 3)), requires_grad=True)
    g = RNG.normal(size=(5, 2))  # loss = sum(g * y) so dL/dy = g
    (layer(x) * g).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, x.data.T @ g)
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=0))
    np.testing.assert_allclose(x.grad, g @ layer.weight.data.T)


def test_linear_gradients_match_finite_differences():
    layer = Linear(4, 3, seed=2)
    x = Tensor(RNG.normal(size=(2, 4)), requires_grad=True)
    result = gradcheck(lambda x, w, b: Tanh()(layer(x)), [x, layer.weight, layer.bias])
    assert result, str(result)


def test_linear_init_statistics_and_seed():
    he = Linear(400, 300, seed=0).weight.data
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert abs(he.mean()) < 0.002
    xavier = Linear(400, 300, seed=0, init="xavier").weight.data
    assert np.abs(xavier).max() <= np.sqrt(6 / 700)
    assert xavier.std() == pytest.approx(np.sqrt(6 / 700) / np.sqrt(3), rel=0.02)
    uniform = Linear(400, 300, seed=0, init="uniform").weight.data
    assert np.abs(uniform).max() <= 1 / 20
    np.testing.assert_array_equal(Linear(4, 3, seed=7).weight.data,
                                  Linear(4, 3, seed=7).weight.data)
    assert not np.array_equal(Linear(4, 3, seed=7).weight.data, Linear(4, 3, seed=8).weight.data)
    assert Linear(4, 3, seed=0, dtype=np.float32)(np.ones((1, 4), np.float32)).dtype == np.float32


def test_linear_rejects_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="init must be one of"):
        Linear(2, 3, init="orthogonal")
    with pytest.raises(ValueError, match="out_features must be a positive int, got 0"):
        Linear(2, 0)
    with pytest.raises(ValueError, match=r"Linear\(3, 2\): expected input of shape \(\.\.\., 3\), "
                                         r"got \(4, 5\)"):
        Linear(3, 2, seed=0)(Tensor(np.ones((4, 5))))


@pytest.mark.parametrize("module, reference", [
    (ReLU(), lambda x: np.maximum(x, 0)),
    (Tanh(), np.tanh),
    (Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (Softmax(), lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)),
    (Softmax(axis=0), lambda x: np.exp(x) / np.exp(x).sum(axis=0, keepdims=True)),
])
def test_activations_match_numpy(module, reference):
    x = RNG.normal(size=(3, 4))
    np.testing.assert_allclose(module(Tensor(x)).data, reference(x), rtol=1e-12)


def test_dropout_keeps_the_expected_value_in_training():
    p = 0.3
    drop = Dropout(p, seed=0)
    x = Tensor(np.ones((200, 500)), requires_grad=True)
    out = drop(x)
    # each entry is 0 or 1 / (1 - p); the mean of 1e5 of them has std sqrt(p / (1 - p) / 1e5)
    assert set(np.unique(out.data)) == {0.0, 1 / (1 - p)}
    assert out.data.mean() == pytest.approx(1.0, abs=5 * np.sqrt(p / (1 - p) / 1e5))
    assert (out.data == 0).mean() == pytest.approx(p, abs=0.01)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)  # the gradient is the same scaled mask


def test_dropout_is_identity_in_eval_and_for_p_zero():
    x = Tensor(RNG.normal(size=(3, 4)))
    net = Sequential(Dropout(0.9, seed=0))
    assert net.eval()(x) is x
    assert Dropout(0.0)(x) is x
    assert not np.array_equal(net.train()(x).data, x.data)


@pytest.mark.parametrize("p, error", [(1.0, ValueError), (-0.1, ValueError),
                                      (float("nan"), ValueError), ("0.5", TypeError),
                                      (True, TypeError)])
def test_dropout_validates_p(p, error):
    with pytest.raises(error, match="Dropout: p must be"):
        Dropout(p)


def test_sequential_chains_indexes_and_names_parameters(tmp_path):
    net = Sequential(Linear(2, 4, seed=0), ReLU(), Linear(4, 1, seed=1))
    x = RNG.normal(size=(5, 2))
    expected = np.maximum(x @ net[0].weight.data + net[0].bias.data, 0)
    expected = expected @ net[2].weight.data + net[2].bias.data
    np.testing.assert_allclose(net(Tensor(x)).data, expected)
    assert len(net) == 3 and list(net)[1] is net[1] and len(net[:2]) == 2
    assert [n for n, _ in net.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert net.num_parameters() == 2 * 4 + 4 + 4 + 1
    assert repr(net).splitlines()[1] == \
        "  (layers.0): Linear(in_features=2, out_features=4, bias=True)"
    other = Sequential(Linear(2, 4, seed=5), ReLU(), Linear(4, 1, seed=6))
    load(other, save(net, tmp_path / "seq.npz"))
    np.testing.assert_array_equal(other(Tensor(x)).data, net(Tensor(x)).data)
    with pytest.raises(TypeError, match="argument 1 is int"):
        Sequential(ReLU(), 3)


def test_layers_agree_with_torch():
    torch = pytest.importorskip("torch")
    layer = Linear(3, 2, seed=3)
    reference = torch.nn.Linear(3, 2).double()
    with torch.no_grad():  # torch stores (out, in): our weight transposed
        reference.weight.copy_(torch.from_numpy(layer.weight.data.T))
        reference.bias.copy_(torch.from_numpy(layer.bias.data))
    x = RNG.normal(size=(4, 3))
    ours = Sequential(layer, Tanh())(Tensor(x)).sum()
    theirs = torch.tanh(reference(torch.from_numpy(x))).sum()
    ours.backward()
    theirs.backward()
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)
    np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy().T, rtol=1e-10)
    np.testing.assert_allclose(layer.bias.grad, reference.bias.grad.numpy(), rtol=1e-10)
