"""nn.functional softmax / log_softmax / cross_entropy, composed and fused, both engines.

Oracles: the published Neural Networks from Scratch numbers, closed forms worked by
hand ((S - Y) / N, diag(S) - S S^T, z - logsumexp z), finite differences
(`autograd.gradcheck`) and PyTorch behind `pytest.importorskip("torch")`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import Tensor, Value, gradcheck, topological_order
from nn import functional as F  # noqa: N812 - the conventional name

# ---------------------------------------------------------------- published NNFS example
NNFS_SOFTMAX = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
NNFS_TARGETS = np.array([0, 1, 1])
NNFS_GRADIENT = np.array([[-0.1, 0.0333, 0.0667],
                          [0.0333, -0.1667, 0.1333],
                          [0.0067, -0.0333, 0.0267]])  # as printed, 4 decimals
NNFS_LOSS = (-math.log(0.7) - math.log(0.5) - math.log(0.9)) / 3
JACOBIAN_S = np.array([0.7, 0.1, 0.2])
JACOBIAN_PUBLISHED = np.array([[0.21, -0.07, -0.14],
                               [-0.07, 0.09, -0.02],
                               [-0.14, -0.02, 0.16]])

ENGINES = ("tensor", "value")
REDUCTIONS = ("mean", "sum", "none")


# ---------------------------------------------------------------- helpers
def one_hot(indices: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c)[np.asarray(indices)]


def value_rows(data: np.ndarray) -> list[list[Value]]:
    return [[Value(float(x)) for x in row] for row in data]


def run_loss(engine: str, logits: np.ndarray, targets: object, fused: bool,
             reduction: str = "mean", weights: np.ndarray | None = None,
             ) -> tuple[np.ndarray, np.ndarray]:
    """Loss (array: scalar or per-sample) and d(loss . weights)/d(logits) from fresh leaves.

    For reduction "none" the backward seed is `weights` (one per sample).
    """
    if engine == "tensor":
        leaf = Tensor(logits.copy(), requires_grad=True)
        loss = F.cross_entropy(leaf, targets, fused=fused, reduction=reduction)
        loss.backward(weights if reduction == "none" else None)
        return np.asarray(loss.data, dtype=np.float64), np.asarray(leaf.grad, dtype=np.float64)
    rows = value_rows(logits)
    loss = F.cross_entropy(rows, targets, fused=fused, reduction=reduction)
    if reduction == "none":
        for item, w in zip(loss, weights):  # leaf grads accumulate across calls
            item.backward(float(w))
        values = np.array([item.data for item in loss])
    else:
        loss.backward()
        values = np.asarray(loss.data)
    return values, np.array([[v.grad for v in row] for row in rows])


def closed_form(logits: np.ndarray, probs: np.ndarray, reduction: str,
                weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample loss -sum y log softmax(z) and its gradient (S - Y) scaled by the reduction."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_s = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    s = np.exp(log_s)
    losses = -(np.where(probs > 0, probs * log_s, 0.0)).sum(axis=1)
    grad = s - probs
    if reduction == "mean":
        return np.asarray(losses.mean()), grad / len(logits)
    if reduction == "sum":
        return np.asarray(losses.sum()), grad
    return losses, grad * weights[:, None]


def rel_diff(a: np.ndarray, b: np.ndarray, floor: float = 0.0) -> float:
    """max |a - b| relative to max(|a|, |b|, floor) (the plain difference if all are 0)."""
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), floor)
    diff = float(np.max(np.abs(a - b)))
    return diff / scale if scale > 0 else diff


def natural_scale(reduction: str, n: int, weights: np.ndarray) -> float:
    """The factor in front of (S - Y): 1/N (mean), 1 (sum), max |seed| (none).

    Each gradient entry is factor * (S_ij - Y_ij), a difference of numbers of size
    up to 1, so float64 can only promise about eps * factor absolutely. When every
    row is confidently right (S_y = 1 - 1e-9, say) the gradient is tiny and two
    correct roundings differ by much more than 1e-12 of max |grad|.
    """
    if reduction == "mean":
        return 1.0 / n
    return 1.0 if reduction == "sum" else float(np.max(np.abs(weights)))


def nonleaf(root: object) -> list:
    return [node for node in topological_order(root) if node.op]


# ---------------------------------------------------------------- published numbers
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
@pytest.mark.parametrize("kind", ["indices", "one_hot"])
def test_nnfs_published_gradient_and_loss(engine: str, fused: bool, kind: str) -> None:
    targets = NNFS_TARGETS if kind == "indices" else one_hot(NNFS_TARGETS, 3)
    loss, grad = run_loss(engine, np.log(NNFS_SOFTMAX), targets, fused)
    np.testing.assert_allclose(grad, NNFS_GRADIENT, rtol=0, atol=0.5e-4)  # as published
    exact = (NNFS_SOFTMAX - one_hot(NNFS_TARGETS, 3)) / 3
    np.testing.assert_allclose(grad, exact, rtol=0, atol=1e-12)
    assert float(loss) == pytest.approx(NNFS_LOSS, rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_softmax_jacobian_row_by_row(engine: str) -> None:
    expected = np.diag(JACOBIAN_S) - np.outer(JACOBIAN_S, JACOBIAN_S)
    np.testing.assert_allclose(expected, JACOBIAN_PUBLISHED, atol=1e-15)  # the oracle itself
    rows = []
    for i in range(3):
        if engine == "tensor":
            z = Tensor(np.log(JACOBIAN_S), requires_grad=True)
            out = F.softmax(z)
            out[i].backward()
            rows.append(z.grad)
            np.testing.assert_allclose(out.data, JACOBIAN_S, atol=1e-15)
        else:
            z = [Value(math.log(s)) for s in JACOBIAN_S]
            out = F.softmax(z)
            out[i].backward()
            rows.append([v.grad for v in z])
            np.testing.assert_allclose([o.data for o in out], JACOBIAN_S, atol=1e-15)
    np.testing.assert_allclose(np.array(rows), JACOBIAN_PUBLISHED, rtol=0, atol=1e-12)


def test_softmax_jacobian_batched_tensor_rows_independent() -> None:
    # Two rows in one (2, C) tensor: output (0, i) depends on row 0 only.
    s2 = np.array([0.25, 0.25, 0.5])
    z = Tensor(np.log(np.stack([JACOBIAN_S, s2])), requires_grad=True)
    out = F.softmax(z, axis=1)
    out[0, 1].backward()
    np.testing.assert_allclose(z.grad[0], JACOBIAN_PUBLISHED[1], atol=1e-12)
    np.testing.assert_array_equal(z.grad[1], 0.0)


# ---------------------------------------------------------------- softmax / log_softmax
Z = np.array([[0.3, -1.2, 2.5, 0.0], [4.0, 4.0, -3.0, 1.5]])
W = np.array([[1.0, -2.0, 0.5, 3.0], [0.25, 1.0, -1.0, 2.0]])


def _closed_softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _run_unary(engine: str, fn, z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """fn(z) and d(sum w * fn(z))/dz."""
    if engine == "tensor":
        leaf = Tensor(z.copy(), requires_grad=True)
        out = fn(leaf)
        (out * w).sum().backward()
        return out.data, leaf.grad
    rows = value_rows(z)
    outs = [fn(row) for row in rows]
    Value.sum([o * float(wi) for orow, wrow in zip(outs, w)
               for o, wi in zip(orow, wrow) if wi != 0]).backward()
    return (np.array([[o.data for o in orow] for orow in outs]),
            np.array([[v.grad for v in row] for row in rows]))


@pytest.mark.parametrize("engine", ENGINES)
def test_log_softmax_closed_form(engine: str) -> None:
    out, grad = _run_unary(engine, F.log_softmax, Z, W)
    expected = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-14)
    s = _closed_softmax(Z)  # d/dz sum_j w_j (z_j - lse z) = w - S sum_j w_j
    np.testing.assert_allclose(grad, W - s * W.sum(axis=1, keepdims=True), rtol=0, atol=1e-13)


@pytest.mark.parametrize("engine", ENGINES)
def test_softmax_closed_form(engine: str) -> None:
    out, grad = _run_unary(engine, F.softmax, Z, W)
    s = _closed_softmax(Z)
    np.testing.assert_allclose(out, s, rtol=0, atol=1e-15)
    # J^T w with J = diag(S) - S S^T: S * (w - S.w)
    expected = s * (W - (s * W).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(grad, expected, rtol=0, atol=1e-14)


@pytest.mark.parametrize("engine", ENGINES)
def test_extreme_logits_stay_finite(engine: str) -> None:
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -999.0, -1000.0]])
    w = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    zc = z - z.max(axis=1, keepdims=True)  # closed forms, shifted by hand
    s = np.exp(zc) / np.exp(zc).sum(axis=1, keepdims=True)
    out, grad = _run_unary(engine, F.softmax, z, w)
    assert np.isfinite(out).all() and np.isfinite(grad).all()
    np.testing.assert_allclose(out, s, rtol=0, atol=1e-15)
    np.testing.assert_allclose(grad, s * (w - (s * w).sum(axis=1, keepdims=True)), atol=1e-13)
    out, grad = _run_unary(engine, F.log_softmax, z, w)
    assert np.isfinite(out).all() and np.isfinite(grad).all()
    np.testing.assert_allclose(out[0], [0.0, -2000.0, -1000.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out[1], zc[1] - np.log(np.exp(zc[1]).sum()), atol=1e-13)
    np.testing.assert_allclose(grad, w - s * w.sum(axis=1, keepdims=True), atol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
def test_cross_entropy_extreme_logits(engine: str, fused: bool) -> None:
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
    y = np.array([1, 2])
    loss, grad = run_loss(engine, z, y, fused)
    assert np.isfinite(loss) and np.isfinite(grad).all()
    # row 0: -log S_1 = 2000 (+ log(1 + e^-1000 + e^-2000) which rounds to 0);
    # row 1: -log S_2 = 1 + log(1 + e^-1)
    assert float(loss) == pytest.approx((2000.0 + 1.0 + math.log1p(math.exp(-1.0))) / 2,
                                        rel=1e-14)
    expected_loss, expected_grad = closed_form(z, one_hot(y, 3), "mean")
    assert float(loss) == pytest.approx(float(expected_loss), rel=1e-14)
    np.testing.assert_allclose(grad, expected_grad, rtol=0, atol=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
def test_minus_inf_logit_gives_zero_probability_and_zero_gradient(engine: str) -> None:
    z = np.array([[0.0, -np.inf, 1.0]])
    s = np.array([[1.0, 0.0, math.e]]) / (1.0 + math.e)
    w = np.array([[1.0, 2.0, 3.0]])
    out, grad = _run_unary(engine, F.softmax, z, w)
    assert out[0, 1] == 0.0 and grad[0, 1] == 0.0
    assert not np.isnan(grad).any()
    np.testing.assert_allclose(out, s, atol=1e-15)
    np.testing.assert_allclose(grad, s * (w - (s * w).sum()), atol=1e-14)
    # log_softmax: -inf stays -inf; a loss over the finite entries has gradient 0 there
    # (picked by indexing: multiplying -inf by a weight 0 would itself make a NaN)
    if engine == "tensor":
        leaf = Tensor(z.copy(), requires_grad=True)
        out = F.log_softmax(leaf)
        (out[0, 0] + out[0, 2]).backward()
        values, grad = out.data[0], leaf.grad[0]
    else:
        leaves = [Value(float(x)) for x in z[0]]
        out = F.log_softmax(leaves)
        (out[0] + out[2]).backward()
        values, grad = np.array([o.data for o in out]), np.array([v.grad for v in leaves])
    assert values[1] == -np.inf and np.isfinite(values[[0, 2]]).all()
    np.testing.assert_allclose(values[[0, 2]], np.log(s[0, [0, 2]]), atol=1e-15)
    assert grad[1] == 0.0 and not np.isnan(grad).any()
    w = np.array([1.0, 0.0, 1.0])
    np.testing.assert_allclose(grad, w - s[0] * w.sum(), atol=1e-14)


# ---------------------------------------------------------------- reductions and dtypes
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kind", ["indices", "probs"])
def test_reductions_closed_form(engine: str, fused: bool, reduction: str, kind: str) -> None:
    z = np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 1.0], [-3.0, 0.0, 0.25], [2.0, -2.0, 0.0]])
    idx = np.array([2, 0, 1, 1])
    probs = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 0.75, 0.25], [0.0, 1.0, 0.0]])
    targets, y = (idx, one_hot(idx, 3)) if kind == "indices" else (probs, probs)
    weights = np.array([1.0, -0.5, 2.0, 3.0])
    loss, grad = run_loss(engine, z, targets, fused, reduction, weights)
    expected_loss, expected_grad = closed_form(z, y, reduction, weights)
    assert loss.shape == expected_loss.shape
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-13, atol=0)
    np.testing.assert_allclose(grad, expected_grad, rtol=0, atol=1e-14)


@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
def test_scalar_engine_single_sample(fused: bool) -> None:
    z = [Value(math.log(p)) for p in (0.1, 0.5, 0.4)]
    loss = F.cross_entropy(z, 1, fused=fused)
    loss.backward()
    assert loss.data == pytest.approx(-math.log(0.5), rel=1e-14)
    np.testing.assert_allclose([v.grad for v in z], [0.1, -0.5, 0.4], atol=1e-15)


@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kind", ["indices", "probs"])
def test_float32_is_kept(fused: bool, reduction: str, kind: str) -> None:
    z64 = np.log(NNFS_SOFTMAX)
    targets = NNFS_TARGETS if kind == "indices" else one_hot(NNFS_TARGETS, 3)
    leaf = Tensor(z64.astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(leaf, targets, fused=fused, reduction=reduction)
    weights = np.ones(3, dtype=np.float32)
    loss.backward(weights if reduction == "none" else None)
    assert loss.data.dtype == np.float32 and leaf.grad.dtype == np.float32
    expected_loss, expected_grad = closed_form(z64, one_hot(NNFS_TARGETS, 3), reduction,
                                               np.ones(3))
    np.testing.assert_allclose(loss.data, expected_loss, rtol=1e-6)
    np.testing.assert_allclose(leaf.grad, expected_grad, atol=1e-6)


def test_softmax_float32_is_kept() -> None:
    z = Tensor(np.log(NNFS_SOFTMAX).astype(np.float32), requires_grad=True)
    for fn in (F.softmax, F.log_softmax):
        z.grad = None
        out = fn(z)
        out.sum().backward()
        assert out.data.dtype == np.float32 and z.grad.dtype == np.float32
    np.testing.assert_allclose(F.softmax(z).data, NNFS_SOFTMAX, atol=1e-6)


# ---------------------------------------------------------------- hypothesis: fused == composed
@st.composite
def problems(draw, max_n: int = 4, max_c: int = 6):
    """(logits (N, C) float64, targets, closed-form probability rows, reduction, weights)."""
    n = draw(st.integers(1, max_n))
    c = draw(st.integers(2, max_c))
    scale = draw(st.sampled_from([0.1, 1.0, 10.0, 1000.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    logits = rng.standard_normal((n, c)) * scale
    if draw(st.booleans()):
        targets = rng.integers(0, c, size=n)
        probs = one_hot(targets, c)
    else:
        probs = rng.dirichlet(np.ones(c), size=n)
        probs[rng.random((n, c)) < 0.3] = 0.0  # some classes get exactly 0
        probs[np.arange(n), rng.integers(0, c, size=n)] += 0.5
        probs /= probs.sum(axis=1, keepdims=True)
        targets = probs
    reduction = draw(st.sampled_from(REDUCTIONS))
    weights = rng.standard_normal(n)
    return logits, targets, probs, reduction, weights


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_fused_equals_composed_in_both_engines(problem) -> None:
    logits, targets, probs, reduction, weights = problem
    results = {(engine, fused): run_loss(engine, logits, targets, fused, reduction, weights)
               for engine in ENGINES for fused in (False, True)}
    ref_loss, ref_grad = results[("tensor", False)]
    floor = natural_scale(reduction, len(logits), weights)
    for key, (loss, grad) in results.items():
        assert loss.shape == ref_loss.shape, key
        assert np.isfinite(loss).all() and np.isfinite(grad).all(), key
        # relative to max |grad|, floored at the factor in front of (S - Y): see natural_scale
        assert rel_diff(grad, ref_grad, floor) <= 1e-12, key
        np.testing.assert_allclose(loss, ref_loss, rtol=1e-12, atol=1e-12, err_msg=str(key))
    # and all of them against the closed form (S - Y) / N
    expected_loss, expected_grad = closed_form(logits, probs, reduction, weights)
    assert rel_diff(ref_grad, expected_grad, floor) <= 1e-12
    np.testing.assert_allclose(ref_loss, expected_loss, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(7, 3), (2, 9)], ids=["more rows", "more classes"])
def test_fused_on_fortran_ordered_logits(shape: tuple[int, int], reduction: str) -> None:
    # The fused op indexes the targets by flat position: a transposed (F-ordered) leaf
    # must give the same loss and gradient as a C-ordered copy.
    rng = np.random.default_rng(5)
    n, c = shape
    data, targets = rng.standard_normal((c, n)).T, rng.integers(0, c, size=n)
    results = []
    for array in (data, np.ascontiguousarray(data)):
        z = Tensor(array, requires_grad=True)
        loss = F.cross_entropy(z, targets, fused=True, reduction=reduction)
        loss.backward(np.ones(loss.shape))
        results.append((loss.data, z.grad))
    (loss_f, grad_f), (loss_c, grad_c) = results
    assert not data.flags.c_contiguous
    np.testing.assert_array_equal(loss_f, loss_c)
    np.testing.assert_array_equal(grad_f, grad_c)
    expected = np.exp(data) / np.exp(data).sum(axis=1, keepdims=True)
    expected[np.arange(n), targets] -= 1.0
    np.testing.assert_allclose(grad_c, expected / (n if reduction == "mean" else 1),
                               rtol=1e-12, atol=1e-15)


def _tensor_fn(targets, fused: bool, reduction: str):
    return lambda z: F.cross_entropy(z, targets, fused=fused, reduction=reduction)


def _value_fn(shape, targets, fused: bool, reduction: str, weights):
    n, c = shape

    def fn(*flat: Value) -> Value:
        rows = [list(flat[i * c:(i + 1) * c]) for i in range(n)]
        loss = F.cross_entropy(rows, targets, fused=fused, reduction=reduction)
        if reduction == "none":
            return Value.sum([item * float(w) for item, w in zip(loss, weights)])
        return loss
    return fn


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_n=3, max_c=4))
def test_both_paths_match_finite_differences(problem) -> None:
    logits, targets, _, reduction, weights = problem
    for fused in (False, True):
        leaf = Tensor(logits.copy(), requires_grad=True)
        result = gradcheck(_tensor_fn(targets, fused, reduction), [leaf])
        assert result.ok, f"tensor fused={fused}: {result}"
        flat = [Value(float(x)) for x in logits.ravel()]
        result = gradcheck(_value_fn(logits.shape, targets, fused, reduction, weights), flat)
        assert result.ok, f"value fused={fused}: {result}"


# ---------------------------------------------------------------- graph structure and scopes
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["indices", "probs"])
def test_composed_graph_is_made_of_primitives(engine: str, kind: str) -> None:
    targets = NNFS_TARGETS if kind == "indices" else one_hot(NNFS_TARGETS, 3)
    inputs = (Tensor(np.log(NNFS_SOFTMAX), requires_grad=True) if engine == "tensor"
              else value_rows(np.log(NNFS_SOFTMAX)))
    loss = F.cross_entropy(inputs, targets)
    ops = {node.op for node in topological_order(loss)}
    assert "softmax_cross_entropy" not in ops
    assert {"exp", "log"} <= ops
    assert ops & {"sum", "add_n"}
    fused = F.cross_entropy(inputs, targets, fused=True)
    assert len(nonleaf(loss)) > len(nonleaf(fused))


def test_scalar_composed_node_count_grows_with_classes_and_samples() -> None:
    def count(n: int, c: int) -> int:
        rows = value_rows(np.arange(n * c, dtype=float).reshape(n, c) / 7)
        return len(nonleaf(F.cross_entropy(rows, np.zeros(n, dtype=int))))
    counts = [count(1, c) for c in (2, 3, 5, 8)]
    assert counts == sorted(counts) and len(set(counts)) == 4
    # at least an exp per logit (plus shifts): the graph is per scalar
    assert all(k >= 2 * c for k, c in zip(counts, (2, 3, 5, 8)))
    assert count(2, 3) > count(1, 3) and count(4, 3) > count(2, 3)


@pytest.mark.parametrize("kind", ["indices", "probs"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_fused_tensor_graph_is_one_node(kind: str, reduction: str) -> None:
    leaf = Tensor(np.log(NNFS_SOFTMAX), requires_grad=True)
    targets = NNFS_TARGETS if kind == "indices" else one_hot(NNFS_TARGETS, 3)
    loss = F.cross_entropy(leaf, targets, fused=True, reduction=reduction)
    nodes = nonleaf(loss)
    assert len(nodes) == 1 and nodes[0] is loss
    assert loss.op == "softmax_cross_entropy" and loss.parents == (leaf,)


def test_fused_value_graph_is_one_node_over_every_logit() -> None:
    rows = value_rows(np.log(NNFS_SOFTMAX))
    loss = F.cross_entropy(rows, NNFS_TARGETS, fused=True)
    assert [node.op for node in nonleaf(loss)] == ["softmax_cross_entropy"]
    assert loss.parents == tuple(v for row in rows for v in row)


@pytest.mark.parametrize("engine", ENGINES)
def test_composed_nodes_carry_scopes(engine: str) -> None:
    inputs = (Tensor(np.log(NNFS_SOFTMAX), requires_grad=True) if engine == "tensor"
              else value_rows(np.log(NNFS_SOFTMAX)))
    nodes = nonleaf(F.cross_entropy(inputs, NNFS_TARGETS))
    assert all(node.scope is not None for node in nodes)
    assert {node.scope.path.split("/")[0] for node in nodes} == {"cross_entropy"}
    names = {node.scope.name for node in nodes}
    assert {"cross_entropy", "log_softmax"} <= names
    exps = [node for node in nodes if node.op == "exp"]
    assert exps and all(node.scope.name == "log_softmax" for node in exps)
    assert all(node.scope.parent.name == "cross_entropy" for node in exps)

    softmax_out = F.softmax(inputs if engine == "tensor" else inputs[0])
    roots = [softmax_out] if engine == "tensor" else softmax_out
    nodes = [node for root in roots for node in nonleaf(root)]
    assert nodes and {node.scope.name for node in nodes} == {"softmax"}
    assert len({id(node.scope) for node in nodes}) == 1  # one Scope object per call


# ---------------------------------------------------------------- compare_gradients
@pytest.mark.parametrize("engine", ENGINES)
def test_compare_gradients_report(engine: str) -> None:
    logits = np.log(NNFS_SOFTMAX)
    inputs = logits if engine == "tensor" else value_rows(logits)
    report = F.compare_gradients(inputs, NNFS_TARGETS, repeats=2)
    assert report.engine == {"tensor": "tensor", "value": "scalar"}[engine]
    assert report.shape == (3, 3) and report.dtype == "float64"
    assert report.ok and report.tolerance == 1e-12
    exact = (NNFS_SOFTMAX - one_hot(NNFS_TARGETS, 3)) / 3
    np.testing.assert_allclose(report.grad_fused, exact, atol=1e-12)
    np.testing.assert_allclose(report.grad_composed, exact, atol=1e-12)
    assert report.loss_fused == pytest.approx(NNFS_LOSS, rel=1e-12)
    assert report.loss_composed == pytest.approx(NNFS_LOSS, rel=1e-12)
    diff = np.max(np.abs(report.grad_fused - report.grad_composed))
    assert report.max_abs_diff == diff
    # relative to the gradient's natural scale: max(max |g|, 1/N) for the mean
    scale = max(np.max(np.abs(report.grad_composed)), 1 / 3)
    assert report.max_rel_diff == pytest.approx(diff / scale, rel=1e-12, abs=0)
    assert 0 < report.nodes_fused < report.nodes_composed
    for t in (report.forward_fused, report.backward_fused, report.forward_composed,
              report.backward_composed):
        assert t > 0
    text = str(report)
    assert "fused" in text and "composed" in text and "graph nodes" in text
    assert str(report.nodes_composed) in text and "agree" in text
    header = next(line for line in text.splitlines() if "fused" in line and "composed" in line)
    assert header.index("fused") < header.index("composed")


def test_compare_gradients_ok_follows_tolerance() -> None:
    # The NNFS batch: the composed mean is sum * (1/3), the fused one sum / 3, and the
    # gradients go through different roundings, so the paths differ in the last bits.
    report = F.compare_gradients(np.log(NNFS_SOFTMAX), NNFS_TARGETS, repeats=1, tolerance=0.0)
    loss_gap = abs(report.loss_fused - report.loss_composed)
    grad_gap = np.max(np.abs(report.grad_fused - report.grad_composed))
    assert loss_gap > 0 or grad_gap > 0  # a genuine rounding difference exists
    assert not report.ok and "DISAGREE" in str(report)
    for tolerance in (0.0, 1e-18, 1e-15, 1e-12):
        r = F.compare_gradients(np.log(NNFS_SOFTMAX), NNFS_TARGETS, repeats=1,
                                tolerance=tolerance)
        loss_rel = abs(r.loss_fused - r.loss_composed) / abs(r.loss_composed)
        assert r.ok == (r.max_rel_diff <= tolerance and loss_rel <= tolerance)
    assert r.ok  # 1e-12


def test_compare_gradients_leaves_input_alone_and_keeps_float32() -> None:
    leaf = Tensor(np.log(NNFS_SOFTMAX).astype(np.float32), requires_grad=True)
    before = leaf.data.copy()
    report = F.compare_gradients(leaf, NNFS_TARGETS, repeats=1)
    assert leaf.grad is None and np.array_equal(leaf.data, before)
    assert report.dtype == "float32" and report.ok and report.tolerance == 1e-5


def test_compare_gradients_reduction_none() -> None:
    report = F.compare_gradients(np.log(NNFS_SOFTMAX), NNFS_TARGETS, reduction="none")
    np.testing.assert_allclose(report.grad_fused, NNFS_SOFTMAX - one_hot(NNFS_TARGETS, 3),
                               atol=1e-12)


@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
def test_huge_finite_logits_are_not_refused_and_keep_their_loss(fused: bool) -> None:
    # Their sum overflows, which only sends the NaN/inf screen to its exact search.
    # loss = log(e^0 + e^0 + e^-1e308) - 0 = log 2, in both engines, on both paths.
    z = np.array([[1e308, 1e308, 0.0]])
    for engine in ENGINES:
        with np.errstate(over="ignore"):  # numpy's sum of the Tensor's logits overflows
            loss, grad = run_loss(engine, z, np.array([0]), fused)
        assert loss == pytest.approx(math.log(2.0), rel=1e-15), engine
        np.testing.assert_allclose(grad, [[-0.5, 0.5, 0.0]], atol=1e-15)


CONFIDENT = np.eye(3) * 12.0  # every row right with S_y = 1 - 1.2e-5


@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
def test_confident_rows_match_the_exact_gradient_to_machine_precision(fused: bool) -> None:
    # Exact: S_y = 1 / (1 + 2 e^-12), S_other = e^-12 / (1 + 2 e^-12); grad = (S - Y) / 3.
    tiny = math.exp(-12.0) / (1.0 + 2.0 * math.exp(-12.0))
    exact = (np.full((3, 3), tiny) - np.eye(3) * 3.0 * tiny) / 3  # S_y - 1 = -2 tiny
    for engine in ENGINES:
        _, grad = run_loss(engine, CONFIDENT, np.arange(3), fused)
        assert np.max(np.abs(grad - exact)) <= 4 * np.finfo(float).eps / 3  # eps * (1/N)


def test_compare_gradients_ok_for_confident_rows() -> None:
    # Three rows, each right with margin a (S_y = 1 / (1 + 2 e^-a)): ordinary input for a
    # trained classifier. Which margins trip the verdict depends on rounding, so sweep.
    for margin in range(8, 21):
        report = F.compare_gradients(np.eye(3) * float(margin), np.arange(3), repeats=1)
        assert report.max_abs_diff <= np.finfo(float).eps / 3  # the paths agree to rounding
        assert report.ok, f"margin {margin}: {report}"


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_compare_gradients_sum_and_probs(reduction: str) -> None:
    probs = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
    report = F.compare_gradients(np.log(NNFS_SOFTMAX), probs, repeats=1, reduction=reduction)
    _, expected = closed_form(np.log(NNFS_SOFTMAX), probs, reduction)
    assert report.ok
    np.testing.assert_allclose(report.grad_composed, expected, atol=1e-12)


# ---------------------------------------------------------------- bad input
LOGITS = np.log(NNFS_SOFTMAX)
BAD_INPUT = [
    # id, logits, targets, kwargs, message fragments
    ("out_of_range", LOGITS, [0, 1, 3], {}, ["target 3", "position 2", "3 classes"]),
    ("negative", LOGITS, [0, -1, 1], {}, ["target -1", "position 1"]),
    ("too_few_targets", LOGITS, [0, 1], {}, ["2 targets", "3 samples"]),
    ("too_many_targets", LOGITS, [0, 1, 1, 0], {}, ["4 targets", "3 samples"]),
    ("one_hot_too_wide", LOGITS, one_hot([0, 1, 1], 4), {}, ["width 4", "3 classes"]),
    ("one_hot_too_narrow", LOGITS, one_hot([0, 1, 1], 2), {}, ["width 2", "3 classes"]),
    ("probs_not_summing_to_one", LOGITS, [[0.5, 0.6, 0.0], [0, 1, 0], [0.2, 0.2, 0.2]], {},
     ["rows [0, 2]", "sum to 1"]),
    ("nan_and_inf_logits", np.array([[0.0, 1.0], [np.nan, 0.0], [0.0, np.inf]]), [0, 0, 0], {},
     ["row 1 holds NaN at position 0", "1 of 3 rows"]),
    ("inf_logit", np.array([[0.0, 1.0], [1.0, 0.0], [0.0, np.inf]]), [0, 0, 0], {},
     ["row 2 holds +inf at position 1"]),
    ("all_minus_inf_row", np.array([[0.0, 1.0], [-np.inf, -np.inf]]), [0, 0], {},
     ["row 1 is all -inf"]),
    ("minus_inf_at_the_target", np.array([[0.0, 1.0], [0.0, -np.inf]]), [0, 1], {},
     ["in row 1 the target class 1 has logit -inf"]),
    ("minus_inf_with_probability", np.array([[0.0, 1.0], [0.0, -np.inf]]),
     [[1.0, 0.0], [0.5, 0.5]], {}, ["in row 1 a class with positive target probability"]),
    ("bad_reduction", LOGITS, [0, 1, 1], {"reduction": "avg"}, ["reduction", "'avg'"]),
    ("fractional_index", LOGITS, np.array([0.5, 1.0, 1.0]), {}, ["whole numbers"]),
    ("indices_as_a_column", LOGITS, np.array([[0], [1], [1]]), {},
     ["width 1", "1-D array (N,), not (N, 1)"]),
]


@pytest.fixture
def recording_counter(monkeypatch: pytest.MonkeyPatch) -> list:
    """Counts every node either engine records (a clean refusal records none)."""
    calls: list = []
    tensor_apply, value_record = Tensor._apply, Value._record

    def counted_apply(*args, **kwargs):
        calls.append("tensor")
        return tensor_apply(*args, **kwargs)

    def counted_record(*args, **kwargs):
        calls.append("value")
        return value_record(*args, **kwargs)

    monkeypatch.setattr(Tensor, "_apply", staticmethod(counted_apply))
    monkeypatch.setattr(Value, "_record", staticmethod(counted_record))
    return calls


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
@pytest.mark.parametrize("logits, targets, kwargs, fragments",
                         [case[1:] for case in BAD_INPUT], ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_refused_and_changes_nothing(engine, fused, logits, targets, kwargs,
                                                  fragments, recording_counter) -> None:
    if engine == "tensor":
        leaf = Tensor(logits.copy(), requires_grad=True)
        inputs, leaves = leaf, [leaf]
    else:
        inputs = value_rows(logits)
        leaves = [v for row in inputs for v in row]
        for v in leaves:
            v.grad = 0.25  # an earlier gradient must survive the refusal
    before = [np.array(v.data, copy=True) for v in leaves]
    with pytest.raises(ValueError) as info:
        F.cross_entropy(inputs, targets, fused=fused, **kwargs)
    message = str(info.value)
    assert message.startswith("cross_entropy")
    for fragment in fragments:
        assert fragment in message
    assert recording_counter == []
    for v, data in zip(leaves, before):
        np.testing.assert_array_equal(v.data, data)
        assert v.grad is None if engine == "tensor" else v.grad == 0.25


@pytest.mark.parametrize("shape", [(3,), (1, 2, 3), (2, 0)])
@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
def test_tensor_logits_must_be_2d_and_non_empty(shape, fused, recording_counter) -> None:
    leaf = Tensor(np.zeros(shape), requires_grad=True)
    # (N, C, d1, ...) logits are accepted with targets (N, d1, ...): [0] does not fit (1, 3)
    with pytest.raises(ValueError, match=r"cross_entropy.*(2-D|empty|targets of shape)") as info:
        F.cross_entropy(leaf, [0], fused=fused)
    assert str(shape) in str(info.value)
    assert leaf.grad is None and recording_counter == []


def test_ragged_scalar_batch_is_refused(recording_counter) -> None:
    rows = [[Value(0.0), Value(1.0)], [Value(0.0)]]
    with pytest.raises(ValueError, match="different lengths"):
        F.cross_entropy(rows, [0, 0])
    assert recording_counter == []


def test_a_failed_call_leaves_a_later_backward_exact() -> None:
    leaf = Tensor(np.log(NNFS_SOFTMAX), requires_grad=True)
    with pytest.raises(ValueError):
        F.cross_entropy(leaf, [0, 1, 7])
    F.cross_entropy(leaf, NNFS_TARGETS).backward()
    np.testing.assert_allclose(leaf.grad, (NNFS_SOFTMAX - one_hot(NNFS_TARGETS, 3)) / 3,
                               atol=1e-12)


# ---------------------------------------------------------------- PyTorch
@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kind", ["indices", "probs"])
@pytest.mark.parametrize("engine", ENGINES)
def test_against_torch(fused: bool, reduction: str, kind: str, engine: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    logits = rng.standard_normal((5, 4)) * 3
    if kind == "indices":
        targets = rng.integers(0, 4, size=5)
        torch_targets = torch.tensor(targets)
    else:
        targets = rng.dirichlet(np.ones(4), size=5)
        torch_targets = torch.tensor(targets)
    weights = rng.standard_normal(5)
    z = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(z, torch_targets, reduction=reduction)
    expected.backward(torch.tensor(weights) if reduction == "none" else None)
    loss, grad = run_loss(engine, logits, targets, fused, reduction, weights)
    np.testing.assert_allclose(loss, expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad, z.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("fused", [False, True], ids=["composed", "fused"])
def test_against_torch_float32(fused: bool) -> None:
    torch = pytest.importorskip("torch")
    logits = np.random.default_rng(3).standard_normal((6, 5)).astype(np.float32) * 4
    targets = np.array([0, 4, 2, 2, 1, 3])
    z = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(z, torch.tensor(targets))
    expected.backward()
    leaf = Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(leaf, targets, fused=fused)
    loss.backward()
    assert loss.data.dtype == np.float32
    np.testing.assert_allclose(loss.data, expected.item(), rtol=1e-6)
    np.testing.assert_allclose(leaf.grad, z.grad.numpy(), atol=1e-6)
