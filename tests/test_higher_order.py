"""Gradients of gradients: create_graph=True, autograd.grad, jacobian, hessian, hvp.

Oracles: sympy's derivatives of each elementwise primitive (second and third order),
PyTorch's double backward for every primitive of the table (behind importorskip), closed
forms (a logistic regression's Hessian, Newton's method), the book's softmax Jacobian,
and finite differences (`gradgradcheck`, in tests/test_rule_table.py for every rule).
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
from symbolic import SYMBOLIC, derivative
from test_rule_table import (
    ELEMENTWISE_NAMES,
    ELEMENTWISE_SHAPES,
    RNG_SEED,
    TENSOR_ONLY,
    _ctx_for,
    elementwise_case,
    elementwise_inputs,
)

import nn
from autograd import Tensor, Value, apply, grad, hessian, hvp, jacobian, topological_order
from autograd.table import PRIMITIVES
from nn import functional as F  # noqa: N812 - the conventional name

NNFS_JACOBIAN = [[0.21, -0.07, -0.14], [-0.07, 0.09, -0.02], [-0.14, -0.02, 0.16]]


# ---------------------------------------------------------------- sympy: every elementwise rule
def test_every_elementwise_primitive_has_a_symbolic_form() -> None:
    assert set(ELEMENTWISE_NAMES) <= set(SYMBOLIC)


def _value_derivatives(name: str, ctx: object, point: list[float]) -> tuple[list, list]:
    """First derivatives and the Hessian of the primitive at `point`, from the Value engine
    (create_graph=True, then one backward per first derivative)."""
    leaves = [Value(x) for x in point]
    first = grad(apply(name, *leaves, ctx=ctx), leaves, create_graph=True)
    second = []
    for g in first:
        if g._op is None:  # a constant first derivative
            second.append([0.0] * len(leaves))
        else:
            second.append([0.0 if d is None else float(d)
                           for d in grad(g, leaves, allow_unused=True)])
    return [float(g.data) for g in first], second


@pytest.mark.parametrize("name", ELEMENTWISE_NAMES)
def test_second_derivatives_match_sympy(name: str) -> None:
    rng = np.random.default_rng(RNG_SEED + 11)
    ctx, _, arity = elementwise_case(name)
    ctx = _ctx_for(ctx, "scalar")
    for _ in range(3):
        point = [float(x) for x in elementwise_inputs(name, [()] * arity, rng, "scalar")]
        first, second = _value_derivatives(name, ctx, point)
        for i in range(arity):
            orders = [int(k == i) for k in range(arity)]
            assert first[i] == pytest.approx(derivative(name, ctx, point, orders),
                                             rel=1e-12, abs=1e-12), (name, point, i)
            for j in range(arity):
                orders = [int(k == i) + int(k == j) for k in range(arity)]
                expected = derivative(name, ctx, point, orders)
                assert second[i][j] == pytest.approx(expected, rel=1e-10, abs=1e-12), \
                    (name, point, i, j)


# Points where the functions are smooth but the arithmetic is delicate: 0 for the
# exponentials, 1 for log and sqrt, the exponent 0 of pow (0 * inf in its rule), huge.
SMOOTH_EDGES = [("exp", None, [0.0]), ("tanh", None, [0.0]), ("sigmoid", None, [0.0]),
                ("tanh", None, [20.0]), ("sigmoid", None, [-40.0]), ("log", None, [1.0]),
                ("sqrt", None, [1.0]), ("pow_const", 0.0, [0.0]), ("pow_const", 2.0, [0.0]),
                ("pow_const", 3.0, [0.0]), ("pow", None, [2.0, 0.0]), ("pow", None, [1.0, 3.0]),
                ("mul", None, [0.0, 0.0]), ("exp", None, [-700.0])]


@pytest.mark.parametrize("name, ctx, point", SMOOTH_EDGES)
def test_second_derivatives_at_edge_values_match_sympy(name, ctx, point) -> None:
    first, second = _value_derivatives(name, ctx, point)
    arity = len(point)
    for i in range(arity):
        for j in range(arity):
            orders = [int(k == i) + int(k == j) for k in range(arity)]
            assert second[i][j] == pytest.approx(derivative(name, ctx, point, orders),
                                                 rel=1e-10, abs=1e-300), (name, point, i, j)


@pytest.mark.parametrize("name, ctx, point", [("tanh", None, [0.3]), ("exp", None, [-0.4]),
                                              ("pow", None, [1.7, 2.5]),
                                              ("pow_const", 3.5, [1.3])])
def test_third_derivatives_match_sympy(name, ctx, point) -> None:
    """grad of grad of grad, each with create_graph, against sympy's third derivative."""
    x = [Value(v) for v in point]
    (g1,) = grad(apply(name, *x, ctx=ctx), [x[0]], create_graph=True)
    (g2,) = grad(g1, [x[0]], create_graph=True)
    (g3,) = grad(g2, [x[0]])
    orders = [3] + [0] * (len(point) - 1)
    assert g3 == pytest.approx(derivative(name, ctx, point, orders), rel=1e-10)


