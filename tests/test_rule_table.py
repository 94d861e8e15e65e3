"""Every rule in `autograd.ops.PRIMITIVES` against central finite differences (`gradcheck`).

The cases are keyed by primitive name and the key sets are compared with the table, so a
new primitive without a case here fails `test_every_primitive_has_a_case`. Each case also
checks that its graph really contains the primitive it is filed under.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import autograd
from autograd import Tensor, Value, apply, concatenate, gradcheck, stack, topological_order
from autograd.fused import FusedTargets
from autograd.ops import PRIMITIVES, define

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
}
ELEMENTWISE_SHAPES = {1: [(2, 3)], 2: [(2, 3), (3,)], 3: [(2, 3), (3,), (2, 1)]}


def _elementwise_inputs(name: str, shapes: list[tuple], rng: np.random.Generator) -> list:
    ctx, domains = ELEMENTWISE[name]
    if domains is None:
        return _apart(rng, tuple(shapes))
    return [_uniform(rng, shape, *domain) for shape, domain in zip(shapes, domains)]


def _arity(name: str) -> int:
    domains = ELEMENTWISE[name][1]
    return 2 if domains is None else len(domains)


def _ops_in(root: Value | Tensor) -> set[str]:
    return {node.op for node in topological_order(root)}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_rule_value_engine(name: str) -> None:
    rng = np.random.default_rng(RNG_SEED)
    ctx = ELEMENTWISE[name][0]
    for _ in range(3):
        data = _elementwise_inputs(name, [()] * _arity(name), rng)
        inputs = [Value(float(d)) for d in data]
        fn = lambda *vs: apply(name, *vs, ctx=ctx)
        assert fn(*inputs).op == name
        result = gradcheck(fn, inputs)
        assert result.ok, f"{name} at {[v.data for v in inputs]}: {result}"


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_local_derivatives_match_finite_differences(name: str) -> None:
    """`op.local_derivatives(node)` (what visualize.chain multiplies) is d(node)/d(parent)."""
    rng = np.random.default_rng(RNG_SEED + 1)
    ctx = ELEMENTWISE[name][0]
    data = [float(d) for d in _elementwise_inputs(name, [()] * _arity(name), rng)]
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


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_rule_tensor_engine_with_broadcasting(name: str) -> None:
    rng = np.random.default_rng(RNG_SEED + 2)
    ctx = ELEMENTWISE[name][0]
    shapes = ELEMENTWISE_SHAPES[_arity(name)]
    inputs = [Tensor(d, requires_grad=True) for d in _elementwise_inputs(name, shapes, rng)]
    fn = lambda *ts: apply(name, *ts, ctx=ctx)
    assert name in _ops_in(fn(*inputs))
    result = gradcheck(fn, inputs)
    assert result.ok, f"{name}: {result}"
    assert result.checked == sum(t.size for t in inputs)


# ---------------------------------------------------------------- tensor-only rules
def _data(rng: np.random.Generator, *shape: int) -> Tensor:
    return Tensor(rng.uniform(-2, 2, size=shape), requires_grad=True)


def _matmul_cases(rng):
    pairs = [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)),
             ((2, 2, 3), (3, 4)), ((2, 3), (4, 3, 2)), ((2, 1, 2, 3), (5, 3, 2)),
             ((3,), (2, 3, 4)), ((2, 2, 3), (3,))]
    return [(lambda a, b: a @ b, [_data(rng, *p), _data(rng, *q)]) for p, q in pairs]


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


TENSOR_ONLY: dict[str, Callable] = {
    "matmul": _matmul_cases,
    "linear": _linear_cases,
    "sum": _reduction_cases("sum"),
    "max": _reduction_cases("max"),
    "min": _reduction_cases("min"),
    "reshape": lambda rng: [(lambda t: t.reshape(3, -1), [_data(rng, 2, 3, 2)]),
                            (lambda t: t.reshape(()), [_data(rng, 1, 1)])],
    "transpose": lambda rng: [(lambda t: t.transpose(2, 0, 1), [_data(rng, 2, 3, 4)]),
                              (lambda t: t.T, [_data(rng, 2, 3)])],
    "getitem": _getitem_cases,
    "concatenate": lambda rng: [
        (lambda a, b: concatenate([a, b], axis=1), [_data(rng, 2, 3), _data(rng, 2, 1)]),
        (lambda a, b, c: concatenate([a, b, c]), [_data(rng, 1, 2), _data(rng, 3, 2),
                                                  _data(rng, 2, 2)])],
    "stack": lambda rng: [
        (lambda a, b, c: stack([a, b, c], axis=-1), [_data(rng, 2, 3) for _ in range(3)]),
        (lambda a, b: stack([a, b]), [_data(rng, 3), _data(rng, 3)])],
    # The fused op is also checked against the composed loss in tests/test_functional.py.
    "softmax_cross_entropy": _fused_cases,
}


@pytest.mark.parametrize("name", sorted(TENSOR_ONLY))
def test_tensor_rule(name: str) -> None:
    rng = np.random.default_rng(RNG_SEED + 3)
    for fn, inputs in TENSOR_ONLY[name](rng):
        assert name in _ops_in(fn(*inputs))
        result = gradcheck(fn, inputs)
        assert result.ok, f"{name}: {result}"


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fused_rule_value_engine(reduction: str) -> None:
    """The fused node on the scalar engine: N*C Value logits, row-major."""
    rng = np.random.default_rng(RNG_SEED + 4)
    z = [Value(float(v)) for v in rng.uniform(-2, 2, size=6)]
    ctx = FusedTargets(np.array([2, 0]), None, (2, 3), reduction)
    fn = lambda *zs: apply("softmax_cross_entropy", *zs, ctx=ctx)
    assert fn(*z).op == "softmax_cross_entropy"
    assert gradcheck(fn, z).ok


# ---------------------------------------------------------------- coverage of the table
def test_every_primitive_has_a_case() -> None:
    assert set(ELEMENTWISE) | set(TENSOR_ONLY) == set(PRIMITIVES)
    assert not set(ELEMENTWISE) & set(TENSOR_ONLY)
    elementwise = {name for name, p in PRIMITIVES.items() if p.elementwise}
    assert set(ELEMENTWISE) == elementwise  # each of these is also run on Values


def test_a_name_is_defined_once() -> None:
    with pytest.raises(ValueError, match="'add' is already defined"):
        define("add", lambda m, c, a: a, lambda m, c, n, g, out, a: (g,))
    assert PRIMITIVES["add"] is autograd.ops.ADD
