"""ONNX export against onnxruntime: every primitive, models, the batch axis, the refusals.

Each exported file passes `onnx.checker` (full check) and onnxruntime computes what
chainrule computes on random inputs of several batch sizes: 1e-12 relative in float64,
1e-6 in float32 (relative to the largest entry of the output).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from strategies import programs, reductions  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402
from autograd import Tensor, Value, apply, concatenate, no_grad, stack  # noqa: E402
from autograd.ops import PRIMITIVES  # noqa: E402
from autograd.windows import Window  # noqa: E402
from nn import functional as F  # noqa: E402, N812
from nn.onnx_export import ExportError  # noqa: E402
from nn.onnx_ops import ONNX_OPS, OPSET  # noqa: E402

TOL = {np.float64: 1e-12, np.float32: 1e-6}
BATCHES = (1, 3, 8, 50)


def close(got, want, dtype) -> None:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    tol = TOL[dtype]
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(np.abs(want).max(), 1e-300))


def session(proto):
    return ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])


def batch(n: int, width: int, dtype, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed + n).normal(size=(n, width)).astype(dtype)


def param(shape, dtype, seed=1, positive=False) -> Tensor:
    data = np.random.default_rng(seed).normal(size=shape)
    return Tensor(np.abs(data) + 0.5 if positive else data, requires_grad=True, dtype=dtype)


def runs_like_chainrule(model, dtype, width: int = 4, batches=BATCHES, **options):
    """Export on a batch of 6, then compare onnxruntime with chainrule on other batches."""
    proto = nn.to_onnx(model, batch(6, width, dtype, seed=100), **options)
    onnx.checker.check_model(proto, full_check=True)
    run = session(proto)
    for n in batches:
        x = batch(n, width, dtype)
        with no_grad():
            want = model(Tensor(x)).data
        (got,) = run.run(None, {"input": x})
        assert got.dtype == want.dtype and got.shape == want.shape
        close(got, want, dtype)
    return proto


# ---------------------------------------------------------------- one small graph per primitive
# name -> function(dtype) returning a model of a batch x (N, 4); together they use every
# primitive of ONNX_OPS except the fused loss (tested with a fixed batch below).
def cases(d) -> dict:
    w, v, p = param((4,), d), param((4, 3), d, seed=2), param((4,), d, positive=True)
    linear = nn.Linear(2, 3, seed=0, dtype=d)
    conv = nn.Conv2d(1, 3, 2, padding=1, dilation=(1, 2), seed=0, dtype=d)
    return {
        "add": lambda x: x + w, "mul": lambda x: x * w, "neg": lambda x: -x,
        "add_n": lambda x: apply("add_n", x, x * w, w),
        "pow": lambda x: (x.abs() + 0.5) ** p,
        "pow_const": lambda x: (x ** 2 + x ** 3) * (x.abs() + 1) ** -1 + (x.abs() + 1) ** 0.5,
        "exp": lambda x: x.exp(), "log": lambda x: (x.abs() + 0.1).log(),
        "tanh": lambda x: x.tanh(), "sigmoid": lambda x: (x * 10).sigmoid(),
        "softplus": lambda x: (x * 10).softplus(), "log_sigmoid": lambda x: (x * 10).log_sigmoid(),
        "relu": lambda x: x.relu(), "abs": lambda x: x.abs(), "sqrt": lambda x: x.abs().sqrt(),
        "clip": lambda x: x.clip(-0.5, 0.7) + x.clip(lo=0.2) + x.clip(hi=-0.1),
        "maximum": lambda x: x.maximum(w),
        "matmul": lambda x: x @ v,
        "linear": nn.Linear(4, 3, seed=0, dtype=d),
        "linear on 3-d input": lambda x: linear(x.reshape(-1, 2, 2)),
        "sum": lambda x: x.sum(axis=1) + x.sum(axis=1, keepdims=True).sum(axis=1),
        # all positive: float32 onnxruntime sums in float32, chainrule in float64 (exact to
        # 6e-8); with cancellation the difference could exceed the tolerance
        "sum of all": lambda x: x.abs().sum(),
        "max": lambda x: x.max(axis=1), "min": lambda x: x.min(axis=1, keepdims=True),
        "reshape": lambda x: (x.reshape(-1, 2, 2) + x.reshape(len(x), 2, 2)
                             + x.reshape(len(x), -1, 2)),
        "reshape, batch folded": lambda x: x.reshape(len(x) * 4),
        "transpose": lambda x: x.T @ x,
        "getitem, basic": lambda x: (x[:, 1:3] * x[:, 0:1] + x[..., 3:1:-1] + x[:, None, :2][:, 0]
                                     + x[:, -1:]),
        "getitem, an int": lambda x: x[:, 2] + x[..., -1],
        "getitem, reversed": lambda x: x[:, ::-1],
        "getitem, integer array": lambda x: x[:, [0, 2, 2]],
        "getitem, boolean mask": lambda x: x[:, np.array([True, False, True, True])],
        "scatter_add": lambda x: apply("scatter_add", x.sum(axis=0),
                                       ctx=((np.array([0, 2, 2, 1]), np.arange(4)), False,
                                            (3, 4))),
        "where": lambda x: apply("where", x, -x, ctx=np.array([True, False, True, False])),
        "broadcast_to": lambda x: apply("broadcast_to", x.sum(axis=0), ctx=(3, 4)),
        "softmax primitive": lambda x: apply("softmax", x, ctx=1),
        "matmul_t, a transposed": lambda x: apply("matmul_t", x, x, ctx=(True, False)),
        "matmul_t, b transposed": lambda x: apply("matmul_t", x[:, :2], x[:, 2:],
                                                  ctx=(False, True)),
        "matmul_t, both": lambda x: apply("matmul_t", x[:, :2], x[:, :3].T, ctx=(True, True)),
        "concatenate": lambda x: concatenate([x, x * 2], axis=1),
        "stack": lambda x: stack([x, -x], axis=1),
        "im2col, conv2d": lambda x: conv(x.reshape(-1, 1, 2, 2)).reshape(len(x), -1),
        "im2col, max pooling": lambda x: nn.MaxPool2d(2, stride=1, padding=1)(
            x.reshape(-1, 1, 2, 2)).reshape(len(x), -1),
        "col2im": lambda x: apply("col2im", x.reshape(2, -1), ctx=(Window((2, 1), padding=(1, 0)),
                                                                   (1, 1, 1))).reshape(len(x), -1),
        # composites whose constants chainrule computes from the input: exported computed
        "softmax": lambda x: F.softmax(x, axis=1), "softmax over the batch": nn.Softmax(axis=0),
        "log_softmax": lambda x: F.log_softmax(x * 50, axis=-1),
        "mean over the batch": lambda x: x.mean(axis=0), "mean": lambda x: x.mean() + x.mean(1),
        # issue 18: the primitives, and composites that must export (no data-dependent mask)
        "sin, cos": lambda x: x.sin() * x.cos(), "log1p": lambda x: (x.abs() * 3).log1p(),
        "expm1": lambda x: x.expm1(), "erf": lambda x: x.erf(), "erfc": lambda x: x.erfc(),
        "sign": lambda x: x.sign() * x, "floor": lambda x: (x * 3).floor() + x,
        "ceil": lambda x: (x * 3).ceil() + x, "round": lambda x: (x * 3).round() + x,
        "hardtanh": lambda x: F.hardtanh(x, -0.5, 0.7),
        "cumsum": lambda x: x.cumsum(axis=1) + x.cumsum(axis=0),
        "activations": lambda x: (F.leaky_relu(x, 0.1) + F.elu(x) + F.selu(x) + F.silu(x)
                                  + F.gelu(x, approximate="tanh") + F.softsign(x)
                                  + F.relu6(x * 4) + F.softplus(x) + F.log_sigmoid(x * 2)),
        "gelu": lambda x: F.gelu(x),
        "shapes": lambda x: (x.unsqueeze(1).flatten(1) + x.flip(1) + x.repeat(1, 2)[:, 2:6]
                             + autograd.pad(x, (1, 0))[:, :4]
                             + x.reshape(-1, 2, 2).triu(1).reshape(-1, 4)
                             + x.split(2, axis=1)[1].repeat(1, 2)),
        "reductions": lambda x: (x.logsumexp(axis=1) + x.var(axis=1) + x.std(axis=1)
                                 + x.prod(axis=1)),
    }


# onnxruntime's CPU provider has Erf for float32 only; the ONNX standard has it for double
# too, so these export as Erf in float64 as well and are run by onnx's reference evaluator.
FLOAT32_ERF_ONLY = {"erf", "erfc", "gelu"}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", cases(np.float64))
def test_each_primitive_runs_like_chainrule(name, dtype) -> None:
    if name in FLOAT32_ERF_ONLY and dtype is np.float64:
        _runs_in_the_reference_evaluator(cases(dtype)[name])
        return
    proto = runs_like_chainrule(cases(dtype)[name], dtype)
    assert proto.opset_import[0].version == OPSET
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def _runs_in_the_reference_evaluator(model) -> None:
    """A float64 model run by onnx.reference, whose Erf computes in float32: compared at
    float32's tolerance."""
    from onnx.reference import ReferenceEvaluator

    proto = nn.to_onnx(model, batch(6, 4, np.float64, seed=100))
    onnx.checker.check_model(proto, full_check=True)
    evaluator = ReferenceEvaluator(proto)
    for n in BATCHES:
        x = batch(n, 4, np.float64)
        with no_grad():
            want = model(Tensor(x)).data
        (got,) = evaluator.run(None, {"input": x})
        assert got.dtype == want.dtype and got.shape == want.shape
        close(got, want, np.float32)