# ---------------------------------------------------------------- PyTorch double backward
def _torch_ops(torch):
    tf = torch.nn.functional

    # Indexing through flat positions that numpy's own indexing picks: any index form,
    # with torch's take / index_add doing the gathering and the accumulating.
    def positions(index, shape):
        return torch.as_tensor(np.ascontiguousarray(
            np.arange(int(np.prod(shape))).reshape(shape)[index]))

    def getitem(c, a):
        return a.reshape(-1)[positions(c[0], a.shape)]

    def scatter_add(c, a):
        index, _, shape = c
        flat = positions(index, shape)
        out = torch.zeros(int(np.prod(shape)), dtype=a.dtype)
        return out.index_add(0, flat.reshape(-1), a.reshape(-1)).reshape(shape)

    def fused(c, z):
        if c.indices is not None:
            target = torch.as_tensor(np.asarray(c.indices))
        else:
            target = torch.as_tensor(np.asarray(c.probs))
        return tf.cross_entropy(z, target, reduction=c.reduction)

    def im2col(c, a):  # unfold's (N, C*KH*KW, L) as im2col's (C*KH*KW, N*L)
        (ph, pw), size = c.padding, int(np.prod(c.kernel)) * a.shape[1]
        padded = tf.pad(a, (pw, pw, ph, ph), value=c.fill)
        cols = tf.unfold(padded, c.kernel, dilation=c.dilation, stride=c.stride)
        return cols.permute(1, 0, 2).reshape(size, -1)

    def col2im(c, a):
        window, (_, h, w) = c
        size = window.output_size(h, w)
        cols = a.reshape(a.shape[0], -1, size[0] * size[1]).permute(1, 0, 2)
        return tf.fold(cols, (h, w), window.kernel, dilation=window.dilation,
                       padding=window.padding, stride=window.stride)

    return {
        "add": lambda c, a, b: a + b, "mul": lambda c, a, b: a * b,
        "add_n": lambda c, *xs: sum(xs[1:], xs[0]), "neg": lambda c, a: -a,
        "pow": lambda c, a, b: a ** b, "pow_const": lambda c, a: a ** c,
        "exp": lambda c, a: a.exp(), "log": lambda c, a: a.log(), "tanh": lambda c, a: a.tanh(),
        "sigmoid": lambda c, a: a.sigmoid(), "relu": lambda c, a: a.relu(),
        # exact for every input (F.softplus switches to x above its threshold, 20)
        "softplus": lambda c, a: torch.logaddexp(a, torch.zeros_like(a)),
        "log_sigmoid": lambda c, a: tf.logsigmoid(a),
        "abs": lambda c, a: a.abs(), "sqrt": lambda c, a: a.sqrt(),
        "clip": lambda c, a: a.clamp(c[0], c[1]),
        "maximum": lambda c, a, b: torch.maximum(a, b),
        "where": lambda c, a, b: torch.where(torch.as_tensor(c), a, b),
        "matmul": lambda c, a, b: a @ b, "linear": lambda c, x, w, b: x @ w + b,
        "matmul_t": lambda c, a, b: (a.T if c[0] else a) @ (b.T if c[1] else b),
        "sum": lambda c, a: a.sum(dim=c[0], keepdim=c[1]),
        "max": lambda c, a: torch.amax(a, dim=c[0], keepdim=c[1]),
        "min": lambda c, a: torch.amin(a, dim=c[0], keepdim=c[1]),
        "reshape": lambda c, a: a.reshape(c), "transpose": lambda c, a: a.permute(c),
        "broadcast_to": lambda c, a: a.broadcast_to(c),
        "softmax": lambda c, a: torch.softmax(a, dim=c),
        "getitem": getitem,
        "scatter_add": scatter_add,
        "concatenate": lambda c, *xs: torch.cat(xs, dim=c),
        "stack": lambda c, *xs: torch.stack(xs, dim=c),
        "softmax_cross_entropy": fused,
        "im2col": im2col, "col2im": col2im,
        "sin": lambda c, a: a.sin(), "cos": lambda c, a: a.cos(),
        "log1p": lambda c, a: a.log1p(), "expm1": lambda c, a: a.expm1(),
        "erf": lambda c, a: a.erf(), "erfc": lambda c, a: a.erfc(),
        "sign": lambda c, a: a.sign(), "floor": lambda c, a: a.floor(),
        "ceil": lambda c, a: a.ceil(), "round": lambda c, a: a.round(),
        "hardtanh": lambda c, a: tf.hardtanh(a, c[0], c[1]),
        "cumsum": lambda c, a: a.cumsum(dim=c),
        "softsign": lambda c, a: tf.softsign(a),
    }


