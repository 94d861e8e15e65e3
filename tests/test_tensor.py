"""The array engine `Tensor`: construction, forward against numpy, gradients for every
broadcasting / reduction / indexing case (finite differences and closed forms), dtype,
requires_grad propagation, bad input that changes nothing, and PyTorch when installed."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import broadcastable_pairs, fancy_indices, reductions, seeds

from autograd import Tensor, concatenate, gradcheck, maximum, no_grad, stack, sums

FAST = settings(max_examples=80, deadline=None)


def leaf(data: object, **kwargs: object) -> Tensor:
    return Tensor(data, requires_grad=True, **kwargs)


# ---------------------------------------------------------------- construction
def test_construction_dtypes() -> None:
    assert Tensor([[1, 2], [3, 4]]).dtype == np.float64
    assert Tensor(3).shape == () and Tensor(3).dtype == np.float64
    assert Tensor(2.5).item() == 2.5
    assert Tensor(np.arange(3)).dtype == np.float64  # int array -> float64
    assert Tensor(np.arange(3, dtype=np.int32)).dtype == np.float64
    assert Tensor(np.ones(2, dtype=np.float32)).dtype == np.float32  # kept
    assert Tensor([1, 2], dtype="float32").dtype == np.float32
    assert Tensor(np.ones(2, dtype=np.float32), dtype=np.float64).dtype == np.float64
    assert Tensor(Tensor([1.0])).dtype == np.float64
    with pytest.raises(TypeError, match="float"):
        Tensor([1, 2], dtype=np.int64)
    with pytest.raises(TypeError, match="Tensor"):
        Tensor(["a", "b"])
    with pytest.raises(TypeError, match="Tensor"):
        Tensor([[1, 2], [3]])  # ragged


def test_properties_item_numpy_detach() -> None:
    data = np.arange(6.0).reshape(2, 3)
    x = Tensor(data, requires_grad=True, label="x")
    assert (x.shape, x.ndim, x.size, x.dtype) == ((2, 3), 2, 6, np.float64)
    assert x.requires_grad and x.grad is None and x.label == "x" and x.op == ""
    assert x.numpy() is x.data
    assert len(x) == 2
    d = x.detach()
    assert np.shares_memory(d.data, x.data)
    assert not d.requires_grad and d.parents == () and d.op == ""
    assert (d * 2).requires_grad is False
    assert Tensor([[7.0]]).item() == 7.0 and type(Tensor([[7.0]]).item()) is float
    with pytest.raises(ValueError, match="6 elements"):
        x.item()
    r = repr(x * 2)
    assert r.startswith("Tensor(") and "op=mul" in r and "10." in r
    assert "requires_grad=True" in repr(x) and "label='x'" in repr(x)
    assert "dtype=float32" in repr(Tensor([1.0], dtype="float32"))


# ---------------------------------------------------------------- forward against numpy
def _forward_cases():
    rng = np.random.default_rng(7)
    a, b = rng.uniform(0.5, 2, (2, 3)), rng.uniform(-2, 2, (3,))
    m, k = rng.uniform(-1, 1, (4, 2, 3)), rng.uniform(-1, 1, (3, 5))
    targets = np.array([2, 0])
    return [
        ("add", lambda A, B: A + B, a + b, (a, b)),
        ("radd", lambda A, B: 1.5 + A, 1.5 + a, (a, b)),
        ("sub", lambda A, B: A - B, a - b, (a, b)),
        ("rsub", lambda A, B: b - A, b - a, (a, b)),
        ("mul", lambda A, B: A * B, a * b, (a, b)),
        ("rmul", lambda A, B: b * A, b * a, (a, b)),
        ("div", lambda A, B: B / A, b / a, (a, b)),
        ("rdiv", lambda A, B: 2.0 / A, 2.0 / a, (a, b)),
        ("pow", lambda A, B: A ** B, a ** b, (a, b)),
        ("pow_const", lambda A, B: A ** 1.5, a ** 1.5, (a, b)),
        ("rpow", lambda A, B: 2.0 ** B, 2.0 ** b, (a, b)),
        ("neg", lambda A, B: -B, -b, (a, b)),
        ("exp", lambda A, B: B.exp(), np.exp(b), (a, b)),
        ("log", lambda A, B: A.log(), np.log(a), (a, b)),
        ("tanh", lambda A, B: B.tanh(), np.tanh(b), (a, b)),
        ("sigmoid", lambda A, B: B.sigmoid(), 1 / (1 + np.exp(-b)), (a, b)),
        ("relu", lambda A, B: B.relu(), np.maximum(b, 0), (a, b)),
        ("abs", lambda A, B: B.abs(), np.abs(b), (a, b)),
        ("sqrt", lambda A, B: A.sqrt(), np.sqrt(a), (a, b)),
        ("clip", lambda A, B: B.clip(-0.5, 0.5), np.clip(b, -0.5, 0.5), (a, b)),
        ("maximum", lambda A, B: A.maximum(B), np.maximum(a, b), (a, b)),
        ("maximum fn", lambda A, B: maximum(B, A), np.maximum(b, a), (a, b)),
        ("matmul", lambda M, K: M @ K, m @ k, (m, k)),
        ("rmatmul", lambda M, K: m @ K, m @ k, (m, k)),
        ("sum", lambda M, K: M.sum(axis=(0, 2)), m.sum(axis=(0, 2)), (m, k)),
        ("mean", lambda M, K: M.mean(axis=-1, keepdims=True), m.mean(-1, keepdims=True),
         (m, k)),
        ("max", lambda M, K: M.max(axis=1), m.max(axis=1), (m, k)),
        ("min", lambda M, K: M.min(), m.min(), (m, k)),
        ("reshape", lambda M, K: M.reshape(6, -1), m.reshape(6, -1), (m, k)),
        ("transpose", lambda M, K: M.transpose(1, 2, 0), m.transpose(1, 2, 0), (m, k)),
        ("T", lambda M, K: K.T, k.T, (m, k)),
        ("getitem", lambda A, B: A[np.arange(2), targets], a[np.arange(2), targets], (a, b)),
        ("getitem slice", lambda M, K: M[1:, :, ::-1], m[1:, :, ::-1], (m, k)),
        ("getitem mask", lambda A, B: A[a > 1], a[a > 1], (a, b)),
        ("concatenate", lambda A, B: concatenate([A, A], axis=-1),
         np.concatenate([a, a], axis=-1), (a, b)),
        ("stack", lambda A, B: stack([B, B, B], axis=1), np.stack([b, b, b], axis=1), (a, b)),
    ]


@pytest.mark.parametrize("case", _forward_cases(), ids=lambda c: c[0])
def test_forward_equals_numpy(case) -> None:
    _, expression, expected, arrays = case
    got = expression(*(leaf(x.copy()) for x in arrays))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.data, expected, rtol=1e-14, atol=0)
    assert got.shape == np.shape(expected)


# ---------------------------------------------------------------- broadcasting
BINARY = {
    "add": (lambda a, b: a + b, (-2, 2), (-2, 2)),
    "sub": (lambda a, b: a - b, (-2, 2), (-2, 2)),
    "mul": (lambda a, b: a * b, (-2, 2), (-2, 2)),
    "div": (lambda a, b: a / b, (-2, 2), (0.5, 2)),
    "pow": (lambda a, b: a ** b, (0.5, 2), (-2, 2)),
    "maximum": (lambda a, b: a.maximum(b), (-2, 2), (-2, 2)),
}


@FAST
@given(broadcastable_pairs(), st.sampled_from(sorted(BINARY)), seeds)
def test_broadcast_gradients(shapes, name, seed) -> None:
    fn, (lo_a, hi_a), (lo_b, hi_b) = BINARY[name]
    rng = np.random.default_rng(seed)
    a = leaf(rng.uniform(lo_a, hi_a, shapes[0]))
    b = leaf(rng.uniform(lo_b, hi_b, shapes[1]))
    out = fn(a, b)
    assert out.shape == np.broadcast_shapes(*shapes)
    result = gradcheck(fn, [a, b])
    assert result.ok, f"{name} {shapes}: {result}"
    out.sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape


@FAST
@given(broadcastable_pairs(), seeds)
def test_broadcast_add_gradient_closed_form(shapes, seed) -> None:
    """d sum(w * (a + b)) / da is w summed over the axes a was stretched along."""
    rng = np.random.default_rng(seed)
    a, b = leaf(rng.standard_normal(shapes[0])), leaf(rng.standard_normal(shapes[1]))
    out_shape = np.broadcast_shapes(*shapes)
    w = rng.standard_normal(out_shape)
    (a + b).backward(w)
    for x in (a, b):
        expected = np.zeros(x.shape)
        padded = (1,) * (len(out_shape) - x.ndim) + x.shape
        for index in np.ndindex(*out_shape):  # loop: an oracle independent of unbroadcast
            source = tuple(0 if size == 1 else i for i, size in zip(index, padded))
            expected[source[len(out_shape) - x.ndim:]] += w[index]
        np.testing.assert_allclose(x.grad, expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- reductions
@FAST
@given(st.integers(0, 40), st.integers(0, 12), st.sampled_from(["float64", "float32", "int64"]),
       seeds)
def test_row_and_column_sums_match_numpy(rows, columns, dtype, seed) -> None:
    """The BLAS sums (a product with a vector of ones) against numpy's pairwise sum."""
    a = (np.random.default_rng(seed).standard_normal((rows, columns)) * 100).astype(dtype)
    for fast, axis in ((sums.column_sums, 0), (sums.row_sums, 1)):
        out = fast(a)
        exact = np.add.reduce(a, axis=axis)
        assert out.dtype == exact.dtype and out.shape == exact.shape
        tolerance = 1e-5 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(out, exact, rtol=tolerance, atol=tolerance * 100 * rows)


