"""Every rule of the table (`autograd.table.PRIMITIVES`) against central finite
differences: first derivatives with `gradcheck`, second derivatives (the rule run on graph
nodes by create_graph=True) with `gradgradcheck`.

Elementwise primitives are covered automatically: one without an entry in ELEMENTWISE is
tested on inputs drawn from [-2, 2] that pass its domain check (`elementwise_inputs`), so
a new one, or one a user defines, is checked by `check_elementwise` without writing a
case. The others need a case in TENSOR_ONLY (shapes and constants matter), and
`test_every_primitive_has_a_case` fails for one without. Each case also checks that its
graph really contains the primitive it is filed under.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import autograd
from autograd import (
    Tensor,
    Value,
    apply,
    concatenate,
    gradcheck,
    gradgradcheck,
    stack,
    topological_order,
)
from autograd.backends import ARRAY, SCALAR
from autograd.fused import FusedTargets
from autograd.table import PRIMITIVES, define
from autograd.windows import Window

RNG_SEED = 1234


def _uniform(rng: np.random.Generator, shape: tuple, low: float, high: float,
             kinks: tuple[float, ...] = ()) -> np.ndarray:
    """Uniform data pushed at least 0.1 away from each kink (central differences need it)."""
    data = rng.uniform(low, high, size=shape)
    for k in kinks:
        data = np.where(np.abs(data - k) < 0.1, k + np.copysign(0.1, data - k), data)
    return data


def _apart(rng: np.random.Generator, shapes: tuple) -> list[np.ndarray]:
    """a (the full shape) and b that differ everywhere by at least 0.1: maximum's kink is a == b."""
    b = rng.uniform(-2, 2, size=shapes[1])
    gap = rng.uniform(0.1, 1.0, size=shapes[0]) * rng.choice([-1.0, 1.0], size=shapes[0])
    return [b + gap, b]


# ---------------------------------------------------------------- elementwise rules
# name -> (ctx, one (low, high, kinks) per input). Values use shape (); tensors use the
# broadcasting shapes in ELEMENTWISE_SHAPES, so unbroadcast is exercised too.
ELEMENTWISE: dict[str, tuple[object, list[tuple]]] = {
    "add": (None, [(-2, 2, ()), (-2, 2, ())]),
    "mul": (None, [(-2, 2, ()), (-2, 2, ())]),
    "add_n": (None, [(-2, 2, ()), (-2, 2, ()), (-2, 2, ())]),
    "neg": (None, [(-2, 2, ())]),
    "pow": (None, [(0.5, 2, ()), (-2, 2, ())]),
    "pow_const": (2.5, [(0.5, 2, ())]),
    "exp": (None, [(-2, 2, ())]),
    "log": (None, [(0.5, 3, ())]),
    "tanh": (None, [(-2, 2, ())]),
    "sigmoid": (None, [(-3, 3, ())]),
    "relu": (None, [(-2, 2, (0.0,))]),
    "abs": (None, [(-2, 2, (0.0,))]),
    "sqrt": (None, [(0.5, 3, ())]),
    "clip": ((-0.5, 0.5), [(-2, 2, (-0.5, 0.5))]),
    "maximum": (None, None),  # inputs from _apart
    # ctx: the condition, one per engine (a bool for a Value, a mask broadcasting for arrays)
    "where": ({"scalar": True, "array": np.array([True, False, True])},
              [(-2, 2, ()), (-2, 2, ())]),
    "log1p": (None, [(-0.9, 2, ())]),
    # piecewise constant: kept away from the jumps (a central difference across one is huge)
    "sign": (None, [(-2, 2, (0.0,))]),
    "floor": (None, [(-1.9, 1.9, (-1.0, 0.0, 1.0))]),
    "ceil": (None, [(-1.9, 1.9, (-1.0, 0.0, 1.0))]),
    "round": (None, [(-1.9, 1.9, (-1.5, -0.5, 0.5, 1.5))]),
    "hardtanh": ((-0.5, 0.5), [(-2, 2, (-0.5, 0.5))]),
    "softsign": (None, [(-2, 2, (0.0,))]),  # |x| kinks its second derivative
}
ELEMENTWISE_SHAPES = {1: [(2, 3)], 2: [(2, 3), (3,)], 3: [(2, 3), (3,), (2, 1)]}
DEFAULT_DOMAIN = (-2.0, 2.0, ())  # for an elementwise primitive without an entry above


