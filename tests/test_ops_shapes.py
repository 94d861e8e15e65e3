"""Shape functions (autograd.shapes) against PyTorch (values and gradients, float64 and
float32) and finite differences, their graphs (composed from which primitives), random
shapes with hypothesis, and their errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor, gradcheck, gradgradcheck, topological_order
from nn import functional as F  # noqa: N812 - the conventional name


def _ops(root: Tensor) -> set[str]:
    return {node.op for node in topological_order(root)} - {""}


def _check(ours, theirs, x: np.ndarray, torch) -> Tensor:
    """Values and gradients of sum(out * u) against PyTorch, one output or a tuple."""
    t = Tensor(x, requires_grad=True)
    outs = ours(t)
    outs = outs if isinstance(outs, tuple) else (outs,)
    xt = torch.tensor(x, requires_grad=True)
    wants = theirs(xt)
    wants = wants if isinstance(wants, tuple) else (wants,)
    assert len(outs) == len(wants)
    rng = np.random.default_rng(0)
    total, total_t = 0.0, 0.0
    for out, want in zip(outs, wants, strict=True):
        assert out.shape == tuple(want.shape) and out.dtype == x.dtype
        np.testing.assert_array_equal(out.data, want.detach().numpy())
        u = rng.standard_normal(out.shape).astype(x.dtype)
        total = total + (out * u).sum()
        total_t = total_t + (want * torch.tensor(u)).sum()
    total.backward()
    total_t.backward()
    np.testing.assert_allclose(t.grad, xt.grad.numpy(), rtol=1e-6, atol=1e-6)
    return outs[0]


CASES = {  # name -> (ours, PyTorch's, input shape, primitives the graph is made of)
    "squeeze": (lambda t: t.squeeze(), lambda t: t.squeeze(), (2, 1, 3, 1), {"reshape"}),
    "squeeze(1)": (lambda t: t.squeeze(1), lambda t: t.squeeze(1), (2, 1, 3), {"reshape"}),
    "squeeze((1, 3))": (lambda t: autograd.squeeze(t, (1, -1)), lambda t: t.squeeze((1, 3)),
                        (2, 1, 3, 1), {"reshape"}),
    "unsqueeze": (lambda t: t.unsqueeze(-1), lambda t: t.unsqueeze(-1), (2, 3), {"reshape"}),
    "unsqueeze(0)": (lambda t: t.unsqueeze(0), lambda t: t.unsqueeze(0), (2, 3), {"reshape"}),
    "flatten": (lambda t: t.flatten(), lambda t: t.flatten(), (2, 3, 4), {"reshape"}),
    "flatten(1)": (lambda t: t.flatten(1), lambda t: t.flatten(1), (2, 3, 4), {"reshape"}),
    "flatten(0, 1)": (lambda t: autograd.flatten(t, 0, 1), lambda t: t.flatten(0, 1),
                      (2, 3, 4), {"reshape"}),
    "expand": (lambda t: t.expand(2, -1, 4), lambda t: t.expand(2, -1, 4), (3, 1),
               {"broadcast_to"}),
    "broadcast_to": (lambda t: autograd.broadcast_to(t, (2, 3, 4)),
                     lambda t: t.broadcast_to((2, 3, 4)), (3, 1), {"broadcast_to"}),
    "repeat": (lambda t: t.repeat(2, 3), lambda t: t.repeat(2, 3), (2, 3),
               {"reshape", "broadcast_to"}),
    "repeat, new axes": (lambda t: t.repeat(2, 1, 3), lambda t: t.repeat(2, 1, 3), (2, 3),
                         {"reshape", "broadcast_to"}),
    "flip": (lambda t: t.flip(0), lambda t: t.flip(0), (3, 4), {"getitem"}),
    "flip all": (lambda t: t.flip(), lambda t: t.flip((0, 1, 2)), (2, 3, 4), {"getitem"}),
    "split": (lambda t: t.split(2, axis=1), lambda t: t.split(2, dim=1), (3, 5), {"getitem"}),
    "split sizes": (lambda t: t.split([1, 3, 1], axis=-1), lambda t: t.split([1, 3, 1], -1),
                    (3, 5), {"getitem"}),
    "chunk": (lambda t: t.chunk(3), lambda t: t.chunk(3), (7, 2), {"getitem"}),
    "tril": (lambda t: t.tril(), lambda t: t.tril(), (2, 3, 4), {"where"}),
    "triu(1)": (lambda t: t.triu(1), lambda t: t.triu(1), (4, 3), {"where"}),
    "tril(-1)": (lambda t: autograd.tril(t, -1), lambda t: t.tril(-1), (4, 4), {"where"}),
    "gather": (lambda t: t.gather(1, np.array([[0, 0, 2], [1, 2, 2]])),
               lambda t: t.gather(1, _long([[0, 0, 2], [1, 2, 2]])), (2, 3), {"getitem"}),
    "gather(0)": (lambda t: autograd.gather(t, 0, Tensor([[1, 0, 1]])),
                  lambda t: t.gather(0, _long([[1, 0, 1]])), (2, 3), {"getitem"}),
    "pad": (lambda t: F.pad(t, (1, 2)), lambda t: _tf().pad(t, (1, 2)), (2, 3),
            {"scatter_add"}),
    "pad two axes with a value": (lambda t: F.pad(t, (1, 0, 2, 1), value=-1.5),
                                  lambda t: _tf().pad(t, (1, 0, 2, 1), value=-1.5), (2, 3, 2),
                                  {"scatter_add", "add"}),
    "pad crops": (lambda t: F.pad(t, (-1, 2, 1, -1)),
                  lambda t: _tf().pad(t, (-1, 2, 1, -1)), (3, 4), {"getitem", "scatter_add"}),
    "pad reflect": (lambda t: F.pad(t, (2, 1), mode="reflect"),
                    lambda t: _tf().pad(t, (2, 1), mode="reflect"), (2, 4), {"getitem"}),
    "pad replicate": (lambda t: F.pad(t, (3, 1, 1, 0), mode="replicate"),
                      lambda t: _tf().pad(t, (3, 1, 1, 0), mode="replicate"), (1, 2, 3),
                      {"getitem"}),
    "pad circular": (lambda t: F.pad(t, (2, 3), mode="circular"),
                     lambda t: _tf().pad(t, (2, 3), mode="circular"), (1, 2, 4), {"getitem"}),
}


def _long(index):
    import torch

    return torch.tensor(index, dtype=torch.long)


def _tf():
    import torch

    return torch.nn.functional


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_functions_match_pytorch(name: str, dtype) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs, shape, primitives = CASES[name]
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    out = _check(ours, theirs, x, torch)
    assert _ops(out) == primitives, "composed from the expected primitives"


@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_functions_by_finite_differences(name: str) -> None:
    ours, _, shape, _ = CASES[name]
    x = Tensor(np.random.default_rng(2).standard_normal(shape), requires_grad=True)

    def f(t):
        outs = ours(t)
        outs = outs if isinstance(outs, tuple) else (outs,)
        return sum(((o * o).sum() * (k + 1) for k, o in enumerate(outs)), Tensor(0.0))
    assert gradcheck(f, [x]).ok and gradgradcheck(f, [x]).ok


def test_triangles_give_zero_where_the_input_is_infinite() -> None:
    x = Tensor(np.full((3, 3), np.inf), requires_grad=True)
    out = x.tril()
    np.testing.assert_array_equal(out.data, np.where(np.tri(3, dtype=bool), np.inf, 0.0))
    out.backward(np.ones((3, 3)))
    np.testing.assert_array_equal(x.grad, np.tri(3))


def test_one_hot() -> None:
    out = F.one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert out.shape == (2, 2, 3) and out.dtype == np.float64 and not out.requires_grad
    np.testing.assert_array_equal(out.data[0], [[1, 0, 0], [0, 0, 1]])
    assert autograd.one_hot([3, 0]).shape == (2, 4)  # the classes from the largest index
    assert autograd.one_hot(Tensor([1, 0]), 2, dtype=np.int64).dtype == np.int64
    assert autograd.one_hot([1], 2, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="one_hot: index 3 is out of range for 3 classes"):
        F.one_hot([0, 3], 3)
    with pytest.raises(ValueError, match="index -1"):
        F.one_hot([-1], 3)
    with pytest.raises(TypeError, match="one_hot: the index must hold integers"):
        F.one_hot([0.5], 3)


def test_one_hot_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    labels = np.random.default_rng(3).integers(0, 5, (4, 6))
    np.testing.assert_array_equal(autograd.one_hot(labels, 5).data,
                                  torch.nn.functional.one_hot(torch.tensor(labels), 5).numpy())


# ---------------------------------------------------------------- random shapes
@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=4), st.data())
def test_random_shapes_against_numpy(shape, data) -> None:
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    t = Tensor(x, requires_grad=True)
    reps = data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape) + 1))
    np.testing.assert_array_equal(t.repeat(*reps).data, np.tile(x, reps))
    start = data.draw(st.integers(0, len(shape) - 1))
    end = data.draw(st.integers(start, len(shape) - 1))
    flat = t.flatten(start, end)
    assert flat.shape == (*shape[:start], int(np.prod(shape[start:end + 1])), *shape[end + 1:])
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    np.testing.assert_array_equal(t.flip(axis).data, np.flip(x, axis))
    np.testing.assert_array_equal(t.cumsum(axis).data, np.cumsum(x, axis))
    pads = data.draw(st.lists(st.integers(0, 2), min_size=2, max_size=2 * len(shape))
                     .filter(lambda p: len(p) % 2 == 0))
    widths = [(0, 0)] * (len(shape) - len(pads) // 2) + [
        (pads[2 * k], pads[2 * k + 1]) for k in reversed(range(len(pads) // 2))]
    np.testing.assert_array_equal(F.pad(t, pads, value=2.0).data,
                                  np.pad(x, widths, constant_values=2.0))
    index = np.random.default_rng(0).integers(0, shape[axis], shape)
    np.testing.assert_array_equal(t.gather(axis, index).data,
                                  np.take_along_axis(x, index, axis))


# ---------------------------------------------------------------- errors
def test_shape_errors_name_the_problem() -> None:
    t = Tensor(np.zeros((2, 3)))
    for call, error, message in [
        (lambda: t.squeeze(0), ValueError, r"squeeze: axis 0 has size 2, not 1"),
        (lambda: t.unsqueeze(3), ValueError, r"unsqueeze: axis 3 is out of range for a "
                                             r"new axis of a tensor with 2 dims"),
        (lambda: t.flatten(1, 0), ValueError, r"flatten: start_dim 1 comes after end_dim 0"),
        (lambda: t.flatten(0.5), TypeError, r"flatten: axis must be an int, got float 0.5"),
        (lambda: t.expand(3), ValueError, r"expand: 1 sizes for a tensor with 2 dims"),
        (lambda: t.expand(4, 3), ValueError, r"broadcast_to: cannot broadcast shape \(2, 3\) "
                                             r"to \(4, 3\)"),
        (lambda: t.repeat(2), ValueError, r"repeat: need one non-negative count per axis"),
        (lambda: t.split(0, axis=1), ValueError, r"split: the piece size must be positive"),
        (lambda: t.split([1, 1], axis=1), ValueError, r"split: sizes \[1, 1\] do not add up "
                                                      r"to 3"),
        (lambda: t.chunk(0), ValueError, r"chunk: chunks must be a positive int"),
        (lambda: t.gather(1, [[0, 3]]), IndexError, r"gather: index 3 is out of range for "
                                                    r"axis 1 of size 3"),
        (lambda: t.gather(1, [0, 1]), ValueError, r"gather: an index of shape \(2,\) does not "
                                                  r"fit"),
        (lambda: t.gather(0, [[0.5, 1]]), TypeError, r"gather: the index must hold integers"),
        (lambda: Tensor(np.zeros(3)).tril(), ValueError, r"tril: needs at least 2 axes"),
        (lambda: F.pad(t, (1,)), ValueError, r"pad: needs \(before, after\) pairs"),
        (lambda: F.pad(t, (3, 0), mode="reflect"), ValueError, r"pad: reflect padding of "
                                                                r"\(3, 0\) is too large"),
        (lambda: F.pad(t, (1, 1), mode="wrap"), ValueError, r"pad: mode must be"),
        (lambda: F.pad(t, (-2, -2)), ValueError, r"pad: cropping"),
    ]:
        with pytest.raises(error, match=message):
            call()
