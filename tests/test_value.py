"""The scalar engine `Value`: hand-worked closed forms, micrograd's two sanity checks,
accumulation semantics, bad input, depth, reference cycles, `no_grad`, and random DAGs
against finite differences (and PyTorch when installed)."""

from __future__ import annotations

import gc
import math
import sys
import threading

import pytest
from hypothesis import HealthCheck, assume, given, settings
from strategies import Program, is_tame, programs

from autograd import Value, apply, gradcheck, is_grad_enabled, no_grad

# ---------------------------------------------------------------- micrograd's sanity checks
# The two expressions of micrograd's test_engine.py, with the expected numbers worked out by
# hand below (not copied): near each point the relus are locally linear or zero.


def micrograd_sanity(x):
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def micrograd_more_ops(a, b):
    c = a + b
    d = a * b + b ** 3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_micrograd_sanity_check_closed_form() -> None:
    # z = 3x + 2 = -10 < 0, so relu(z) = 0 and h = z^2; q = zx = 3x^2 + 2x.
    # y = (3x + 2)^2 + (3x^2 + 2x)(1 + x) = 100 + 40 - 160 = -20 at x = -4;
    # dy/dx = 6(3x + 2) + (6x + 2)(1 + x) + 3x^2 + 2x = -60 + 66 + 40 = 46.
    x = Value(-4.0)
    y = micrograd_sanity(x)
    y.backward()
    assert y.data == -20.0
    assert x.grad == 46.0


def test_micrograd_more_ops_closed_form() -> None:
    # c = 3a + 4b + 3 = -1; with a + b < 0 and b - a > 0, d = 12(ab + b^3) + b - a = 6;
    # e = c - d = -7; g = e^2/2 + 10/e^2, dg/de = e - 20/e^3;
    # de/da = 4 - 12b = -20, de/db = 3 - 12a - 36b^2 = -93.
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_more_ops(a, b)
    g.backward()
    e = -7.0
    dg_de = e - 20.0 / e ** 3
    assert g.data == pytest.approx(e * e / 2 + 10 / (e * e), rel=1e-14)
    assert a.grad == pytest.approx(dg_de * -20.0, rel=1e-12)
    assert b.grad == pytest.approx(dg_de * -93.0, rel=1e-12)