def elementwise_case(name: str) -> tuple[object, list | None, int]:
    """(ctx, domains or None for `_apart`, arity) of an elementwise primitive; one without
    an ELEMENTWISE entry gets no ctx and DEFAULT_DOMAIN for each input of its forward."""
    if name in ELEMENTWISE:
        ctx, domains = ELEMENTWISE[name]
        return ctx, domains, 2 if domains is None else len(domains)
    arity = PRIMITIVES[name].arity or 3  # an n-ary one gets three inputs
    return None, [DEFAULT_DOMAIN] * arity, arity


def _ctx_for(ctx: object, engine: str) -> object:
    return ctx[engine] if isinstance(ctx, dict) else ctx


def elementwise_inputs(name: str, shapes: list[tuple], rng: np.random.Generator,
                       engine: str) -> list[np.ndarray]:
    """Inputs of the given shapes inside the primitive's domain: drawn from its domains,
    redrawn (up to 100 times) until its check passes and its value is finite."""
    ctx, domains, _ = elementwise_case(name)
    primitive = PRIMITIVES[name]
    m = SCALAR if engine == "scalar" else ARRAY
    for _ in range(100):
        if domains is None:
            data = _apart(rng, tuple(shapes))
        else:
            data = [_uniform(rng, shape, *domain) for shape, domain in zip(shapes, domains)]
        args = [float(d) for d in data] if engine == "scalar" else data
        try:
            if primitive.check is not None:
                primitive.check(m, _ctx_for(ctx, engine), *args)
            out = primitive.forward(m, _ctx_for(ctx, engine), *args)
        except (ValueError, ZeroDivisionError, ArithmeticError):
            continue
        if np.all(np.isfinite(out)):
            return data
    raise AssertionError(f"{name}: no inputs in its domain found in [-2, 2]")


def _ops_in(root: Value | Tensor) -> set[str]:
    return {node.op for node in topological_order(root)}


def check_elementwise(name: str, engine: str, order: int = 1, seed: int = RNG_SEED) -> None:
    """gradcheck (order 1) or gradgradcheck (order 2) of an elementwise primitive, on
    Values or on broadcasting Tensors; what every elementwise primitive goes through."""
    rng = np.random.default_rng(seed)
    ctx, _, arity = elementwise_case(name)
    ctx = _ctx_for(ctx, engine)
    check = gradcheck if order == 1 else gradgradcheck
    fn = lambda *xs: apply(name, *xs, ctx=ctx)
    if engine == "scalar":
        for _ in range(3):
            inputs = [Value(float(d)) for d in elementwise_inputs(name, [()] * arity, rng,
                                                                 engine)]
            assert fn(*inputs).op == name
            result = check(fn, inputs)
            assert result.ok, f"{name} at {[v.data for v in inputs]}: {result}"
        return
    shapes = ELEMENTWISE_SHAPES[arity]
    inputs = [Tensor(d, requires_grad=True)
              for d in elementwise_inputs(name, shapes, rng, engine)]
    assert name in _ops_in(fn(*inputs))
    result = check(fn, inputs)
    assert result.ok, f"{name}: {result}"
    assert result.checked == sum(t.size for t in inputs)


ELEMENTWISE_NAMES = sorted(name for name, p in PRIMITIVES.items() if p.elementwise)


@pytest.mark.parametrize("name", ELEMENTWISE_NAMES)
def test_elementwise_rule_value_engine(name: str) -> None:
    check_elementwise(name, "scalar")


