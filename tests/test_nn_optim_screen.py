"""nn.optim's NaN/inf screen of Tensor gradients, at the edges of every float dtype: it is
exact (NaN/inf anywhere, in any layout, is refused and located; huge finite entries whose
squares overflow are accepted), and it never makes numpy warn or raise, whatever numpy's
error settings, since the screen's overflow is expected."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from autograd import Tensor
from nn import optim

DTYPES = [np.float16, np.float32, np.float64, np.longdouble]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("errors", ["warn", "raise"])
def test_finite_gradients_whose_squares_overflow_step_silently(dtype, errors) -> None:
    big = np.sqrt(np.finfo(dtype).max, dtype=dtype) * dtype(4)  # finite; big * big is not
    assert np.isfinite(big)
    w = Tensor(np.zeros((2, 3), dtype=dtype), dtype=dtype, requires_grad=True, label="w")
    grad = np.array([[big, -big, 1], [0, big, -big]], dtype=dtype)
    w.grad = grad
    lr = dtype(2) ** -(np.finfo(dtype).nexp)  # small enough that lr * grad is exact, finite
    with warnings.catch_warnings(), np.errstate(all=errors):
        warnings.simplefilter("error")
        optim.SGD([w], lr=float(lr)).step()
    np.testing.assert_array_equal(w.data, -(lr * grad))
    assert w.data.dtype == dtype


POSITIONS = [0, 3, 5]  # of the flattened (C order) gradient


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize("layout", ["C", "transposed", "strided"])
def test_a_non_finite_entry_anywhere_is_refused_and_located(dtype, bad, position,
                                                             layout) -> None:
    a = Tensor(np.ones(4), requires_grad=True, label="a")
    w = Tensor(np.ones((2, 3), dtype=dtype), dtype=dtype, requires_grad=True, label="w")
    opt = optim.Adam([a, w], lr=0.1)
    a.grad, w.grad = np.full(4, 0.5), np.full((2, 3), 0.25, dtype=dtype)
    opt.step()
    if layout == "C":
        grad = np.full((2, 3), 0.5, dtype=dtype)
    elif layout == "transposed":  # F-ordered memory: the position is still C order's
        grad = np.full((3, 2), 0.5, dtype=dtype).T
    else:  # every other column of a wider array
        grad = np.full((2, 6), 0.5, dtype=dtype)[:, ::2]
    grad[np.unravel_index(position, (2, 3))] = bad
    a.grad, w.grad = np.full(4, 0.5), grad
    before = (a.data.copy(), w.data.copy(), {k: dict(v) for k, v in opt.state.items()},
              opt.steps, a._stamp, w._stamp)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=rf"parameter 1 \('w'\) is not finite \({bad!r} "
                                             rf"at flat position {position}\); no parameter"):
            opt.step()
    np.testing.assert_array_equal(a.data, before[0])
    np.testing.assert_array_equal(w.data, before[1])
    assert opt.state.keys() == before[2].keys() and opt.steps == before[3]
    for key, state in before[2].items():
        assert opt.state[key] == state  # the same arrays, not new ones
    assert (a._stamp, w._stamp) == before[4:]


@pytest.mark.parametrize("grad", [np.array([1, -2, 3]), np.array([True, False, True])],
                         ids=["int", "bool"])
def test_integer_and_boolean_gradients_of_float_parameters_step(grad) -> None:
    w = Tensor(np.zeros(3), requires_grad=True)
    w.grad = grad
    optim.SGD([w], lr=0.5).step()
    np.testing.assert_array_equal(w.data, -0.5 * grad.astype(float))


def test_a_gradient_from_create_graph_steps_with_its_values() -> None:
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    (w * w).sum().backward(create_graph=True)
    assert type(w.grad) is Tensor
    optim.SGD([w], lr=0.25).step()
    np.testing.assert_array_equal(w.data, [0.5, -1.0])
    w.grad = Tensor(np.array([np.nan, 0.0]))
    with pytest.raises(ValueError, match="not finite"):
        optim.SGD([w], lr=0.25).step()
    np.testing.assert_array_equal(w.data, [0.5, -1.0])


@pytest.mark.parametrize("shape", [(), (0,), (0, 3)])
def test_zero_dimensional_and_empty_parameters_step_and_are_screened(shape) -> None:
    w = Tensor(np.ones(shape), requires_grad=True, label="w")
    w.grad = np.full(shape, 2.0)
    optim.SGD([w], lr=0.25).step()
    np.testing.assert_array_equal(w.data, np.full(shape, 0.5))
    if shape == ():
        w.grad = np.array(np.inf)
        with pytest.raises(ValueError, match=r"not finite \(inf at flat position 0\)"):
            optim.SGD([w], lr=0.25).step()
        assert w.data == 0.5


def test_every_parameter_is_checked_before_any_update_is_computed() -> None:
    """Parameter 0's gradient is finite but huge (Adam's g * g overflows), parameter 1's
    holds a NaN: the refusal names parameter 1 before any arithmetic on parameter 0 could
    warn, or raise under np.errstate(all="raise"); nothing changes."""
    big = np.sqrt(np.finfo(np.float64).max) * 4.0
    a = Tensor(np.ones(3), requires_grad=True, label="a")
    b = Tensor(np.ones(2), requires_grad=True, label="b")
    opt = optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = np.array([big, 1.0, -big]), np.array([1.0, np.nan])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"parameter 1 \('b'\) is not finite \(nan at flat "
                                             r"position 1\); no parameter was updated"):
            opt.step()
    np.testing.assert_array_equal(a.data, np.ones(3))
    assert opt.state == {} and opt.steps == 0