def test_the_cases_cover_every_entry_and_every_builtin_primitive_has_one() -> None:
    used = set()
    for model in cases(np.float64).values():
        out = model(Tensor(batch(6, 4, np.float64), requires_grad=True))
        used |= {node.op for node in _nodes(out)}
    assert set(ONNX_OPS) - used == {"softmax_cross_entropy"}  # tested with a fixed batch
    builtin = {name for name, p in PRIMITIVES.items()
               if getattr(p.forward, "__module__", "").startswith("autograd")}
    assert builtin <= set(ONNX_OPS), builtin - set(ONNX_OPS)


def _nodes(root):
    from autograd import topological_order

    return topological_order(root, lambda node: node.parents)


# ---------------------------------------------------------------- random graphs and reductions
@settings(max_examples=40, deadline=None)
@given(programs(max_leaves=3, max_steps=8), st.sampled_from([np.float64, np.float32]))
def test_random_graphs_run_like_chainrule(program, dtype) -> None:
    """Each leaf of the expression DAG is a column of the batch; every step is an output."""
    width = len(program.leaves)

    def model(x):
        return program.run([x[:, i] for i in range(width)], lambda outs: stack(outs, axis=1))[0]

    runs_like_chainrule(model, dtype, width=width, batches=(1, 9))