@pytest.mark.parametrize("name", ELEMENTWISE_NAMES)
def test_elementwise_second_derivatives_value_engine(name: str) -> None:
    check_elementwise(name, "scalar", order=2, seed=RNG_SEED + 5)


@pytest.mark.parametrize("name", ELEMENTWISE_NAMES)
def test_elementwise_second_derivatives_tensor_engine(name: str) -> None:
    check_elementwise(name, "array", order=2, seed=RNG_SEED + 6)


@pytest.mark.parametrize("name", ELEMENTWISE_NAMES)
def test_local_derivatives_match_finite_differences(name: str) -> None:
    """`op.local_derivatives(node)` (what visualize.chain multiplies) is d(node)/d(parent)."""
    rng = np.random.default_rng(RNG_SEED + 1)
    ctx, _, arity = elementwise_case(name)
    ctx = _ctx_for(ctx, "scalar")
    data = [float(d) for d in elementwise_inputs(name, [()] * arity, rng, "scalar")]
    node = apply(name, *[Value(d) for d in data], ctx=ctx)
    local = node._op.local_derivatives(node)
    eps = 1e-6
    for i, got in enumerate(local):
        up, down = list(data), list(data)
        up[i] += eps
        down[i] -= eps
        numeric = (apply(name, *map(Value, up), ctx=ctx).data
                   - apply(name, *map(Value, down), ctx=ctx).data) / (2 * eps)
        assert got == pytest.approx(numeric, rel=1e-5, abs=1e-7), (name, i)


@pytest.mark.parametrize("name", ELEMENTWISE_NAMES)
def test_elementwise_rule_tensor_engine_with_broadcasting(name: str) -> None:
    check_elementwise(name, "array", seed=RNG_SEED + 2)


@pytest.mark.parametrize("name", [n for n in ELEMENTWISE_NAMES
                                  if elementwise_case(n)[2] >= 2])
def test_elementwise_rules_skip_inputs_that_want_no_gradient(name: str) -> None:
    """With one input wanting a gradient (the others constants: `x * mask`, `x ** k`),
    a rule computes nothing for the others: None, or the upstream gradient itself; the
    wanted gradient is what the rule gives when every input wants one. Gradients of
    mixed constants and parameters then pass gradcheck."""
    rng = np.random.default_rng(RNG_SEED + 7)
    ctx, _, arity = elementwise_case(name)
    ctx = _ctx_for(ctx, "array")
    shapes = ELEMENTWISE_SHAPES[arity]
    data = elementwise_inputs(name, shapes, rng, "array")
    primitive = PRIMITIVES[name]
    out = primitive.forward(ARRAY, ctx, *data)
    g = rng.standard_normal(out.shape)
    full = primitive.backward(ARRAY, ctx, (True,) * arity, g, out, *data)
    for wanted in range(arity):
        needs = tuple(i == wanted for i in range(arity))
        grads = primitive.backward(ARRAY, ctx, needs, g, out, *data)
        for i, got in enumerate(grads):
            if i == wanted:
                np.testing.assert_array_equal(got, full[i])
            else:
                assert got is None or got is g, f"{name}: input {i} got a computed gradient"
        inputs = [Tensor(d, requires_grad=i == wanted) for i, d in enumerate(data)]
        result = gradcheck(lambda *xs: apply(name, *xs, ctx=ctx), inputs)
        assert result.ok, f"{name} (only input {wanted} a parameter): {result}"


# ---------------------------------------------------------------- tensor-only rules
def _data(rng: np.random.Generator, *shape: int) -> Tensor:
    return Tensor(rng.uniform(-2, 2, size=shape), requires_grad=True)


def _matmul_cases(rng):
    pairs = [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)),
             ((2, 2, 3), (3, 4)), ((2, 3), (4, 3, 2)), ((2, 1, 2, 3), (5, 3, 2)),
             ((3,), (2, 3, 4)), ((2, 2, 3), (3,))]
    return [(lambda a, b: a @ b, [_data(rng, *p), _data(rng, *q)]) for p, q in pairs]