def test_vector_of_ones_is_cached_read_only_and_grows() -> None:
    small = sums._ones(3, np.dtype(np.float32))
    assert small.dtype == np.float32 and list(small) == [1, 1, 1]
    assert not small.flags.writeable  # a shared cache: nobody may write into it
    large = sums._ones(10_000, np.dtype(np.float32))
    assert large.shape == (10_000,) and (large == 1).all()
    assert sums._ones(5, np.dtype(np.float32)).base is large.base  # one vector, grown once


def test_sums_propagate_nan_and_inf_like_numpy() -> None:
    a = np.array([[1.0, np.nan], [np.inf, 2.0], [-np.inf, np.inf]])
    with np.errstate(invalid="ignore"):  # inf - inf warns in both
        np.testing.assert_array_equal(sums.row_sums(a), np.add.reduce(a, axis=1))
        np.testing.assert_array_equal(sums.column_sums(a), np.add.reduce(a, axis=0))


def test_backward_uses_the_inputs_the_forward_pass_saw() -> None:
    """A node keeps its inputs' arrays: rebinding `.data` afterwards (an optimizer that
    replaces arrays, say) does not change the gradient of the graph already recorded."""
    x = leaf([1.0, 2.0, 3.0])
    loss = (x * x).sum()
    x.data = np.array([10.0, 20.0, 30.0])
    loss.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])  # d sum(x^2) = 2x at the old x