@settings(max_examples=40, deadline=None)
@given(reductions(), st.sampled_from(["sum", "max", "min", "mean"]))
def test_random_reductions_run_like_chainrule(reduction, name) -> None:
    """Reductions of (N, *shape) along axes of shape (shifted past the batch axis) or all."""
    shape, axis, keepdims = reduction
    if isinstance(axis, int):
        axis = axis + 1 if axis >= 0 else axis
    elif isinstance(axis, tuple):
        axis = tuple(a + 1 if a >= 0 else a for a in axis)
    size = int(np.prod(shape))

    def model(x):
        return getattr(x.reshape(len(x), *shape), name)(axis=axis, keepdims=keepdims)

    runs_like_chainrule(model, np.float64, width=size, batches=(1, 4))


# ---------------------------------------------------------------- models
def spiral_model(dtype) -> nn.Sequential:
    x, y = nn.data.spiral(50, 3, seed=0)
    model = nn.Sequential(nn.Linear(2, 32, seed=0, dtype=dtype), nn.ReLU(),
                          nn.Dropout(0.2, seed=0), nn.Linear(32, 3, seed=1, dtype=dtype))
    nn.fit(model, x.astype(dtype), y, nn.CrossEntropyLoss(),
           nn.optim.Adam(model.parameters(), lr=0.02), epochs=30, progress=False)
    return model


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_trained_network_exports_in_one_call(dtype, tmp_path) -> None:
    model = spiral_model(dtype)
    assert model.training
    path = nn.export_onnx(model, batch(5, 2, dtype), tmp_path / "spiral.onnx")
    assert model.training and model.layers[2].training  # traced in eval mode, put back
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    assert [i.name for i in proto.graph.initializer if "layers" in i.name] == [
        "layers.0.weight", "layers.0.bias", "layers.3.weight", "layers.3.bias"]
    assert [node.op_type for node in proto.graph.node] == ["Gemm", "Relu", "Gemm"]
    assert proto.graph.node[0].name == "Sequential/Linear/linear_3"
    assert [d.dim_param or d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim
            ] == ["batch", 3]
    run = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model.eval()
    for n in BATCHES:
        x = batch(n, 2, dtype)
        with no_grad():
            close(run.run(None, {"input": x})[0], model(Tensor(x)).data, dtype)


def test_a_network_ending_in_softmax() -> None:
    model = nn.Sequential(nn.Linear(4, 8, seed=0), nn.Tanh(), nn.Linear(8, 3, seed=1),
                          nn.Sigmoid(), nn.Linear(3, 5, seed=2), nn.Softmax())
    runs_like_chainrule(model, np.float64)


def test_the_scalar_mlp_exports_as_linear_layers() -> None:
    mlp = nn.MLP(3, [5, 5, 2], seed=0)
    proto = nn.to_onnx(mlp, batch(4, 3, np.float64))
    assert [node.op_type for node in proto.graph.node] == ["Gemm", "Relu", "Gemm", "Relu", "Gemm"]
    x = batch(7, 3, np.float64)
    want = [[v.data for v in mlp(row)] for row in x.tolist()]
    close(session(proto).run(None, {"input": x})[0], want, np.float64)