def _primitive_calls() -> list[tuple[str, object, list[np.ndarray]]]:
    """(name, ctx, input arrays) for every primitive: elementwise ones from their domains,
    the others from the nodes their TENSOR_ONLY cases record."""
    rng = np.random.default_rng(RNG_SEED + 12)
    calls = []
    for name in ELEMENTWISE_NAMES:
        ctx, _, arity = elementwise_case(name)
        data = elementwise_inputs(name, ELEMENTWISE_SHAPES[arity], rng, "array")
        calls.append((name, _ctx_for(ctx, "array"), data))
    for name, cases in sorted(TENSOR_ONLY.items()):
        for fn, inputs in cases(rng):
            for node in topological_order(fn(*inputs)):
                if node.op == name:
                    calls.append((name, node._ctx, [p.data.copy() for p in node.parents]))
                    break
    return calls


CALLS = _primitive_calls()


def test_the_torch_comparison_covers_every_primitive() -> None:
    assert {name for name, _, _ in CALLS} == set(PRIMITIVES) - {
        name for name, p in PRIMITIVES.items() if not p.builtin}


@pytest.mark.parametrize("call", CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CALLS)])
def test_double_backward_matches_pytorch(call) -> None:
    """d/dx <d f / dx, w> (a Hessian-vector product of <f, u>) for random u, w."""
    torch = pytest.importorskip("torch")
    name, ctx, data = call
    rng = np.random.default_rng(7)
    ours = [Tensor(d.copy(), requires_grad=True) for d in data]
    theirs = [torch.tensor(d, requires_grad=True) for d in data]
    out = apply(name, *ours, ctx=ctx)
    u = rng.standard_normal(out.shape)
    w = [rng.standard_normal(d.shape) for d in data]

    first = grad((out * u).sum(), ours, create_graph=True)
    h = sum(((g * wi).sum() for g, wi in zip(first, w) if g.requires_grad), Tensor(0.0))
    expected_first = torch.autograd.grad(
        (_torch_ops(torch)[name](ctx, *theirs) * torch.tensor(u)).sum(), theirs,
        create_graph=True)
    for g, e in zip(first, expected_first):
        np.testing.assert_allclose(g.data, e.detach().numpy(), rtol=1e-12, atol=1e-12)
    h_torch = sum((e * torch.tensor(wi)).sum() for e, wi in zip(expected_first, w))
    if not h.requires_grad:  # f is linear in its inputs: no second derivative anywhere
        assert not h_torch.requires_grad or all(
            g is None or not g.abs().sum().item()
            for g in torch.autograd.grad(h_torch, theirs, allow_unused=True))
        return
    second = grad(h, ours, allow_unused=True)
    expected = torch.autograd.grad(h_torch, theirs, allow_unused=True)
    for g, e in zip(second, expected):
        want = np.zeros_like(g if g is not None else 0.0) if e is None else e.numpy()
        got = np.zeros_like(want) if g is None else g
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- the book's softmax Jacobian
Z = np.log([0.7, 0.1, 0.2])  # logits whose softmax is the book's [0.7, 0.1, 0.2]