@FAST
@given(reductions(), st.sampled_from(["sum", "mean", "max", "min"]), seeds)
def test_reductions_random_axes(reduction, method, seed) -> None:
    shape, axis, keepdims = reduction
    x = leaf(np.random.default_rng(seed).uniform(-2, 2, shape))
    fn = lambda t: getattr(t, method)(axis=axis, keepdims=keepdims)
    expected = getattr(np, method)(x.data, axis=axis, keepdims=keepdims)
    out = fn(x)
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    assert out.shape == np.shape(expected)
    result = gradcheck(fn, [x])
    assert result.ok, f"{method} {shape} axis={axis} keepdims={keepdims}: {result}"


def test_max_min_ties_split_the_gradient_evenly() -> None:
    x = leaf([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = leaf([1.0, 5.0, 1.0])
    (y.min() * 6).backward()
    np.testing.assert_array_equal(y.grad, [3.0, 0.0, 3.0])
    z = leaf([[4.0, 4.0], [4.0, 0.0]])
    z.max(axis=None, keepdims=True).backward(np.array([[3.0]]))
    np.testing.assert_array_equal(z.grad, [[1.0, 1.0], [1.0, 0.0]])
    a, b = leaf([1.0, 2.0, 3.0]), leaf([1.0, 0.0, 3.0])
    a.maximum(b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1.0, 0.5])
    np.testing.assert_array_equal(b.grad, [0.5, 0.0, 0.5])


# ---------------------------------------------------------------- indexing
@FAST
@given(fancy_indices(), seeds)
def test_fancy_index_with_repeats_accumulates(case, seed) -> None:
    (n, c), (rows, cols) = case
    rng = np.random.default_rng(seed)
    x = leaf(rng.standard_normal((n, c)))
    w = rng.standard_normal(len(rows))
    picked = x[rows, cols]
    np.testing.assert_array_equal(picked.data, x.data[rows, cols])
    (picked * w).sum().backward()
    expected = np.zeros((n, c))
    for r, col, weight in zip(rows, cols, w):
        expected[r, col % c] += weight
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12, atol=1e-15)