def test_several_inputs_and_a_loss_over_the_batch() -> None:
    w = param((4, 2), np.float64)

    def mse(x, target):
        return ((x @ w - target) ** 2).mean()

    proto = nn.to_onnx(mse, (batch(6, 4, np.float64), batch(6, 2, np.float64)))
    run = session(proto)
    for n in BATCHES:
        x, t = batch(n, 4, np.float64), batch(n, 2, np.float64, seed=9)
        close(run.run(None, {"input_0": x, "input_1": t})[0], mse(Tensor(x), Tensor(t)).data,
              np.float64)


def test_mixed_dtypes_are_cast_as_numpy_promotes() -> None:
    w = param((4, 3), np.float64)
    proto = nn.to_onnx(lambda x: x @ w, batch(6, 4, np.float32))
    assert "Cast" in [node.op_type for node in proto.graph.node]
    x = batch(5, 4, np.float32)
    close(session(proto).run(None, {"input": x})[0], (Tensor(x) @ w).data, np.float64)


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("targets", ["indices", "probabilities"])
def test_a_loss_with_fixed_targets_exports_with_a_fixed_batch(fused, targets) -> None:
    x = batch(6, 3, np.float64)
    y = np.array([0, 2, 1, 1, 0, 2])
    y = y if targets == "indices" else np.eye(3)[y] * 0.8 + 0.2 / 3
    net = nn.Linear(3, 3, seed=0)

    def loss(z):
        return F.cross_entropy(net(z), y, fused=fused)

    with pytest.raises(ExportError, match="dynamic_batch=False"):
        nn.to_onnx(loss, x)
    proto = nn.to_onnx(loss, x, dynamic_batch=False)
    other = batch(6, 3, np.float64, seed=5)
    close(session(proto).run(None, {"input": other})[0], loss(Tensor(other)).data, np.float64)


# ---------------------------------------------------------------- refusals, each naming the problem
def test_a_primitive_without_entry_is_named(monkeypatch) -> None:
    monkeypatch.delitem(ONNX_OPS, "tanh")
    with pytest.raises(ExportError, match="'tanh' has no ONNX counterpart"):
        nn.to_onnx(nn.Sequential(nn.Linear(4, 2, seed=0), nn.Tanh()), batch(3, 4, np.float64))


def test_a_constant_computed_from_the_input_is_refused() -> None:
    with pytest.raises(ExportError, match="a constant of shape .* changes with the input"):
        nn.to_onnx(lambda x: x * Tensor(x.data.std()), batch(6, 4, np.float64))


def test_a_graph_that_depends_on_the_batch_is_refused() -> None:
    with pytest.raises(ExportError, match="depends on"):
        nn.to_onnx(lambda x: x.relu() if len(x) == 6 else x.tanh(), batch(6, 4, np.float64))


def test_bad_calls() -> None:
    x = batch(3, 4, np.float64)
    with pytest.raises(TypeError, match="must return one Tensor"):
        nn.to_onnx(lambda t: (t, t), x)
    with pytest.raises(TypeError, match="returned Values"):
        nn.to_onnx(lambda t: Value(1.0) * 2, x)
    with no_grad(), pytest.raises(ExportError, match="inside no_grad"):
        nn.to_onnx(nn.ReLU(), x)
    with pytest.raises(ValueError, match="NaN or inf"):
        nn.to_onnx(nn.ReLU(), np.full((2, 4), np.nan))
    with pytest.raises(ValueError, match="no batch axis"):
        nn.to_onnx(nn.ReLU(), np.float64(1.0))
    with pytest.raises(ValueError, match="2 distinct names"):
        nn.to_onnx(lambda a, b: a + b, (x, x), input_names=["x", "x"])
    with pytest.raises(ExportError, match="does not depend on its input"):
        nn.to_onnx(lambda t: Tensor(np.ones(3)), x)


def test_value_names_never_collide() -> None:
    class Shift(nn.Module):
        def __init__(self):
            self.input = param((4,), np.float64)  # named "input", as the graph input
            self.relu_3 = param((4,), np.float64, seed=3)  # as the relu node's value

        def forward(self, x):
            return (x + self.input).relu() * self.relu_3

    model = Shift()
    proto = runs_like_chainrule(model, np.float64)
    names = ([i.name for i in proto.graph.input] + [i.name for i in proto.graph.initializer]
             + [o for node in proto.graph.node for o in node.output])
    assert len(names) == len(set(names)) and {"input_1", "relu_3_1"} <= set(names)
