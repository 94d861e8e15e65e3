"""PyTorch's dim= and keepdim= beside numpy's axis= and keepdims=: the same results and
gradients wherever a reduction, join, shape function or softmax takes an axis."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor, Value
from nn import functional as F  # noqa: N812 - the conventional name

# name, call with numpy's names, call with PyTorch's names
CASES = [
    ("sum", lambda x: x.sum(axis=1, keepdims=True), lambda x: x.sum(dim=1, keepdim=True)),
    ("mean", lambda x: x.mean(axis=0), lambda x: x.mean(dim=0)),
    ("max", lambda x: x.max(axis=1, keepdims=True), lambda x: x.max(dim=1, keepdim=True)),
    ("min", lambda x: x.min(axis=-1), lambda x: x.min(dim=-1)),
    ("logsumexp", lambda x: x.logsumexp(axis=1), lambda x: x.logsumexp(dim=1)),
    ("var", lambda x: autograd.var(x, axis=0, keepdims=True),
     lambda x: autograd.var(x, dim=0, keepdim=True)),
    ("std", lambda x: x.std(axis=1), lambda x: x.std(dim=1)),
    ("prod", lambda x: x.prod(axis=0), lambda x: x.prod(dim=0)),
    ("cumsum", lambda x: x.cumsum(axis=1), lambda x: x.cumsum(dim=1)),
    ("flip", lambda x: x.flip(axis=1), lambda x: x.flip(dim=1)),
    ("unsqueeze", lambda x: x.unsqueeze(axis=0), lambda x: x.unsqueeze(dim=0)),
    ("split", lambda x: x.split(1, axis=0)[1], lambda x: x.split(1, dim=0)[1]),
    ("chunk", lambda x: x.chunk(3, axis=1)[2], lambda x: x.chunk(3, dim=1)[2]),
    ("concatenate", lambda x: autograd.concatenate([x, x * 2], axis=1),
     lambda x: autograd.concatenate([x, x * 2], dim=1)),
    ("stack", lambda x: autograd.stack([x, x], axis=-1),
     lambda x: autograd.stack([x, x], dim=-1)),
    ("softmax", lambda x: F.softmax(x, axis=0), lambda x: F.softmax(x, dim=0)),
    ("log_softmax", lambda x: F.log_softmax(x, axis=1), lambda x: F.log_softmax(x, dim=1)),
]


@pytest.mark.parametrize("name, numpy_style, torch_style", CASES, ids=[c[0] for c in CASES])
def test_torch_names_give_the_same_values_and_gradients(name, numpy_style, torch_style):
    data = np.random.default_rng(0).standard_normal((2, 3))
    a, b = Tensor(data, requires_grad=True), Tensor(data, requires_grad=True)
    out_a, out_b = numpy_style(a), torch_style(b)
    np.testing.assert_array_equal(out_a.data, out_b.data)
    out_a.sum().backward(), out_b.sum().backward()
    np.testing.assert_array_equal(a.grad, b.grad)


def test_argmax_and_squeeze_take_dim():
    x = Tensor(np.array([[1.0, 5.0, 2.0]]))
    assert x.argmax(dim=1).data.tolist() == [1] and x.squeeze(dim=0).shape == (3,)
    assert autograd.argmin([Value(3.0), Value(1.0)], dim=None) == 1


def test_both_names_at_once_are_refused():
    x = Tensor(np.ones((2, 2)))
    with pytest.raises(TypeError, match="sum: got both dim= and axis="):
        x.sum(dim=0, axis=1)
    with pytest.raises(TypeError, match="got both keepdim= and keepdims="):
        x.mean(keepdim=True, keepdims=False)


def test_the_softmax_layer_takes_dim():
    import nn

    x = Tensor(np.random.default_rng(1).standard_normal((2, 3)))
    np.testing.assert_array_equal(nn.Softmax(dim=0)(x).data, nn.Softmax(axis=0)(x).data)
    assert nn.Softmax(dim=0).axis == 0
