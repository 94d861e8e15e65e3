"""The `chainrule graph` expression parser: allowed syntax builds the same graph as hand-written
Value code; everything else is rejected with a message naming the problem and its position."""

from __future__ import annotations

import math

import pytest

from autograd import Value
from chainrule.expression import ExpressionError, build, check_variable_name, names, parse

VALUES = {"a": 2.0, "b": -3.0, "c": 1.0}


def _direct(fn):
    a, b, c = (Value(VALUES[n], label=n) for n in "abc")
    out = fn(a, b, c)
    out.backward()
    return out, {"a": a, "b": b, "c": c}


@pytest.mark.parametrize("text, fn", [
    ("tanh(a*b + c) * log(a)", lambda a, b, c: (a * b + c).tanh() * a.log()),
    ("a*b + b**3 - c/a", lambda a, b, c: a * b + b ** 3 - c / a),
    ("-a + +b", lambda a, b, c: -a + b),
    ("2 ** a * exp(-c)", lambda a, b, c: 2 ** a * (-c).exp()),
    ("a ** b", lambda a, b, c: a ** b),
    ("sigmoid(a) + relu(b) + abs(b) / (1 + c)",
     lambda a, b, c: a.sigmoid() + b.relu() + b.abs() / (1 + c)),
    ("-a**2", lambda a, b, c: -(a ** 2)),
    ("(a - b) * (a - b) - 0.5e1", lambda a, b, c: (a - b) * (a - b) - 5.0),
])
def test_allowed_expressions_match_hand_written_value_code(text, fn):
    root, leaves = build(text, VALUES)
    root.backward()
    expected, direct = _direct(fn)
    assert root.data == pytest.approx(expected.data, rel=1e-12)
    for name, leaf in leaves.items():
        assert leaf.label == name and leaf.parents == ()
        assert leaf.grad == pytest.approx(direct[name].grad, rel=1e-12, abs=1e-15)


def test_gradient_matches_hand_worked_closed_form():
    root, leaves = build("tanh(a*b + c) * log(a)", VALUES)
    root.backward()
    a, b, c = VALUES["a"], VALUES["b"], VALUES["c"]
    t = math.tanh(a * b + c)
    assert root.data == pytest.approx(t * math.log(a))
    assert leaves["a"].grad == pytest.approx((1 - t * t) * b * math.log(a) + t / a)
    assert leaves["b"].grad == pytest.approx((1 - t * t) * a * math.log(a))
    assert leaves["c"].grad == pytest.approx((1 - t * t) * math.log(a))


def test_repeated_variable_is_one_leaf_and_grads_add():
    root, leaves = build("a * a + a", {"a": 3.0})
    root.backward()
    assert list(leaves) == ["a"]
    assert leaves["a"].grad == pytest.approx(2 * 3.0 + 1)


def test_constant_expression_is_a_value():
    root, leaves = build(" 2 * 3 ", {})
    assert isinstance(root, Value) and root.data == 6.0 and leaves == {}


def test_names_in_order_of_appearance_without_functions():
    assert names(parse("exp(b) * a + b")) == ["b", "a"]


def test_long_expression_is_walked_without_recursion():
    root, leaves = build(" + ".join(["a"] * 800), {"a": 1.0})
    root.backward()
    assert root.data == 800.0 and leaves["a"].grad == 800.0


def test_absurdly_deep_expression_is_a_clean_error():
    with pytest.raises(ExpressionError, match="too deeply nested|syntax error"):
        build("(" * 5000 + "a" + ")" * 5000, {"a": 1.0})


@pytest.mark.parametrize("text, words, column", [
    ("__import__('os')", "unknown function '__import__'", 1),
    ("a + os.system('ls')", "attribute access", 5),
    ("a.real", "attribute access", 1),
    ("(lambda x: x)(a)", "lambdas", 2),
    ("a + (lambda: 1)", "lambdas", 6),
    ("b * a[0]", "subscripts", 5),
    ("[x for x in a]", "comprehensions", 1),
    ("a + sum(x for x in b)", "unknown function 'sum'", 5),
    ("exp(a, b=1)", "keyword argument 'b='", 8),
    ("exp(**a)", "'**'", 5),
    ("exp(*a)", "'*' unpacking", 5),
    ("exp(a, b)", "takes exactly one argument, got 2", 1),
    ("a + d", "unknown name d", 5),
    ("a * (d + e)", "unknown names d, e", 6),
    ("exp + 1", "'exp' is a function", 1),
    ("a % 2", "operator '%'", 1),
    ("~a", "unary operator '~'", 1),
    ("a < b", "comparisons", 1),
    ("a if b else c", "conditional expressions", 1),
    ("a + 'x'", "only real numbers", 5),
    ("a + True", "only real numbers", 5),
    ("a + 1j", "only real numbers", 5),
    ("a +", "syntax error", 4),
    ("a + * b", "syntax error", 5),
    ("", "empty expression", 1),
])
def test_rejections_name_the_problem_and_position(text, words, column):
    with pytest.raises(ExpressionError) as info:
        build(text, VALUES)
    message = str(info.value)
    assert words in message
    assert f"line 1, column {column}" in message
    assert (info.value.line, info.value.column) == (1, column)
    assert message.splitlines()[-1].index("^") == column + 1  # caret under the culprit


def test_rejection_is_a_value_error_and_builds_nothing():
    with pytest.raises(ValueError):
        build("a + __import__('os').system('echo hacked')", VALUES)


def test_engine_domain_errors_propagate():
    with pytest.raises(ValueError, match="log"):
        build("log(b)", VALUES)  # log of -3


@pytest.mark.parametrize("name", ["1a", "a-b", "lambda", "exp", ""])
def test_bad_variable_names(name):
    with pytest.raises(ValueError):
        check_variable_name(name)