def _matmul_t_cases(rng):
    """op(a) @ op(b) for every pair of transposes, (2, 3) @ (3, 4) once transposes undone."""
    def operands(transposed):
        a, b = _data(rng, 2, 3), _data(rng, 3, 4)
        return [Tensor(a.data.T.copy(), requires_grad=True) if transposed[0] else a,
                Tensor(b.data.T.copy(), requires_grad=True) if transposed[1] else b]
    return [(lambda a, b, t=t: apply("matmul_t", a, b, ctx=t), operands(t))
            for t in ((False, True), (True, False), (True, True), (False, False))]


def _linear_cases(rng):
    shapes = [(3,), (2, 3), (2, 2, 3)]  # x of any leading shape; w (3, 4); b (4,)
    return [(lambda x, w, b: apply("linear", x, w, b),
             [_data(rng, *shape), _data(rng, 3, 4), _data(rng, 4)]) for shape in shapes]


def _reduction_cases(method: str) -> Callable:
    def cases(rng):
        x = _data(rng, 2, 3, 4)
        calls = [lambda t: getattr(t, method)(), lambda t: getattr(t, method)(axis=1),
                 lambda t: getattr(t, method)(axis=(0, 2), keepdims=True),
                 lambda t: getattr(t, method)(axis=-1, keepdims=True)]
        return [(call, [x]) for call in calls]
    return cases


def _getitem_cases(rng):
    x = _data(rng, 4, 3)
    mask = np.array([[True, False, True], [False, False, True], [True, True, True],
                     [False, False, False]])
    indexers = [lambda t: t[1:, ::-1], lambda t: t[2], lambda t: t[[0, 0, 3, 0]],
                lambda t: t[np.arange(4), np.array([2, 0, 0, 1])],
                lambda t: t[np.array([1, 1, 1]), np.array([2, 2, 0])], lambda t: t[mask],
                lambda t: t[..., None, 1]]
    return [(ix, [x]) for ix in indexers]


def _fused_cases(rng):
    z = _data(rng, 4, 3)
    probs = rng.dirichlet(np.ones(3), size=4)
    targets = [FusedTargets(np.array([0, 2, 2, 1]), None, (4, 3), r) for r in ("mean", "sum")]
    targets += [FusedTargets(None, probs, (4, 3), "mean"),
                FusedTargets(np.array([1, 0, 2, 2]), None, (4, 3), "none")]
    return [(lambda t, c=c: apply("softmax_cross_entropy", t, ctx=c), [z]) for c in targets]


# Windows of every kind: strides, padding (0 and -inf), dilation, overlapping or not.
WINDOWS = [Window((3, 3), padding=(1, 1)), Window((2, 3), (2, 1), (1, 1), (1, 2)),
           Window((2, 2), (2, 2)), Window((3, 2), (1, 2), (1, 1), (2, 1), fill=-np.inf)]


def _im2col_cases(rng):
    # With a -inf fill the windows' maxima are taken, so that the output is finite.
    return [(lambda t, w=w: apply("im2col", t, ctx=w) if w.fill == 0
             else apply("im2col", t, ctx=w).max(axis=0), [_data(rng, 2, 2, 5, 4)])
            for w in WINDOWS]


def _col2im_cases(rng):
    cases = []
    for w in WINDOWS[:3]:
        rows = 2 * int(np.prod(w.output_size(5, 4)))
        cases.append((lambda t, w=w: apply("col2im", t, ctx=(w, (2, 5, 4))),
                      [_data(rng, 2 * w.kernel[0] * w.kernel[1], rows)]))
    return cases


