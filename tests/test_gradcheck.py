"""`gradcheck` itself: it passes correct gradients, catches wrong ones (made with detach, so
the forward and the recorded backward disagree), restores its inputs, refuses float32."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import GradcheckResult, Tensor, Value, gradcheck


def test_passes_for_correct_value_function() -> None:
    x, y = Value(0.7), Value(-1.3)
    result = gradcheck(lambda a, b: (a * b + a.exp()) / (b * b + 1) + a ** b.tanh(), [x, y])
    assert isinstance(result, GradcheckResult)
    assert result.ok and bool(result) and result.checked == 2
    assert result.max_abs_error < 1e-7
    assert "PASS" in str(result)


def test_passes_for_correct_tensor_function_with_non_scalar_output() -> None:
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 2)), requires_grad=True)
    result = gradcheck(lambda a, b: (a @ b).tanh(), [x, w])  # (3, 2) output, weighted
    assert result.ok and result.checked == 12 + 8


def test_only_inputs_that_require_grad_are_checked() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0, 5.0])
    result = gradcheck(lambda a, b: a.sum() * b.sum(), [x, c])
    assert result.ok and result.checked == 2


def test_an_unused_input_has_zero_gradient() -> None:
    x, unused = Value(1.0), Value(2.0)
    assert gradcheck(lambda a, b: a * 3, [x, unused]).ok


def _wrong_square_tensor(x: Tensor) -> Tensor:
    """Forward x^2, but detach hides one factor: backward says x, the truth is 2x."""
    return (x * x.detach()).sum()


def test_detects_a_wrong_tensor_gradient() -> None:
    x = Tensor([0.5, -2.0, 3.0], requires_grad=True)
    result = gradcheck(_wrong_square_tensor, [x])
    assert not result.ok and not bool(result)
    assert result.worst_input == 0 and result.worst_index == (2,)  # largest |x|: largest error
    assert result.analytic == pytest.approx(3.0, rel=1e-12)
    assert result.numeric == pytest.approx(6.0, rel=1e-6)
    assert result.max_abs_error == pytest.approx(3.0, rel=1e-6)
    assert "FAIL" in str(result) and "(2,)" in str(result)


def test_detects_a_wrong_value_gradient() -> None:
    # A fresh leaf with the same number plays the role of detach for the scalar engine.
    x, y = Value(1.5), Value(0.25)
    result = gradcheck(lambda a, b: a * Value(a.data) + b, [x, y])
    assert not result.ok
    assert result.worst_input == 0 and result.worst_index == ()
    assert (result.analytic, result.numeric) == (pytest.approx(1.5), pytest.approx(3.0))


def test_detects_a_small_relative_error() -> None:
    # forward (1 - 1e-3) x^2 has derivative 2x - 2e-3 x; backward reports 2x - 1e-3 x.
    x = Tensor([1.0, 2.0], requires_grad=True)
    result = gradcheck(lambda a: (a * a - 1e-3 * a.detach() * a).sum(), [x])
    assert not result.ok
    assert result.max_rel_error == pytest.approx(1e-3 / (2 - 2e-3), rel=1e-4)


def test_raise_on_failure() -> None:
    x = Tensor([0.5, 1.0], requires_grad=True)
    with pytest.raises(AssertionError, match="FAIL"):
        gradcheck(_wrong_square_tensor, [x], raise_on_failure=True)
    assert gradcheck(lambda a: (a * a).sum(), [x], raise_on_failure=True).ok


def test_restores_data_and_grads() -> None:
    data = np.array([[0.3, -0.7], [1.1, 0.2]])
    x = Tensor(data.copy(), requires_grad=True)
    w = Tensor([0.5, -1.5], requires_grad=True)
    x.grad = np.full((2, 2), 9.0)
    grad_x = x.grad
    v = Value(0.75)
    v.grad = 4.0
    for fn, inputs in (((lambda a, b: (a @ b).exp()), [x, w]),
                       (_wrong_square_tensor, [w])):
        gradcheck(fn, inputs)
    with pytest.raises(AssertionError):
        gradcheck(lambda a: a * Value(a.data), [v], raise_on_failure=True)
    np.testing.assert_array_equal(x.data, data)  # bit for bit
    np.testing.assert_array_equal(w.data, [0.5, -1.5])
    assert x.grad is grad_x and np.all(grad_x == 9.0)
    assert w.grad is None
    assert (v.data, v.grad) == (0.75, 4.0)


def test_restores_data_when_fn_raises_during_finite_differences() -> None:
    x = Value(1e-7)  # log is fine at x, but x - eps (eps = 1e-6) is negative
    with pytest.raises(ValueError, match="log"):
        gradcheck(lambda a: a.log(), [x])
    assert x.data == 1e-7


def test_rejects_float32_and_mixed_or_empty_inputs() -> None:
    x32 = Tensor([1.0, 2.0], requires_grad=True, dtype="float32")
    with pytest.raises(TypeError, match=r"input 0 is float32.*float64"):
        gradcheck(lambda a: a.sum(), [x32])
    with pytest.raises(TypeError, match="all Value or all Tensor"):
        gradcheck(lambda a, b: a, [Value(1.0), Tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match="no inputs"):
        gradcheck(lambda: Value(1.0), [])
    assert x32.dtype == np.float32 and x32.grad is None


def test_nothing_checked_is_not_a_pass() -> None:
    c = Tensor([1.0, 2.0])  # the only input is a constant: no element is compared
    p = Tensor([3.0, 4.0], requires_grad=True)
    result = gradcheck(lambda a: (a * p).sum(), [c])
    assert result.checked == 0 and not result.ok


def test_scalar_and_tensor_checks_agree_on_a_closed_form() -> None:
    # d/dx of sum(x^3) is 3x^2: both engines, same numbers
    values = [0.5, -1.25]
    tensor = Tensor(values, requires_grad=True)
    scalars = [Value(v) for v in values]
    assert gradcheck(lambda t: (t ** 3).sum(), [tensor]).ok
    assert gradcheck(lambda *vs: Value.sum([v ** 3 for v in vs]), scalars).ok
    (tensor ** 3).sum().backward()
    np.testing.assert_allclose(tensor.grad, [3 * v * v for v in values], rtol=1e-15)
    assert [v.grad for v in scalars] == [0.0, 0.0]  # gradcheck left the scalar grads alone
