"""nn.optim: each rule against its closed form worked by hand, against torch.optim,
refusals that change nothing, and bad hyper-parameters."""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest

from autograd import Tensor, Value
from nn import optim
from nn.optim import SGD, Adam


def _tensor_class():
    autograd = pytest.importorskip("autograd")
    if not hasattr(autograd, "Tensor"):
        pytest.skip("autograd.Tensor not available yet")
    return autograd.Tensor


P0 = np.array([1.0, -2.0, 0.25])
G1 = np.array([0.5, -1.5, 2.0])
G2 = np.array([-0.25, -1.0, 3.0])


class Params:
    """The same 3 numbers as 3 Values or as one Tensor; read/write data and grads."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        if kind == "value":
            self.params = [Value(float(v), label=f"w{i}") for i, v in enumerate(P0)]
        else:
            self.params = [_tensor_class()(P0.copy(), requires_grad=True, label="W")]

    def set_grad(self, grad: np.ndarray) -> None:
        if self.kind == "value":
            for p, g in zip(self.params, grad):
                p.grad = float(g)
        else:
            self.params[0].grad = np.array(grad, dtype=float)

    def data(self) -> np.ndarray:
        if self.kind == "value":
            return np.array([p.data for p in self.params])
        return self.params[0].data.copy()


def two_steps(make, kind: str) -> tuple[np.ndarray, np.ndarray]:
    ps = Params(kind)
    opt = make(ps.params)
    ps.set_grad(G1)
    opt.step()
    first = ps.data()
    ps.set_grad(G2)
    opt.step()
    return first, ps.data()


KINDS = ["value", "tensor"]


# ------------------------------------------------------------------ closed forms
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("momentum, decay", [(0.0, 0.0), (0.9, 0.0), (0.5, 0.1)])
def test_sgd_two_steps_closed_form(kind, momentum, decay):
    lr = 0.1
    first, second = two_steps(lambda p: optim.SGD(p, lr, momentum=momentum, decay=decay), kind)
    # b1 = g1, b2 = momentum * g1 + g2; step 2 uses lr / (1 + decay * 1).
    p1 = P0 - lr * G1
    p2 = p1 - lr / (1 + decay) * (momentum * G1 + G2)
    np.testing.assert_allclose(first, p1, rtol=1e-14)
    np.testing.assert_allclose(second, p2, rtol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_adagrad_two_steps_closed_form(kind):
    lr, eps, decay = 0.1, 1e-10, 0.5
    first, second = two_steps(lambda p: optim.Adagrad(p, lr, decay=decay), kind)
    p1 = P0 - lr * G1 / (np.sqrt(G1 ** 2) + eps)
    p2 = p1 - lr / (1 + decay) * G2 / (np.sqrt(G1 ** 2 + G2 ** 2) + eps)
    np.testing.assert_allclose(first, p1, rtol=1e-14)
    np.testing.assert_allclose(second, p2, rtol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_rmsprop_two_steps_closed_form(kind):
    lr, alpha, eps = 0.01, 0.9, 1e-8
    first, second = two_steps(lambda p: optim.RMSprop(p, lr, alpha=alpha), kind)
    s1 = (1 - alpha) * G1 ** 2
    s2 = alpha * s1 + (1 - alpha) * G2 ** 2
    p1 = P0 - lr * G1 / (np.sqrt(s1) + eps)
    p2 = p1 - lr * G2 / (np.sqrt(s2) + eps)
    np.testing.assert_allclose(first, p1, rtol=1e-14)
    np.testing.assert_allclose(second, p2, rtol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("decay", [0.0, 0.2])
def test_adam_two_steps_bias_corrected(kind, decay):
    lr, (b1, b2), eps = 0.01, (0.8, 0.95), 1e-8
    first, second = two_steps(lambda p: optim.Adam(p, lr, betas=(b1, b2), decay=decay), kind)
    # After one step the corrected moments are g1 and g1**2 exactly.
    p1 = P0 - lr * G1 / (np.abs(G1) + eps)
    m2 = (b1 * (1 - b1) * G1 + (1 - b1) * G2) / (1 - b1 ** 2)
    v2 = (b2 * (1 - b2) * G1 ** 2 + (1 - b2) * G2 ** 2) / (1 - b2 ** 2)
    p2 = p1 - lr / (1 + decay) * m2 / (np.sqrt(v2) + eps)
    np.testing.assert_allclose(first, p1, rtol=1e-14)
    np.testing.assert_allclose(second, p2, rtol=1e-13)


def test_pytorch_default_hyper_parameters():
    p = [Value(1.0)]
    assert optim.SGD(p).lr == 1e-3 and optim.SGD(p).momentum == 0.0
    assert (optim.Adagrad(p).lr, optim.Adagrad(p).eps) == (1e-2, 1e-10)
    rms = optim.RMSprop(p)
    assert (rms.lr, rms.alpha, rms.eps) == (1e-2, 0.99, 1e-8)
    adam = optim.Adam(p)
    assert (adam.lr, adam.betas, adam.eps) == (1e-3, (0.9, 0.999), 1e-8)


def test_current_lr_decays_per_step():
    p = Value(1.0)
    opt = optim.SGD([p], lr=1.0, decay=0.5)
    rates = []
    for _ in range(3):
        rates.append(opt.current_lr)
        opt.step()
    assert rates == [1.0, 1.0 / 1.5, 1.0 / 2.0]


# ------------------------------------------------------------------ against torch.optim
TORCH_CASES = [
    ("SGD", {"lr": 0.05}, {"lr": 0.05}, 0.0),
    ("SGD", {"lr": 0.05, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.9}, 0.0),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "decay": 0.3}, {"lr": 0.05, "momentum": 0.9}, 0.3),
    ("Adagrad", {"lr": 0.1, "decay": 0.2}, {"lr": 0.1, "lr_decay": 0.2}, 0.0),
    ("RMSprop", {}, {}, 0.0),
    ("Adam", {"lr": 0.05}, {"lr": 0.05}, 0.0),
    ("Adam", {"lr": 0.05, "betas": (0.5, 0.9), "decay": 0.1},
     {"lr": 0.05, "betas": (0.5, 0.9)}, 0.1),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name, ours, theirs, schedule_decay", TORCH_CASES)
def test_matches_torch_on_a_quadratic(kind, name, ours, theirs, schedule_decay):
    torch = pytest.importorskip("torch")
    scale, target = np.array([1.0, 3.0, 0.5]), np.array([0.5, 1.0, -1.0])
    grad_of = lambda p: 2 * scale * (p - target)  # of sum(scale * (p - target)**2)
    ps = Params(kind)
    mine = getattr(optim, name)(ps.params, **ours)
    w = torch.tensor(P0.copy(), dtype=torch.float64, requires_grad=True)
    ref = getattr(torch.optim, name)([w], **theirs)
    # NNFS-style decay in torch: the same 1 / (1 + decay * t) factor through LambdaLR.
    sched = torch.optim.lr_scheduler.LambdaLR(ref, lambda t: 1 / (1 + schedule_decay * t))
    for _ in range(6):
        ps.set_grad(grad_of(ps.data()))
        mine.step()
        ref.zero_grad()
        (torch.tensor(scale) * (w - torch.tensor(target)) ** 2).sum().backward()
        ref.step()
        sched.step()
        np.testing.assert_allclose(ps.data(), w.detach().numpy(), rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------ refusals change nothing
ALL = [
    lambda p: optim.SGD(p, 0.1, momentum=0.9, decay=0.1),
    lambda p: optim.Adagrad(p),
    lambda p: optim.RMSprop(p),
    lambda p: optim.Adam(p),
]


def _snapshot(opt, ps):
    return ps.data(), copy.deepcopy(opt.state), opt.steps


def _assert_same(before, after):
    np.testing.assert_array_equal(before[0], after[0])
    assert before[2] == after[2]
    assert before[1].keys() == after[1].keys()
    for key in before[1]:
        for name, old in before[1][key].items():
            np.testing.assert_array_equal(old, after[1][key][name])


@pytest.mark.parametrize("make", ALL)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_value_grad_refused_before_any_update(make, bad):
    ps = Params("value")
    opt = make(ps.params)
    ps.set_grad(G1)
    opt.step()  # so there is optimizer state to protect
    grads = G2.copy()
    grads[1] = bad
    ps.set_grad(grads)
    before = _snapshot(opt, ps)
    with pytest.raises(ValueError, match=r"parameter 1 \('w1'\).*not finite"):
        opt.step()
    _assert_same(before, _snapshot(opt, ps))


@pytest.mark.parametrize("make", ALL)
def test_non_finite_tensor_grad_refused_before_any_update(make):
    Tensor = _tensor_class()
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones((2, 2)), requires_grad=True, label="B")
    opt = make([a, b])
    a.grad, b.grad = np.ones(2), np.ones((2, 2))
    opt.step()
    a.grad, b.grad = np.full(2, 0.5), np.array([[1.0, 2.0], [np.nan, 3.0]])
    before = (a.data.copy(), b.data.copy(), copy.deepcopy(opt.state), opt.steps)
    with pytest.raises(ValueError, match=r"parameter 1 \('B'\).*not finite.*position 2"):
        opt.step()
    np.testing.assert_array_equal(a.data, before[0])
    np.testing.assert_array_equal(b.data, before[1])
    assert opt.steps == before[3]
    for key, state in before[2].items():
        for name, old in state.items():
            np.testing.assert_array_equal(old, opt.state[key][name])


def test_grad_of_wrong_shape_refused():
    Tensor = _tensor_class()
    w = Tensor(np.ones(3), requires_grad=True)
    w.grad = np.ones(2)
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        optim.SGD([w], 0.1).step()
    np.testing.assert_array_equal(w.data, np.ones(3))


def test_huge_finite_grads_are_not_mistaken_for_overflow():
    ps = [Value(0.0), Value(0.0)]
    ps[0].grad = ps[1].grad = 1e308  # their sum overflows to inf, each is finite
    optim.SGD(ps, lr=1e-300).step()
    assert [p.data for p in ps] == pytest.approx([-1e8, -1e8])


def test_huge_finite_tensor_grads_step_without_warnings():
    # The NaN screen squares the entries (g.g overflows above ~1e154): still no warning,
    # no error, and the exact search finds nothing wrong.
    w = Tensor(np.zeros(3), requires_grad=True)
    w.grad = np.array([1e300, -1e300, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optim.SGD([w], lr=1e-300).step()
    np.testing.assert_allclose(w.data, [-1.0, 1.0, -1e-300])


# ------------------------------------------------------------------ construction
@pytest.mark.parametrize("make, pattern", [
    (lambda p: optim.SGD(p, lr=-0.1), "lr must be >= 0, got -0.1"),
    (lambda p: optim.SGD(p, lr=math.nan), "lr must be finite"),
    (lambda p: optim.SGD(p, 0.1, momentum=1.0), r"momentum must be in \[0, 1\), got 1.0"),
    (lambda p: optim.SGD(p, 0.1, momentum=-0.5), "momentum"),
    (lambda p: optim.SGD(p, 0.1, decay=-1), "decay must be >= 0, got -1"),
    (lambda p: optim.Adam(p, betas=(0.9, 1.0)), r"betas\[1\] must be in \[0, 1\)"),
    (lambda p: optim.Adam(p, betas=(-0.1, 0.9)), r"betas\[0\]"),
    (lambda p: optim.Adam(p, betas=(0.9,)), "pair"),
    (lambda p: optim.Adam(p, eps=-1e-8), "eps must be >= 0"),
    (lambda p: optim.Adagrad(p, eps=-1.0), "eps"),
    (lambda p: optim.RMSprop(p, alpha=1.5), "alpha"),
    (lambda p: optim.SGD([], 0.1), "empty"),
])
def test_bad_hyper_parameters_raise_value_error(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make([Value(1.0)])


@pytest.mark.parametrize("params, pattern", [
    ([Value(1.0), 3.0], "parameter 1 is a float"),
    (42, "iterable"),
    (Value(1.0), "single Value"),
])
def test_non_parameters_raise_type_error(params, pattern):
    with pytest.raises(TypeError, match=pattern):
        optim.SGD(params, 0.1)


def test_lr_type_error():
    with pytest.raises(TypeError, match="lr must be a real number"):
        optim.SGD([Value(1.0)], lr="0.1")


def test_non_leaf_refused():
    a = Value(1.0)
    with pytest.raises(ValueError, match="parameter 0 .*'mul'.*not a leaf"):
        optim.SGD([a * 2.0], 0.1)


# ------------------------------------------------------------------ behaviour
def test_accepts_module_like_object_and_generators():
    class Model:
        def __init__(self):
            self.w = [Value(1.0), Value(2.0)]

        def parameters(self):
            return iter(self.w)

    model = Model()
    opt = optim.SGD(model, lr=0.5)
    assert opt.params == model.w
    assert optim.SGD((p for p in model.w), 0.5).params == model.w


def test_shared_parameter_updated_once():
    w = Value(1.0)
    w.grad = 2.0
    optim.SGD([w, w], lr=0.25).step()
    assert w.data == 0.5


def test_zero_grad_values_and_tensors():
    Tensor = _tensor_class()
    v, t = Value(1.0), Tensor(np.ones(2), requires_grad=True)
    v.grad, t.grad = 3.0, np.ones(2)
    opt = optim.SGD([v, t], 0.1)
    opt.zero_grad()
    assert v.grad == 0.0 and t.grad is None
    t.grad = np.ones(2)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(t.grad, np.zeros(2))
    assert t.grad.shape == t.data.shape


def test_tensor_without_grad_is_skipped_and_data_updated_in_place():
    Tensor = _tensor_class()
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2, dtype=np.float32), dtype=np.float32, requires_grad=True)
    v = Value(1.0)
    buffer = b.data
    opt = optim.Adam([a, b, v], lr=0.1)
    b.grad, v.grad = np.ones(2, dtype=np.float32), -1.0
    opt.step()
    np.testing.assert_array_equal(a.data, np.ones(2))  # grad None: untouched, no state
    assert 0 not in opt.state
    assert b.data is buffer and b.data.dtype == np.float32
    np.testing.assert_allclose(b.data, 0.9, rtol=1e-6)
    assert v.data == pytest.approx(1.1) and type(v.data) is float


def test_value_data_stays_python_float_with_state():
    ps = [Value(1.0), Value(2.0)]
    for p in ps:
        p.grad = 1.0
    optim.SGD(ps, 0.1, momentum=0.9).step()
    assert all(type(p.data) is float for p in ps)


def test_refusal_names_parameter_from_named_parameters():
    class Model:
        def __init__(self):
            self.w, self.b = Value(1.0), Value(0.0)

        def named_parameters(self):
            return [("layer.w", self.w), ("layer.b", self.b)]

    model = Model()
    opt = optim.Adam(model)
    model.b.grad = math.inf
    with pytest.raises(ValueError, match=r"parameter 1 \('layer.b'\) is not finite \(inf\)"):
        opt.step()
    assert (model.w.data, model.b.data, opt.state, opt.steps) == (1.0, 0.0, {}, 0)


def test_sgd_float32_gradient_of_a_float64_parameter_keeps_float64_precision():
    """The update is data - lr * grad computed in the parameter's dtype: a float32 gradient
    must not round the float64 parameter to float32."""
    data = np.array([1.0 + 2.0 ** -40, -3.0])
    w = Tensor(data.copy(), requires_grad=True)
    w.grad = np.array([0.5, 0.25], dtype=np.float32)
    optim.SGD([w], lr=0.1).step()
    assert w.data.dtype == np.float64
    np.testing.assert_array_equal(w.data, data - np.float32(0.5) * 0.1 * np.array([1.0, 0.5]))


# ---------------------------------------------------------------- Value data of other types
@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.5),
                                  lambda ps: SGD(ps, lr=0.5, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.5)],
                         ids=["sgd", "sgd-momentum", "adam"])
def test_value_data_that_is_not_a_number_is_refused_and_nothing_moves(make) -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    a.grad, b.grad = 0.5, 0.5
    b.data = "two"  # a user's mistake: micrograd-style code assigning .data itself
    optimizer = make([a, b])
    with pytest.raises(TypeError, match=r"parameter 1 \('b'\) holds 'two', not a real number"):
        optimizer.step()
    assert (a.data, b.data, optimizer.steps, optimizer.state) == (1.0, "two", 0, {})


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.5),
                                  lambda ps: SGD(ps, lr=0.5, momentum=0.9)],
                         ids=["sgd", "sgd-momentum"])
def test_value_data_of_other_number_types_steps_to_python_floats(make) -> None:
    params = [Value(1.0), Value(1.0), Value(1.0)]
    params[0].data, params[1].data = np.float64(1.0), 1  # numpy scalar, int
    for p in params:
        p.grad = 0.5
    make(params).step()
    assert [p.data for p in params] == [0.75, 0.75, 0.75]
    assert all(type(p.data) is float for p in params)