def test_softmax_jacobian_composed_tensor() -> None:
    np.testing.assert_allclose(jacobian(lambda z: F.softmax(z), Z), NNFS_JACOBIAN, atol=1e-12)


def test_softmax_jacobian_composed_values() -> None:
    np.testing.assert_allclose(jacobian(lambda zs: F.softmax(zs), list(Z)), NNFS_JACOBIAN,
                               atol=1e-12)


@pytest.mark.parametrize("fused", [True, False])
def test_softmax_jacobian_is_the_hessian_of_cross_entropy(fused: bool) -> None:
    """d/dz of the fused backward (softmax(z) - y) is the softmax Jacobian, both engines."""
    tensor = hessian(lambda z: F.cross_entropy(z.reshape(1, 3), [0], fused=fused), Z)
    values = hessian(lambda zs: F.cross_entropy(zs, 0, fused=fused), list(Z))
    np.testing.assert_allclose(tensor, NNFS_JACOBIAN, atol=1e-12)
    np.testing.assert_allclose(values, NNFS_JACOBIAN, atol=1e-12)


@pytest.mark.parametrize("soft", [False, True], ids=["indices", "probability-rows"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_fused_second_derivatives_equal_the_composed_ones(reduction: str, soft: bool) -> None:
    """Class indices and soft targets (rows of probabilities) alike: the fused op's
    recorded gradient differentiates to the composed loss's Hessian."""
    rng = np.random.default_rng(3)
    logits, v = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    targets = rng.dirichlet(np.ones(3), size=4) if soft else [0, 2, 1, 1]

    def loss(fused):
        def f(z):
            out = F.cross_entropy(z, targets, fused=fused, reduction=reduction)
            return out if reduction != "none" else (out * np.arange(1.0, 5.0)).sum()
        return f

    np.testing.assert_allclose(hvp(loss(True), logits, v), hvp(loss(False), logits, v),
                               rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- closed forms
def test_newton_method_finds_the_minimum() -> None:
    """f(x) = x^4 - 3x^2 + x: Newton's x <- x - f'(x) / f''(x) with both from create_graph."""
    x = 2.0
    for _ in range(20):
        v = Value(x)
        (d1,) = grad(v ** 4 - 3 * v ** 2 + v, [v], create_graph=True)
        (d2,) = grad(d1, [v])
        x -= d1.data / d2
    assert 4 * x ** 3 - 6 * x + 1 == pytest.approx(0.0, abs=1e-12)  # f'(x) = 0
    assert 12 * x ** 2 - 6 > 0  # a minimum
    roots = np.roots([4.0, 0.0, -6.0, 1.0])  # f'(x) = 4x^3 - 6x + 1
    assert np.min(np.abs(roots - x)) < 1e-12


def test_logistic_regression_hessian_closed_form() -> None:
    """Mean BCE of sigmoid(X w): H = X^T diag(p (1 - p)) X / N."""
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((30, 2)), rng.integers(0, 2, 30).astype(float)
    w0 = np.array([0.3, -0.8])

    def loss(w):
        p = (Tensor(X) @ w).sigmoid()
        return -(y * p.log() + (1 - y) * (1 - p).log()).mean()

    p = 1 / (1 + np.exp(-X @ w0))
    expected = X.T @ (X * (p * (1 - p))[:, None]) / len(X)
    np.testing.assert_allclose(hessian(loss, w0), expected, rtol=1e-10)
    v = np.array([1.0, -2.0])
    np.testing.assert_allclose(hvp(loss, w0, v), expected @ v, rtol=1e-10)
    # One Newton step from w0 moves to w0 - H^-1 g, the same as the closed form.
    w = Tensor(w0.copy(), requires_grad=True)
    (g,) = grad(loss(w), [w])
    np.testing.assert_allclose(g, X.T @ (p - y) / len(X), rtol=1e-10)


def test_gradient_penalty_matches_pytorch() -> None:
    """|| d L / d x ||^2 differentiated with respect to the weights (WGAN-GP's penalty)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x0, W0, b0 = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    x = Tensor(x0.copy(), requires_grad=True)
    W, b = Tensor(W0.copy(), requires_grad=True), Tensor(b0.copy(), requires_grad=True)
    (dx,) = grad((x @ W + b).tanh().sum(), [x], create_graph=True)
    penalty = (dx * dx).sum()
    penalty.backward()

    tx = torch.tensor(x0, requires_grad=True)
    tW, tb = torch.tensor(W0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    (tdx,) = torch.autograd.grad((tx @ tW + tb).tanh().sum(), [tx], create_graph=True)
    (tdx * tdx).sum().backward()
    assert penalty.item() == pytest.approx(float((tdx * tdx).sum().detach()), rel=1e-12)
    np.testing.assert_allclose(W.grad, tW.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-10)


# ---------------------------------------------------------------- create_graph on backward()
def test_backward_create_graph_makes_grads_nodes() -> None:
    x = Value(3.0)
    (x ** 3).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == pytest.approx(27.0)
    g, x.grad = x.grad, 0.0
    g.backward()
    assert x.grad == pytest.approx(18.0)  # d^2/dx^2 x^3 = 6x

    t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (t ** 3).sum().backward(create_graph=True)
    assert isinstance(t.grad, Tensor) and t.grad.requires_grad
    g, t.grad = t.grad, None
    g.sum().backward()
    np.testing.assert_allclose(t.grad, [6.0, 12.0])


def test_create_graph_adds_to_an_earlier_gradient() -> None:
    x = Value(2.0)
    x.grad = 1.5
    (x * x).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == pytest.approx(5.5)


def test_the_backward_graph_is_scoped_by_op() -> None:
    x = Value(0.5, label="x")
    x.tanh().backward(create_graph=True)
    scopes = {node.scope.path for node in topological_order(x.grad) if node.scope is not None}
    assert "backward/tanh backward" in scopes


def _live_nodes() -> int:
    gc.collect()
    return sum(type(o) is Value or type(o) is Tensor for o in gc.get_objects())


def test_first_order_backward_records_no_nodes() -> None:
    """Without create_graph the backward pass allocates no node: the first-order path is
    the plain one (gradients are floats and arrays)."""
    model = nn.MLP(2, [4, 1], seed=0)
    loss = model([0.5, -1.0]).tanh()
    net = nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU(), nn.Linear(3, 2, seed=1))
    tensor_loss = F.cross_entropy(net(Tensor(np.ones((4, 2)))), [0, 1, 1, 0], fused=True)
    before = _live_nodes()
    loss.backward()
    tensor_loss.backward()
    assert _live_nodes() == before
    assert all(isinstance(p.grad, float) for p in model.parameters())
    assert all(type(p.grad) is np.ndarray for p in net.parameters())


# ---------------------------------------------------------------- autograd.grad
def test_grad_leaves_every_grad_untouched() -> None:
    a, b = Value(2.0), Value(-1.0)
    a.grad, b.grad = 7.0, -3.0
    mid = a * b
    out = mid.tanh()
    out.backward()
    before = (a.grad, b.grad, mid.grad, out.grad)
    ga, gmid = grad(out, [a, mid])
    assert (a.grad, b.grad, mid.grad, out.grad) == before
    t = 1 - np.tanh(-2.0) ** 2
    assert ga == pytest.approx(t * -1.0) and gmid == pytest.approx(t)


def test_grad_of_several_outputs_with_grad_outputs() -> None:
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y1, y2 = x * x, x.sum()
    (g,) = grad([y1, y2], [x], grad_outputs=[np.array([1.0, 0.0, 2.0]), 3.0])
    np.testing.assert_allclose(g, [2 * 1 + 3, 0 + 3, 2 * 2 * 3 + 3])
    assert x.grad is None


def test_grad_errors() -> None:
    x, unused = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(ValueError, match="do not depend on input 1"):
        grad(y, [x, unused])
    assert grad(y, [x, unused], allow_unused=True)[1] is None
    with pytest.raises(ValueError, match="does not require grad"):
        grad(y, [Tensor([1.0])])
    with pytest.raises(ValueError, match="pass grad_outputs"):
        grad(x * x, [x])
    with pytest.raises(ValueError, match="shape"):
        grad(x * x, [x], grad_outputs=np.ones(3))
    with pytest.raises(TypeError, match="all be Values or all be Tensors"):
        grad(y, [Value(1.0)])


def test_jacobian_hessian_hvp_shapes_and_values() -> None:
    rng = np.random.default_rng(6)
    A = rng.standard_normal((3, 2, 2))
    x0 = rng.standard_normal((2, 2))
    J = jacobian(lambda x: (Tensor(A) * x).sum(axis=(1, 2)) ** 2, x0)
    s = (A * x0).sum(axis=(1, 2))
    np.testing.assert_allclose(J, 2 * s[:, None, None] * A, rtol=1e-12)

    f = lambda x: (x ** 3).sum() + (x[0, 0] * x[1, 1]).exp()
    H = hessian(f, x0)
    assert H.shape == (2, 2, 2, 2)
    v = rng.standard_normal((2, 2))
    np.testing.assert_allclose(hvp(f, x0, v), np.tensordot(H, v, axes=2), rtol=1e-12)
    e = np.exp(x0[0, 0] * x0[1, 1])
    assert H[0, 0, 1, 1] == pytest.approx(e * (1 + x0[0, 0] * x0[1, 1]), rel=1e-12)
    assert H[0, 1, 0, 1] == pytest.approx(6 * x0[0, 1], rel=1e-12)
    assert hessian(lambda x: x.sum() * 2.0, x0).sum() == 0.0  # linear: no curvature
    with pytest.raises(ValueError, match="shape"):
        hvp(f, x0, np.ones(3))


def test_optimizers_step_with_gradients_that_are_nodes() -> None:
    """After backward(create_graph=True) grads are nodes; a step uses their values."""
    v, t = Value(1.0), Tensor(np.array([1.0, -2.0]), requires_grad=True)
    (v * v).backward(create_graph=True)
    (t * t).sum().backward(create_graph=True)
    nn.optim.SGD([v, t], lr=0.1).step()
    assert type(v.data) is float and v.data == pytest.approx(0.8)
    assert type(t.data) is np.ndarray
    np.testing.assert_allclose(t.data, [0.8, -1.6])
