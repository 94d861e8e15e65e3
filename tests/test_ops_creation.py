"""Creation functions (autograd.creation): shapes, values, dtypes, requires_grad, and
reproducible random numbers (seed=, generator=, manual_seed)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor


@pytest.mark.parametrize("dtype", [None, np.float32, "float64"])
def test_constant_tensors(dtype) -> None:
    want = np.dtype(np.float64 if dtype is None else dtype)
    cases = [(autograd.zeros(2, 3, dtype=dtype), np.zeros((2, 3))),
             (autograd.zeros((2, 3), dtype=dtype), np.zeros((2, 3))),
             (autograd.ones(4, dtype=dtype), np.ones(4)),
             (autograd.full((2, 2), 7.5, dtype=dtype), np.full((2, 2), 7.5)),
             (autograd.full(3, -1, dtype=dtype), np.full(3, -1.0)),
             (autograd.eye(3, dtype=dtype), np.eye(3)), (autograd.eye(2, 3, dtype=dtype),
                                                          np.eye(2, 3)),
             (autograd.linspace(0, 1, 5, dtype=dtype), np.linspace(0, 1, 5)),
             (autograd.arange(2, 11, 3, dtype=dtype), np.arange(2.0, 11.0, 3.0)),
             (autograd.zeros(dtype=dtype), np.zeros(()))]
    for got, expected in cases:
        assert isinstance(got, Tensor) and got.dtype == want and not got.requires_grad
        np.testing.assert_array_equal(got.data, expected)


def test_requires_grad_makes_parameters() -> None:
    w = autograd.randn(3, 2, requires_grad=True, seed=0)
    b = autograd.zeros(2, requires_grad=True)
    (autograd.ones(4, 3) @ w + b).sum().backward()
    np.testing.assert_array_equal(w.grad, np.full((3, 2), 4.0))
    np.testing.assert_array_equal(b.grad, [4.0, 4.0])


def test_arange_made_from_integers_indexes() -> None:
    t = Tensor(np.array([10.0, 20.0, 30.0]), requires_grad=True)
    idx = autograd.arange(3)
    np.testing.assert_array_equal(idx.data, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(t[idx.flip()].data, [30.0, 20.0, 10.0])
    np.testing.assert_array_equal(t[autograd.arange(2)].data, [10.0, 20.0])
    np.testing.assert_allclose(autograd.arange(0, 1, 0.25).data, [0, 0.25, 0.5, 0.75])


def test_random_tensors_are_reproducible() -> None:
    a = autograd.randn(3, 4, seed=0)
    assert a.shape == (3, 4) and a.dtype == np.float64
    np.testing.assert_array_equal(a.data, autograd.randn(3, 4, seed=0).data)
    np.testing.assert_array_equal(a.data, np.random.default_rng(0).standard_normal((3, 4)))
    assert not np.array_equal(a.data, autograd.randn(3, 4, seed=1).data)
    u = autograd.rand(1000, seed=5, dtype=np.float32)
    assert u.dtype == np.float32 and 0.0 <= u.data.min() and u.data.max() < 1.0
    rng = np.random.default_rng(7)
    first = autograd.rand(2, generator=rng)
    second = autograd.rand(2, generator=rng)  # the generator moves on
    assert not np.array_equal(first.data, second.data)
    np.testing.assert_array_equal(first.data, np.random.default_rng(7).random(2))


def test_manual_seed_resets_the_default_generator() -> None:
    autograd.manual_seed(42)
    a = autograd.randn(5)
    b = autograd.rand(2)
    autograd.manual_seed(42)
    np.testing.assert_array_equal(autograd.randn(5).data, a.data)
    np.testing.assert_array_equal(autograd.rand(2).data, b.data)
    generator = autograd.manual_seed(3)
    assert autograd.default_generator() is generator


def test_like_functions_take_shape_and_dtype() -> None:
    t = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    for made in (autograd.zeros_like(t), autograd.ones_like(t), autograd.full_like(t, 2.0),
                 autograd.rand_like(t, seed=0), autograd.randn_like(t, seed=0)):
        assert made.shape == (2, 3) and made.dtype == np.float32 and not made.requires_grad
    assert autograd.zeros_like(t, dtype=np.float64).dtype == np.float64
    assert autograd.ones_like(np.zeros((4,), int)).dtype == np.float64  # a float Tensor
    assert autograd.zeros_like(t, requires_grad=True).requires_grad
    np.testing.assert_array_equal(autograd.randn_like(t, seed=3).data,
                                  autograd.randn(2, 3, seed=3, dtype=np.float32).data)


def test_creation_errors() -> None:
    for call, error, message in [
        (lambda: autograd.zeros(-1), ValueError, r"zeros: sizes must be non-negative ints"),
        (lambda: autograd.ones(2.5), ValueError, r"ones: sizes must be non-negative ints"),
        (lambda: autograd.zeros(2, dtype=np.int64), TypeError, r"dtype must be a float type"),
        (lambda: autograd.arange(0, 5, 0), ValueError, r"arange: step must not be 0"),
        (lambda: autograd.randn(2, seed=0, generator=np.random.default_rng(0)), ValueError,
         r"randn: give seed= or generator=, not both"),
        (lambda: autograd.rand(2, generator=0), TypeError,
         r"rand: generator must be a numpy.random.Generator"),
    ]:
        with pytest.raises(error, match=message):
            call()
