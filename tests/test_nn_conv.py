"""Conv2d, MaxPool2d, AvgPool2d and Flatten: against PyTorch (values and gradients of input,
weight and bias, float64 and float32) for strides, padding and dilation of 1-2 and several
channel counts, against finite differences, and their input checks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import nn
from autograd import Tensor, gradcheck, gradgradcheck, topological_order
from nn.conv import conv2d
from nn.pool import avg_pool2d, max_pool2d

TOL = {np.float64: 1e-12, np.float32: 2e-5}
# (in_channels, out_channels, kernel, stride, padding, dilation): every combination of
# stride, padding and dilation in {1, 2} (padding also 0), rectangular kernels too.
CONV = [(c, o, k, s, p, d) for (c, o), k, s, p, d in itertools.product(
    [(1, 4), (3, 2)], [3, (2, 3)], [1, 2, (1, 2)], [0, 1, 2], [1, 2])]
POOL = [(k, s, p, d) for k, s, p, d in itertools.product(
    [2, 3, (2, 3)], [None, 1, 2], [0, 1], [1, 2])]


def close(got, want, dtype) -> None:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    tol = TOL[dtype]
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(np.abs(want).max(), 1.0))


def _against_torch(ours, theirs, x, params, dtype) -> None:
    """Forward values, and gradients of x and of every param for a random upstream grad."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    xt = Tensor(x, requires_grad=True, dtype=dtype)
    out = ours(xt)
    upstream = rng.normal(size=out.shape).astype(dtype)
    (out * upstream).sum().backward()
    tx = torch.tensor(x.astype(dtype), requires_grad=True)
    tparams = [torch.tensor(p.data, requires_grad=True) for p in params]
    tout = theirs(torch, tx, *tparams)
    (tout * torch.tensor(upstream)).sum().backward()
    assert out.shape == tuple(tout.shape) and out.dtype == dtype
    close(out.data, tout.detach().numpy(), dtype)
    close(xt.grad, tx.grad.numpy(), dtype)
    for p, tp in zip(params, tparams):
        close(p.grad, tp.grad.numpy(), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CONV, ids=str)
def test_conv2d_matches_pytorch(case, dtype) -> None:
    c, o, k, s, p, d = case
    layer = nn.Conv2d(c, o, k, stride=s, padding=p, dilation=d, seed=1, dtype=dtype)
    layer.bias.data = np.random.default_rng(2).normal(size=o).astype(dtype)
    x = np.random.default_rng(3).normal(size=(2, c, 7, 8))
    _against_torch(layer, lambda torch, x, w, b: torch.nn.functional.conv2d(
        x, w, b, stride=s, padding=p, dilation=d), x, [layer.weight, layer.bias], dtype)


def test_conv2d_without_bias_matches_pytorch() -> None:
    layer = nn.Conv2d(2, 3, 2, bias=False, seed=0)
    x = np.random.default_rng(0).normal(size=(3, 2, 4, 5))
    _against_torch(layer, lambda torch, x, w: torch.nn.functional.conv2d(x, w), x,
                   [layer.weight], np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", POOL, ids=str)
def test_max_pool2d_matches_pytorch(case, dtype) -> None:
    k, s, p, d = case
    x = np.random.default_rng(4).normal(size=(2, 3, 7, 8))  # no ties: PyTorch picks one
    _against_torch(nn.MaxPool2d(k, s, p, d), lambda torch, x: torch.nn.functional.max_pool2d(
        x, k, s, p, d), x, [], dtype)


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", [c for c in POOL if c[3] == 1], ids=str)
def test_avg_pool2d_matches_pytorch(case, dtype, count_include_pad) -> None:
    k, s, p, _ = case
    x = np.random.default_rng(6).normal(size=(2, 3, 7, 8))
    _against_torch(nn.AvgPool2d(k, s, p, count_include_pad),
                   lambda torch, x: torch.nn.functional.avg_pool2d(
                       x, k, s, p, count_include_pad=count_include_pad), x, [], dtype)


def test_max_pool_ties_share_the_gradient() -> None:
    x = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((1, 1, 2, 2), 0.25))


def test_max_pool_never_picks_padding() -> None:
    x = Tensor(-np.arange(1.0, 10.0).reshape(1, 1, 3, 3))  # all negative: 0-padding would win
    out = max_pool2d(x, 2, stride=2, padding=1)
    np.testing.assert_array_equal(out.data, [[[[-1.0, -2.0], [-4.0, -5.0]]]])


@pytest.mark.parametrize("order", [1, 2])
def test_conv_and_pooling_against_finite_differences(order) -> None:
    rng = np.random.default_rng(7)
    x = Tensor(rng.normal(size=(2, 2, 5, 6)), requires_grad=True)
    w = Tensor(rng.normal(size=(3, 2, 2, 3)), requires_grad=True)
    b = Tensor(rng.normal(size=3), requires_grad=True)

    def net(x, w, b):
        h = conv2d(x, w, b, stride=(1, 2), padding=1, dilation=(2, 1)).tanh()
        return max_pool2d(h, 2, stride=1, padding=1) + avg_pool2d(h, 2, padding=1,
                                                                  stride=1, count_include_pad=False)
    check = gradcheck if order == 1 else gradgradcheck
    assert check(lambda x, w, b: (net(x, w, b) ** 2).sum(), [x, w, b]).ok


def test_a_convolution_is_composed_of_primitives() -> None:
    x = Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
    out = nn.Conv2d(1, 2, 3, seed=0)(x)
    ops = [node.op for node in topological_order(out) if node.op]
    assert set(ops) == {"im2col", "reshape", "matmul", "add", "transpose"}


def test_flatten_matches_pytorch_shapes() -> None:
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0)(x).shape == (24,)
    assert nn.Flatten(1, 1)(x).shape == (2, 3, 4)
    assert nn.Flatten(-2, -1)(x).shape == (2, 12)
    nn.Flatten()(x).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="start_dim=2, end_dim=1"):
        nn.Flatten(2, 1)(x)


@pytest.mark.parametrize("call, words", [
    (lambda: nn.Conv2d(2, 3, 3)(np.ones((1, 1, 5, 5))), "expected 2 input channels"),
    (lambda: nn.Conv2d(1, 3, 3)(np.ones((1, 5, 5))), r"\(N, C, H, W\), got shape \(1, 5, 5\)"),
    (lambda: nn.Conv2d(1, 3, 3)(np.ones((1, 1, 2, 2))), "too small"),
    (lambda: nn.Conv2d(1, 3, 3, stride=0), "stride must be an int >= 1"),
    (lambda: nn.Conv2d(1, 3, (3, 3, 3)), "kernel_size"),
    (lambda: nn.Conv2d(0, 3, 3), "in_channels must be a positive int"),
    (lambda: nn.Conv2d(1, 3, 3, padding=-1), "padding must be an int >= 0"),
    (lambda: nn.MaxPool2d(2, padding=2), "at most half the kernel"),
    (lambda: nn.AvgPool2d(3)(np.ones((1, 1, 2, 2))), "too small"),
    (lambda: conv2d(np.ones((1, 1, 3, 3)), Tensor(np.ones((2, 1, 2, 2))), Tensor(np.ones(3))),
     r"bias must have shape \(2,\)"),
])
def test_bad_input_is_refused_clearly(call, words) -> None:
    with pytest.raises(ValueError, match=words):
        call()


def test_reprs() -> None:
    assert repr(nn.Conv2d(1, 4, 3, padding=1)) == \
        "Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert "kernel_size=(2, 2), stride=(2, 2)" in repr(nn.MaxPool2d(2))