def test_index_forms_closed_form() -> None:
    x = leaf(np.arange(12.0).reshape(4, 3))
    targets = np.array([2, 0, 0, 1])
    x[np.arange(4), targets].sum().backward()
    np.testing.assert_array_equal(x.grad, np.eye(3)[targets])
    x.grad = None
    x[[0, 0, 3, 0]].sum().backward()  # row 0 three times
    np.testing.assert_array_equal(x.grad, [[3] * 3, [0] * 3, [0] * 3, [1] * 3])
    x.grad = None
    mask = x.data % 5 == 0
    (x[mask] * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, 2.0 * mask)
    x.grad = None
    x[1:3, ::-1][0, 0].backward()  # basic indexing: x[1, 2]
    expected = np.zeros((4, 3))
    expected[1, 2] = 1
    np.testing.assert_array_equal(x.grad, expected)
    x.grad = None
    x[Tensor([3, 3])].sum().backward()  # an index held in a Tensor (float, whole numbers)
    np.testing.assert_array_equal(x.grad[3], [2, 2, 2])


def test_boolean_mask_held_in_a_tensor_masks_or_is_refused() -> None:
    x = leaf(np.arange(6.0).reshape(3, 2))
    mask = np.array([True, False, True])
    try:
        out = x[Tensor(mask)]
    except (IndexError, TypeError):
        return  # refusing the ambiguous index is fine too
    np.testing.assert_array_equal(out.data, x.data[mask])


# ---------------------------------------------------------------- matmul
MATMUL_SHAPES = [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                 ((4, 2, 3), (3, 2)), ((2, 3), (4, 3, 2)), ((2, 1, 2, 3), (5, 3, 2)),
                 ((3,), (2, 3, 4)), ((4, 2, 3), (3,))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_forward_and_gradient(shapes) -> None:
    rng = np.random.default_rng(3)
    a, b = (leaf(rng.standard_normal(s)) for s in shapes)
    np.testing.assert_allclose((a @ b).data, np.matmul(a.data, b.data), rtol=1e-14)
    assert gradcheck(lambda p, q: p @ q, [a, b]).ok
    (a @ b).sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_matches_torch(shapes) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s) for s in shapes]
    a, b = (leaf(x) for x in arrays)
    ta, tb = (torch.tensor(x, requires_grad=True) for x in arrays)
    w = rng.standard_normal(np.matmul(*arrays).shape)
    (a @ b).backward(w)
    (ta @ tb).backward(torch.tensor(w))
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- dtype and recording
def test_float32_stays_float32_forward_and_backward() -> None:
    rng = np.random.default_rng(5)
    x = leaf(rng.uniform(0.5, 1.5, (4, 3)), dtype="float32")
    w = leaf(rng.standard_normal((3, 2)), dtype=np.float32)
    nodes = []
    h = x @ w
    nodes += [h, h + 1.0, (h + 1.0).tanh(), x.log(), x.sqrt(), x ** 2, 2.0 / x, x.sigmoid(),
              x.maximum(1.0), x.clip(0.7, 1.2), x.abs().relu(), x.exp(), x.mean(axis=0),
              x.max(axis=1), x[np.arange(4), np.array([0, 1, 2, 0])], x.T, x - np.ones(3)]
    loss = sum(node.sum() for node in nodes)
    loss.backward()
    assert all(node.dtype == np.float32 for node in nodes)
    assert loss.dtype == np.float32
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    assert all(node.grad.dtype == np.float32 for node in nodes)