def test_micrograd_examples_match_torch() -> None:
    torch = pytest.importorskip("torch")
    x = Value(-4.0)
    y = micrograd_sanity(x)
    y.backward()
    xt = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    yt = micrograd_sanity(xt)
    yt.backward()
    assert (y.data, x.grad) == (yt.item(), xt.grad.item())
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_more_ops(a, b)
    g.backward()
    at, bt = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (-4.0, 2.0))
    gt = micrograd_more_ops(at, bt)
    gt.backward()
    assert g.data == pytest.approx(gt.item(), rel=1e-12)
    assert a.grad == pytest.approx(at.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(bt.grad.item(), rel=1e-12)


# ---------------------------------------------------------------- accumulation
def test_a_plus_a_and_a_times_a() -> None:
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    b = Value(3.0)
    (b * b).backward()
    assert b.grad == 6.0


def test_node_used_many_times() -> None:
    # y = 10x + x^3 + x^1001 (the last as 1000 products sharing x), at x = 1.0001.
    x = Value(1.0001)
    y = x
    for _ in range(1000):
        y = y * x
    total = Value.sum([x] * 10) + x * x * x + y
    total.backward()
    expected = 10 + 3 * 1.0001 ** 2 + 1001 * 1.0001 ** 1000
    assert x.grad == pytest.approx(expected, rel=1e-11)


def test_shared_intermediate_collects_from_every_use() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b  # used three times
    out = c * c + c.tanh() + 4 * c
    out.backward()
    dout_dc = 2 * -6.0 + (1 - math.tanh(-6.0) ** 2) + 4
    assert c.grad == pytest.approx(dout_dc, rel=1e-14)
    assert a.grad == pytest.approx(dout_dc * -3.0, rel=1e-14)
    assert b.grad == pytest.approx(dout_dc * 2.0, rel=1e-14)


def test_backward_twice_doubles_leaves_and_resets_intermediates() -> None:
    a, b = Value(1.5), Value(-0.5)
    c = a * b
    d = (c + a).tanh()
    d.backward()
    first = (a.grad, b.grad, c.grad, d.grad)
    d.backward()
    assert b.grad == 2 * first[1]  # one path to b: exactly doubled
    assert a.grad == pytest.approx(2 * first[0], rel=1e-15, abs=0)  # two paths: see below
    assert (c.grad, d.grad) == (first[2], first[3])  # reset, not grown
    d.backward(grad=0.5)
    assert b.grad == 2.5 * first[1]
    assert c.grad == 0.5 * first[2]
    # closed form of the first call: d = tanh(ab + a)
    slope = 1 - math.tanh(1.5 * -0.5 + 1.5) ** 2
    assert first[0] == pytest.approx(slope * (-0.5 + 1), rel=1e-14)
    assert first[1] == pytest.approx(slope * 1.5, rel=1e-14)


def test_backward_twice_doubles_a_leaf_with_three_paths_exactly() -> None:
    # Contributions 0.7, 0.9, 1.7: for every order of adding them, s + 0.7 + 0.9 + 1.7 != 2s
    # in float64, so the check does not depend on the engine's walk order.
    a = Value(1.0)
    y = Value.sum([a * 0.7, a * 0.9, a * 1.7])
    y.backward()
    first = a.grad
    y.backward()
    assert a.grad == 2 * first


# ---------------------------------------------------------------- operators
REFLECTED = [  # (expression of a = 3, value, d/da) worked by hand
    (lambda a: 2 + a, 5.0, 1.0),
    (lambda a: a + 2, 5.0, 1.0),
    (lambda a: 2 - a, -1.0, -1.0),
    (lambda a: a - 2, 1.0, 1.0),
    (lambda a: 2 * a, 6.0, 2.0),
    (lambda a: a * 2.5, 7.5, 2.5),
    (lambda a: 2 / a, 2 / 3, -2 / 9),
    (lambda a: a / 2, 1.5, 0.5),
    (lambda a: 2 ** a, 8.0, 8 * math.log(2)),
    (lambda a: a ** 2, 9.0, 6.0),
    (lambda a: a ** -1, 1 / 3, -1 / 9),
    (lambda a: a ** 0.5, math.sqrt(3), 0.5 / math.sqrt(3)),
    (lambda a: -a, -3.0, -1.0),
    (lambda a: 1.0 - a * 2 + 6 / a, -3.0, -2.0 - 6 / 9),
]


@pytest.mark.parametrize("case", range(len(REFLECTED)))
def test_numbers_on_either_side(case: int) -> None:
    expression, value, slope = REFLECTED[case]
    a = Value(3.0)
    out = expression(a)
    out.backward()
    assert out.data == pytest.approx(value, rel=1e-15)
    assert a.grad == pytest.approx(slope, rel=1e-14)


def test_value_to_the_power_of_value() -> None:
    a, b = Value(2.0), Value(3.0)
    out = a ** b
    out.backward()
    assert out.op == "pow"
    assert out.data == 8.0
    assert a.grad == 12.0  # b a^(b-1)
    assert b.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)  # a^b log a


def test_unary_ops_closed_forms() -> None:
    cases = [  # (method, x, value, derivative)
        ("exp", 0.5, math.exp(0.5), math.exp(0.5)),
        ("log", 2.0, math.log(2.0), 0.5),
        ("tanh", 0.5, math.tanh(0.5), 1 - math.tanh(0.5) ** 2),
        ("sigmoid", 0.5, 1 / (1 + math.exp(-0.5)),
         math.exp(-0.5) / (1 + math.exp(-0.5)) ** 2),
        ("relu", -0.5, 0.0, 0.0), ("relu", 0.5, 0.5, 1.0), ("relu", 0.0, 0.0, 0.0),
        ("abs", -0.5, 0.5, -1.0), ("abs", 0.0, 0.0, 0.0),
    ]
    for method, x, value, slope in cases:
        a = Value(x)
        out = getattr(a, method)()
        out.backward()
        assert out.op == method
        assert out.data == pytest.approx(value, rel=1e-15), method
        assert a.grad == pytest.approx(slope, rel=1e-14), method


