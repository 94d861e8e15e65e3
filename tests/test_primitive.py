"""`autograd.primitive`: a user's own op, defined inside a test, in both engines.

It must work at once on Value and Tensor nodes, be checked by gradcheck and gradgradcheck
and by the suite's per-primitive checks (`check_elementwise`), be drawn under its name,
and refuse what would corrupt the table.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_rule_table import check_elementwise

import visualize
from autograd import Tensor, Value, apply, gradcheck, gradgradcheck, hessian, primitive
from autograd.table import PRIMITIVES, undefine


@pytest.fixture
def trig():
    """my_sin and my_cos, each the other's derivative: twice differentiable; removed after."""
    my_sin = primitive("my_sin", np.sin, derivative=lambda x, out: my_cos(x))
    my_cos = primitive("my_cos", np.cos, derivative=lambda x, out: -my_sin(x))
    yield my_sin, my_cos
    undefine("my_sin")
    undefine("my_cos")


def test_works_on_values_and_tensors_and_numbers(trig) -> None:
    my_sin, _ = trig
    v = Value(0.5)
    y = my_sin(v) * v
    assert isinstance(y.data, float) and y.data == pytest.approx(np.sin(0.5) * 0.5)
    y.backward()
    assert v.grad == pytest.approx(np.cos(0.5) * 0.5 + np.sin(0.5))
    t = Tensor(np.array([0.1, 2.0]), requires_grad=True)
    my_sin(t).sum().backward()
    np.testing.assert_allclose(t.grad, np.cos([0.1, 2.0]))
    assert my_sin(0.25) == pytest.approx(np.sin(0.25))  # plain numbers: the forward
    assert apply("my_sin", Value(1.0)).op == "my_sin"  # the table knows it at once


def test_gradcheck_and_gradgradcheck_both_engines(trig) -> None:
    my_sin, my_cos = trig
    assert gradcheck(lambda a, b: my_sin(a * b) + my_cos(b), [Value(0.3), Value(-1.2)]).ok
    assert gradgradcheck(lambda a: my_sin(a) * my_cos(a), [Value(0.7)]).ok
    t = Tensor(np.random.default_rng(0).uniform(-2, 2, (2, 3)), requires_grad=True)
    assert gradcheck(lambda a: my_sin(a * a).sum(), [t]).ok
    assert gradgradcheck(lambda a: my_sin(a * a).sum(), [t]).ok
    np.testing.assert_allclose(hessian(lambda a: my_sin(a).sum(), np.array([0.3, 1.1])),
                               np.diag(-np.sin([0.3, 1.1])), atol=1e-15)


@pytest.mark.parametrize("engine", ["scalar", "array"])
@pytest.mark.parametrize("order", [1, 2])
def test_the_suites_per_primitive_checks_cover_it(trig, engine: str, order: int) -> None:
    check_elementwise("my_sin", engine, order=order)


def test_binary_with_broadcasting_and_a_domain_check() -> None:
    hypot = primitive("my_hypot", lambda a, b: np.sqrt(a * a + b * b),
                      derivative=lambda a, b, out: (a / out, b / out),
                      check=lambda a, b: _refuse_origin(a, b))
    try:
        a = Tensor(np.array([[3.0], [1.0]]), requires_grad=True)
        b = Tensor(np.array([4.0, 2.0, 1.0]), requires_grad=True)
        out = hypot(a, b)
        assert out.shape == (2, 3)
        out.sum().backward()
        assert a.grad.shape == (2, 1) and b.grad.shape == (3,)  # summed back
        assert gradcheck(lambda x, y: hypot(x, y), [a, b]).ok
        assert gradcheck(lambda x, y: hypot(x, y), [Value(0.5), Value(-2.0)]).ok
        with pytest.raises(ValueError, match="origin"):
            hypot(Value(0.0), 0.0)
    finally:
        undefine("my_hypot")


def _refuse_origin(a, b) -> None:
    if np.any((np.asarray(a) == 0) & (np.asarray(b) == 0)):
        raise ValueError("my_hypot: undefined at the origin")


def test_a_vector_jacobian_rule_for_a_non_elementwise_op() -> None:
    """cumsum: backward is the reversed cumulative sum of the upstream gradient."""
    cumsum = primitive("my_cumsum", np.cumsum,
                       backward=lambda g, out, x: (np.cumsum(g[::-1])[::-1],))
    try:
        x = Tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True)
        assert gradcheck(lambda t: cumsum(t) ** 2, [x]).ok
        assert not PRIMITIVES["my_cumsum"].elementwise
    finally:
        undefine("my_cumsum")


def test_decorator_form_and_redefinition(trig) -> None:
    @primitive(derivative=lambda x, out: 3 * x * x)
    def my_cube(x):
        return x ** 3

    try:
        assert my_cube(Value(2.0)).data == 8.0
        again = primitive("my_cube", lambda x: x ** 3, derivative=lambda x, out: 3 * x ** 2)
        assert again(Value(2.0)).op == "my_cube"  # a notebook cell run twice: replaced
    finally:
        undefine("my_cube")


def test_drawn_under_its_name(trig) -> None:
    my_sin, _ = trig
    x = Value(0.4, label="x")
    y = my_sin(x * 2)
    y.backward()
    dot = visualize.draw(y, show_local_grads=True).source
    assert "my_sin" in dot


def test_refusals() -> None:
    with pytest.raises(ValueError, match="built in"):
        primitive("exp", np.exp, derivative=lambda x, out: out)
    with pytest.raises(ValueError, match="exactly one of"):
        primitive("my_f", np.exp)
    with pytest.raises(ValueError, match="exactly one of"):
        primitive("my_f", np.exp, derivative=lambda x, out: out,
                  backward=lambda g, out, x: (g,))
    with pytest.raises(TypeError, match="callable"):
        primitive("my_f", np.exp, derivative=2.0)
    with pytest.raises(ValueError, match="identifier"):
        primitive("my f", np.exp, derivative=lambda x, out: out)
    with pytest.raises(KeyError, match="no primitive named 'my_missing'"):
        apply("my_missing", Value(1.0))
    assert "my_f" not in PRIMITIVES


def test_a_numpy_derivative_serves_first_order_and_explains_second_order() -> None:
    my_exp = primitive("my_exp", np.exp, derivative=lambda x, out: np.exp(x))
    try:
        t = Tensor(np.array([0.5]), requires_grad=True)
        assert gradcheck(lambda a: my_exp(a).sum(), [t]).ok
        with pytest.raises(TypeError, match="written with chainrule operations"):
            my_exp(t).sum().backward(create_graph=True)
        assert t.grad is None or np.allclose(t.grad, np.exp(0.5))  # untouched on failure
    finally:
        undefine("my_exp")