TENSOR_ONLY: dict[str, Callable] = {
    "matmul": _matmul_cases,
    "matmul_t": _matmul_t_cases,
    "linear": _linear_cases,
    "sum": _reduction_cases("sum"),
    "max": _reduction_cases("max"),
    "min": _reduction_cases("min"),
    "reshape": lambda rng: [(lambda t: t.reshape(3, -1), [_data(rng, 2, 3, 2)]),
                            (lambda t: t.reshape(()), [_data(rng, 1, 1)])],
    "transpose": lambda rng: [(lambda t: t.transpose(2, 0, 1), [_data(rng, 2, 3, 4)]),
                              (lambda t: t.T, [_data(rng, 2, 3)])],
    "getitem": _getitem_cases,
    "softmax": lambda rng: [(lambda t: apply("softmax", t, ctx=1), [_data(rng, 4, 3)]),
                            (lambda t: apply("softmax", t, ctx=0), [_data(rng, 3, 2)])],
    "broadcast_to": lambda rng: [(lambda t: apply("broadcast_to", t, ctx=(2, 3, 4)),
                                  [_data(rng, 3, 1)]),
                                 (lambda t: apply("broadcast_to", t, ctx=(2, 3)), [_data(rng, 3)])],
    "scatter_add": lambda rng: [
        (lambda t: apply("scatter_add", t, ctx=((np.array([0, 2, 0]),), False, (3, 2))),
         [_data(rng, 3, 2)]),
        (lambda t: apply("scatter_add", t, ctx=((slice(1, 3), 1), True, (4, 2))),
         [_data(rng, 2)])],
    "concatenate": lambda rng: [
        (lambda a, b: concatenate([a, b], axis=1), [_data(rng, 2, 3), _data(rng, 2, 1)]),
        (lambda a, b, c: concatenate([a, b, c]), [_data(rng, 1, 2), _data(rng, 3, 2),
                                                  _data(rng, 2, 2)])],
    "stack": lambda rng: [
        (lambda a, b, c: stack([a, b, c], axis=-1), [_data(rng, 2, 3) for _ in range(3)]),
        (lambda a, b: stack([a, b]), [_data(rng, 3), _data(rng, 3)])],
    # The fused op is also checked against the composed loss in tests/test_functional.py.
    "softmax_cross_entropy": _fused_cases,
    "im2col": _im2col_cases,
    "col2im": _col2im_cases,
    "cumsum": lambda rng: [(lambda t, a=axis: t.cumsum(axis=a), [_data(rng, 2, 3, 4)])
                           for axis in (0, 1, -1)] + [(lambda t: t.cumsum(), [_data(rng, 5)])],
}


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("name", sorted(TENSOR_ONLY))
def test_tensor_rule(name: str, order: int) -> None:
    rng = np.random.default_rng(RNG_SEED + 3)
    check = gradcheck if order == 1 else gradgradcheck
    for fn, inputs in TENSOR_ONLY[name](rng):
        assert name in _ops_in(fn(*inputs))
        result = check(fn, inputs)
        assert result.ok, f"{name}: {result}"


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fused_rule_value_engine(reduction: str, order: int) -> None:
    """The fused node on the scalar engine: N*C Value logits, row-major."""
    rng = np.random.default_rng(RNG_SEED + 4)
    z = [Value(float(v)) for v in rng.uniform(-2, 2, size=6)]
    ctx = FusedTargets([2, 0], None, (2, 3), reduction)
    fn = lambda *zs: apply("softmax_cross_entropy", *zs, ctx=ctx)
    assert fn(*z).op == "softmax_cross_entropy"
    check = gradcheck if order == 1 else gradgradcheck
    assert check(fn, z).ok


# ---------------------------------------------------------------- coverage of the table
def test_every_primitive_has_a_case() -> None:
    elementwise = {name for name, p in PRIMITIVES.items() if p.elementwise}
    assert set(ELEMENTWISE) <= elementwise  # each of these is also run on Values
    assert set(TENSOR_ONLY) == set(PRIMITIVES) - elementwise


def test_a_name_is_defined_once() -> None:
    with pytest.raises(ValueError, match="'add' is already defined"):
        define("add", lambda m, c, a: a, lambda m, c, n, g, out, a: (g,))
    assert PRIMITIVES["add"] is autograd.ops.ADD