def test_value_sum_is_one_node() -> None:
    xs = [Value(float(i)) for i in range(1, 6)]
    out = Value.sum([*xs, 0.5, xs[0]])
    assert out.op == "add_n"
    assert len(out.parents) == 7
    assert out.data == 1 + 2 + 3 + 4 + 5 + 0.5 + 1
    (out * 2).backward()
    assert [x.grad for x in xs] == [4.0, 2.0, 2.0, 2.0, 2.0]


def test_products_are_the_nodes_that_star_makes() -> None:
    xs = [Value(1.5), Value(-2.0), 3]
    ys = [Value(4.0), 0.5, Value(-1.0)]
    out = Value.products(xs, ys)
    assert [p.op for p in out] == ["mul"] * 3
    assert [p.data for p in out] == [6.0, -1.0, -3.0]
    assert out[0].parents == (xs[0], ys[0])
    Value.sum(out).backward()  # d/dx_i = y_i and d/dy_i = x_i
    assert [xs[0].grad, xs[1].grad, ys[0].grad, ys[2].grad] == [4.0, 0.5, 1.5, 3.0]
    result = gradcheck(lambda a, b, c: Value.sum(Value.products([a, b, c], [c, a, b])),
                       [Value(0.3), Value(-1.2), Value(2.5)])
    assert result.ok, result
    with no_grad():
        constants = Value.products(xs, ys)
    assert [c.data for c in constants] == [6.0, -1.0, -3.0]
    assert all(c.parents == () and c.op == "" for c in constants)
    with no_grad():
        assert Value.products([2, 3.0], [0.5, 2])[1].data == 6.0  # numbers only: still Values


def test_a_zero_gradient_passes_nothing_on() -> None:
    # d(x ** 0.5)/dx is infinite at 0; the path is multiplied by 0, so it adds 0 (not NaN).
    x = Value(0.0)
    ((x ** 0.5) * 0.0 + x * 3.0).backward()
    assert x.grad == 3.0
    # Shares that cancel leave a node at exactly 0: d(ab - ab)/da = 0.
    a, b = Value(2.0), Value(5.0)
    product = a * b
    (product - product).backward()
    assert (a.grad, b.grad, product.grad) == (0.0, 0.0, 0.0)


def test_exp_overflows_to_inf_and_sigmoid_saturates() -> None:
    big = Value(1000.0).exp()
    assert big.data == math.inf
    for x, expected in ((1000.0, 1.0), (-1000.0, 0.0)):
        a = Value(x)
        s = a.sigmoid()
        s.backward()
        assert s.data == expected
        assert a.grad == 0.0  # s (1 - s) underflows to exactly 0, never nan


def test_repr_is_readable() -> None:
    a = Value(-1.5, label="w")
    assert repr(a) == "Value(data=-1.5, grad=0, label='w')"
    (a * 2).backward()
    assert repr(a) == "Value(data=-1.5, grad=2, label='w')"
    assert repr(Value(0.1)) == "Value(data=0.1, grad=0)"


def test_item_float_and_constructor_types() -> None:
    a = Value(3)
    assert type(a.data) is float and a.item() == 3.0 and float(a) == 3.0
    assert a.grad == 0.0 and a.label == "" and a.op == "" and a.parents == ()


# ---------------------------------------------------------------- bad input
def _refuses(make, error: type, needles: tuple[str, ...], operands: list[Value]) -> None:
    """`make()` raises `error` naming every needle, and no operand gains a reference, data
    change or grad change (so no node holding it was recorded and kept anywhere)."""
    state = lambda: [(sys.getrefcount(v), v.data, v.grad, v._prev, v._op) for v in operands]
    before = state()
    with pytest.raises(error) as info:
        make()
    message = str(info.value)
    del info  # the traceback's frames reference the operands
    for needle in needles:
        assert needle in message, (needle, message)
    assert state() == before