def test_constants_never_get_grad_and_record_nothing() -> None:
    c = Tensor([1.0, 2.0, 3.0])
    array = np.array([0.5, 0.5, 0.5])
    x = leaf([0.1, 0.2, 0.3])
    y = (x * c + c * 2 + array).exp().sum() + (c @ x)
    y.backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad, np.exp(x.data * c.data + 2 * c.data + 0.5) * c.data
                               + c.data, rtol=1e-14)
    z = (c * c).exp() + array
    assert not z.requires_grad and z.parents == () and z.op == "" and z.grad is None
    with pytest.raises(ValueError, match="does not require grad"):
        z.sum().backward()
    with no_grad():
        w = x * 2 + 1
    assert not w.requires_grad and w.parents == ()


def test_backward_twice_accumulates_leaves_and_resets_intermediates() -> None:
    x = leaf([0.5, -1.0])
    h = x * 3.0
    y = (h.tanh()).sum()
    y.backward()
    first_x, first_h = x.grad.copy(), h.grad.copy()
    y.backward()
    np.testing.assert_array_equal(x.grad, 2 * first_x)  # one path to x: exact
    np.testing.assert_array_equal(h.grad, first_h)
    np.testing.assert_allclose(first_x, 3 * (1 - np.tanh(3 * x.data) ** 2), rtol=1e-14)


def test_backward_twice_doubles_a_leaf_with_three_paths_exactly() -> None:
    a = leaf([1.0, 1.0])
    y = (a * 0.7 + a * 0.9 + a * 1.7).sum()  # 0.7, 0.9, 1.7: inexact in every order
    y.backward()
    first = a.grad.copy()
    y.backward()
    np.testing.assert_array_equal(a.grad, 2 * first)


# ---------------------------------------------------------------- bad input
def _grads(*tensors: Tensor) -> list:
    return [(t.grad, None if t.grad is None else t.grad.copy()) for t in tensors]


def _unchanged(before: list, tensors: tuple) -> None:
    for (obj, copy), t in zip(before, tensors):
        assert t.grad is obj
        if copy is not None:
            np.testing.assert_array_equal(t.grad, copy)