BAD = {  # id -> (lambda of operands, operands' data, error, words the message must contain)
    "non-numeric data": (lambda: Value("x"), [], TypeError, ("Value", "'x'")),
    "None data": (lambda: Value(None), [], TypeError, ("Value", "None")),
    "bool data": (lambda: Value(True), [], TypeError, ("Value", "True")),
    "log of -1": (lambda a: a.log(), [-1.0], ValueError, ("log", "-1.0")),
    "log of -0.5": (lambda a: a.log(), [-0.5], ValueError, ("log", "-0.5")),
    "negative ** fraction": (lambda a: a ** (1 / 3), [-8.0], ValueError, ("pow", "-8.0")),
    "negative ** Value(0.5)": (lambda a, b: a ** b, [-8.0, 0.5], ValueError,
                               ("pow", "-8.0", "0.5")),
    "number ** Value": (lambda a: (-8) ** a, [0.5], ValueError, ("pow", "-8", "0.5")),
    "sqrt of -1": (lambda a: apply("sqrt", a), [-1.0], ValueError, ("sqrt", "-1.0")),
    "Value + str": (lambda a: a + "a", [1.0], TypeError, ("+", "str")),
    "str + Value": (lambda a: "a" + a, [1.0], TypeError, ("+", "str")),
    "Value * None": (lambda a: a * None, [1.0], TypeError, ("*", "NoneType")),
    "Value - str": (lambda a: a - "a", [1.0], TypeError, ("-", "'a'")),
    "Value / list": (lambda a: a / [1], [1.0], TypeError, ("/", "list")),
    "Value ** str": (lambda a: a ** "a", [2.0], TypeError, ("**", "'a'")),
    "sum with a str": (lambda a: Value.sum([a, "a"]), [1.0], TypeError, ("sum", "str")),
    "empty sum": (lambda: Value.sum([]), [], ValueError, ("Value.sum",)),
    "products with a str": (lambda a, b: Value.products([a, b], [b, "x"]), [1.0, 2.0],
                            TypeError, ("*", "str")),
    "products of unequal lengths": (lambda a: Value.products([a], [a, a]), [1.0], ValueError,
                                    ("products", "1 left", "2 right")),
    "backward(str)": (lambda a: (a * 2).backward("g"), [1.0], TypeError, ("backward", "'g'")),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_raises_and_records_nothing(case: str) -> None:
    make, data, error, needles = BAD[case]
    operands = [Value(x) for x in data]
    _refuses(lambda: make(*operands), error, needles, operands)


def test_refusal_check_can_see_a_recorded_node() -> None:
    """The refcount check in `_refuses` notices a node that keeps an operand alive."""
    kept = []

    def leaky(a: Value) -> None:
        kept.append(a * 2)
        raise ValueError("leak")

    a = Value(1.0)
    with pytest.raises(AssertionError):
        _refuses(lambda: leaky(a), ValueError, ("leak",), [a])


def test_negative_base_to_infinite_power_follows_ieee() -> None:
    out = Value(-2.0) ** math.inf  # math.pow(-2.0, inf) == inf
    assert out.data == math.inf


def test_poles_follow_ieee_as_tensors_and_pytorch_do() -> None:
    """x / 0 is +-inf, 0 / 0 nan, 0 ** -1 inf, log 0 -inf: the same in both engines
    (docs/conventions.md), where Python's floats would raise."""
    assert (Value(1.5) / 0).data == math.inf and (Value(-1.5) / Value(0.0)).data == -math.inf
    assert (2 / Value(0.0)).data == math.inf and math.isnan((Value(0.0) / 0).data)
    assert (Value(0.0) ** -1).data == math.inf and (Value(0.0) ** Value(-2.0)).data == math.inf
    assert Value(0.0).log().data == -math.inf


# ---------------------------------------------------------------- depth and memory
def test_million_node_chain_backpropagates_at_default_recursion_limit() -> None:
    limit = sys.getrecursionlimit()
    assert limit <= 10_000  # far below the depth of the chain
    enabled = gc.isenabled()
    gc.disable()  # only for speed: 10^6 new tracked objects trigger many collections
    try:
        x0, half = Value(1.0), Value(0.5)
        x = x0
        for _ in range(1_000_000):
            x = x + half  # one shared constant: its grad sums a million contributions
        x.backward()
        assert x.data == 500_001.0
        assert x0.grad == 1.0
        assert half.grad == 1_000_000.0
        del x  # freeing a chain this deep must not overflow the C stack either
    finally:
        if enabled:
            gc.enable()
    assert sys.getrecursionlimit() == limit


def _live_values() -> int:
    return sum(type(o) is Value for o in gc.get_objects())


def test_dropped_graph_is_freed_by_reference_counting_alone() -> None:
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        before = _live_values()
        xs = [Value(0.1 * i) for i in range(20)]
        w = [Value(-0.05 * i) for i in range(20)]
        loss = (Value.sum([a * b for a, b in zip(xs, w)]) + 1).tanh() ** 2 / 3 - xs[0].exp()
        loss.backward()
        with no_grad():
            _ = loss * 2
        built = _live_values()
        del xs, w, loss, _
        after = _live_values()
    finally:
        if enabled:
            gc.enable()
    assert built > before + 60  # the graph was really there
    assert after == before  # and went away with no help from the cyclic collector


# ---------------------------------------------------------------- no_grad
def test_no_grad_records_nothing_and_nests() -> None:
    a, b = Value(2.0), Value(3.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        with no_grad():
            y = (a * b + 1).tanh()
        assert not is_grad_enabled()  # the inner block restores "off", not "on"
        z = a ** b
    assert is_grad_enabled()
    for out in (y, z):
        assert out.parents == () and out.op == ""
    assert y.data == math.tanh(7.0) and z.data == 8.0
    y.backward()
    assert (a.grad, b.grad) == (0.0, 0.0)
    assert (a * b).op == "mul"


def test_no_grad_is_restored_after_an_exception() -> None:
    with pytest.raises(ValueError):
        with no_grad():
            Value(-1.0).log()
    assert is_grad_enabled()


def test_no_grad_is_thread_local() -> None:
    inside, recorded = threading.Event(), {}

    def other_thread() -> None:
        inside.wait(timeout=10)
        recorded["node"] = Value(1.0) * Value(2.0)
        recorded["enabled"] = is_grad_enabled()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with no_grad():
        inside.set()
        worker.join(timeout=10)
        here = Value(1.0) * Value(2.0)
    assert recorded["enabled"] is True
    assert recorded["node"].op == "mul" and len(recorded["node"].parents) == 2
    assert here.op == "" and here.parents == ()


# ---------------------------------------------------------------- random DAGs
def _evaluated(program: Program) -> tuple[list[Value], Value]:
    leaves = [Value(x) for x in program.leaves]
    root, built = program.run(leaves, Value.sum)
    assume(is_tame([n.data for n in built]))
    # relu's kink: keep its argument clear of 0 by more than any perturbation moves it
    assume(all(abs(k) > 0.05 for k in program.kink_arguments(built)))
    return leaves, root


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_dag_gradients_match_finite_differences(program: Program) -> None:
    leaves, _ = _evaluated(program)
    fn = lambda *xs: program.run(xs, Value.sum)[0]
    result = gradcheck(fn, leaves, atol=1e-5, rtol=1e-4)
    assert result.ok, f"{program}: {result}"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_dag_matches_torch(program: Program) -> None:
    torch = pytest.importorskip("torch")
    leaves = [Value(x) for x in program.leaves]
    root, built = program.run(leaves, Value.sum)
    assume(is_tame([n.data for n in built]))
    root.backward()
    tleaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in program.leaves]
    troot, _ = program.run(tleaves, sum)
    troot.backward()
    assert root.data == pytest.approx(troot.item(), rel=1e-12, abs=1e-12)
    for ours, theirs in zip(leaves, tleaves):
        expected = 0.0 if theirs.grad is None else theirs.grad.item()
        assert ours.grad == pytest.approx(expected, rel=1e-9, abs=1e-9)