BAD = {  # name -> (action on (x, w, h), error, words the message must contain)
    "non-scalar backward": (lambda x, w, h: h.backward(), ValueError, ("backward", "(4, 2)")),
    "wrong grad shape": (lambda x, w, h: h.backward(np.ones((2, 4))), ValueError,
                         ("(2, 4)", "(4, 2)")),
    "grad with nan": (lambda x, w, h: h.backward(np.full((4, 2), np.nan)), ValueError,
                      ("NaN",)),
    "matmul shapes": (lambda x, w, h: x @ h, ValueError, ("matmul", "(4, 3)", "(4, 2)")),
    "broadcast shapes": (lambda x, w, h: x + w, ValueError, ("(4, 3)", "(3, 2)")),
    "broadcast via sub": (lambda x, w, h: h - x, ValueError, ("(4, 2)", "(4, 3)")),
    "log of negative": (lambda x, w, h: (x - 1.5).log(), ValueError,
                        ("log", "8 of 12", "-1.5", "(0, 0)")),
    "sqrt of negative": (lambda x, w, h: (-x).sqrt(), ValueError, ("sqrt", "10 of 12", "(0, 1)")),
    "index out of range": (lambda x, w, h: x[4], IndexError, ("4", "(4, 3)")),
    "array index out of range": (lambda x, w, h: x[np.array([0, 9])], IndexError, ("9",)),
    "second axis index": (lambda x, w, h: x[np.arange(4), np.array([0, 1, 3, 0])],
                          IndexError, ("3",)),
    "reduce a missing axis": (lambda x, w, h: x.sum(axis=2), ValueError, ("sum", "2")),
    "reshape": (lambda x, w, h: x.reshape(5, -1), ValueError, ("reshape", "(4, 3)")),
    "operand type": (lambda x, w, h: x * "a", TypeError, ("str",)),
    "clip bounds": (lambda x, w, h: x.clip(1.0, 0.5), ValueError, ("clip", "1.0", "0.5")),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_raises_and_changes_no_grad(case: str) -> None:
    action, error, needles = BAD[case]
    x = leaf(np.array([[0.0, 1.0, 2.0], [0.5, 1.5, 2.5], [3.0, 0.2, 0.0], [1.0, 1.0, 1.0]]))
    w = leaf(np.linspace(-1, 1, 6).reshape(3, 2))
    h = x @ w
    (h * h).sum().backward()  # every tensor now holds a gradient
    tensors = (x, w, h)
    before = _grads(*tensors)
    data = [t.data.copy() for t in tensors]
    with pytest.raises(error) as info:
        action(*tensors)
    for needle in needles:
        assert needle in str(info.value), (needle, str(info.value))
    _unchanged(before, tensors)
    for t, d in zip(tensors, data):
        np.testing.assert_array_equal(t.data, d)


def test_leaf_grads_are_independent_arrays() -> None:
    seed = np.ones(3)
    cases = [
        lambda a, b: a + b, lambda a, b: Tensor.__add__(a, a) + b, lambda a, b: a - (-b),
        lambda a, b: stack([a, b]).sum(axis=0), lambda a, b: concatenate([a, b])[:3] + b,
        lambda a, b: (a.reshape(3, 1) + b.reshape(3, 1)).T.reshape(3),
        lambda a, b: a + b.sum() * np.ones(3) + b - b.sum(),
    ]
    for make in cases:
        a, b = leaf([1.0, 2.0, 3.0]), leaf([4.0, 5.0, 6.0])
        y = make(a, b)
        y.backward(seed)
        for grad in (a.grad, b.grad):
            assert grad.flags.writeable and not np.shares_memory(grad, seed)
        assert not np.shares_memory(a.grad, b.grad)
        b_before = b.grad.copy()
        a.grad += 100.0  # in place: must touch nothing else
        np.testing.assert_array_equal(b.grad, b_before)
        np.testing.assert_array_equal(seed, np.ones(3))
        assert y.grad is None or not np.shares_memory(y.grad, a.grad)


# ---------------------------------------------------------------- memory
def test_dropped_tensor_graph_is_freed_by_reference_counting_alone() -> None:
    gc.collect()
    count = lambda: sum(type(o) is Tensor for o in gc.get_objects())
    enabled = gc.isenabled()
    gc.disable()
    try:
        before = count()
        x = leaf(np.ones((4, 3)))
        w = leaf(np.full((3, 2), 0.5))
        loss = ((x @ w).tanh() ** 2).mean() + x[np.arange(4), np.array([0, 1, 2, 0])].sum()
        loss.backward()
        built = count()
        del x, w, loss
        after = count()
    finally:
        if enabled:
            gc.enable()
    assert built > before + 8
    assert after == before


# ---------------------------------------------------------------- PyTorch
def test_small_mlp_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    arrays = {"x": rng.standard_normal((5, 3)), "w1": rng.standard_normal((3, 4)),
              "b1": rng.standard_normal(4), "w2": rng.standard_normal((4, 2)),
              "b2": rng.standard_normal((1, 2))}
    targets = np.array([0, 1, 1, 0, 1])

    def model(t, pick):
        h = (t["x"] @ t["w1"] + t["b1"]).relu()
        z = (h @ t["w2"] + t["b2"]).tanh() * 2.0
        z = z - z.max(axis=1, keepdims=True) if pick == "ours" else \
            z - z.max(dim=1, keepdim=True).values
        logp = z - z.exp().sum(axis=1, keepdims=True).log() if pick == "ours" else \
            z - z.exp().sum(dim=1, keepdim=True).log()
        picked = logp[np.arange(5), targets] if pick == "ours" else \
            logp[torch.arange(5), torch.tensor(targets)]
        penalty = (t["w1"] ** 2).sum() * 0.01 + t["b1"].abs().sum() * 0.1
        return -picked.mean() + penalty + (t["x"].sigmoid() / 3.0).sum()

    ours = {k: leaf(v) for k, v in arrays.items()}
    theirs = {k: torch.tensor(v, requires_grad=True) for k, v in arrays.items()}
    loss, tloss = model(ours, "ours"), model(theirs, "torch")
    loss.backward()
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    for k in arrays:
        np.testing.assert_allclose(ours[k].grad, theirs[k].grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=k)
