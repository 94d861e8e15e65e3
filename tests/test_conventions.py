"""docs/conventions.md, executed: every row of its tables is computed in `Value`, `Tensor`
float64, `Tensor` float32 and PyTorch, and must give the values the row states.

The rows are read from the document itself, so the table cannot drift from the code: a
row without a computation here, or a computation without a row, fails
`test_every_row_is_computed`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from autograd import Tensor, Value, apply
from nn import functional as F  # noqa: N812 - the conventional name

DOC = Path(__file__).resolve().parent.parent / "docs" / "conventions.md"
ROW = re.compile(r"^\| `([a-z0-9-]+)` \| (.*?) \| (.*?) \| (.*?) \|$")
NAMES = {"inf": math.inf, "nan": math.nan, "e": math.e, "log": math.log}
ENGINES = ["value", "float64", "float32"]


def rows() -> dict[str, tuple[str, str]]:
    """id -> (chainrule's cell, PyTorch's cell) of every table row of the document."""
    out = {}
    for line in DOC.read_text().splitlines():
        match = ROW.match(line.strip())
        if match:
            out[match[1]] = (match[3], match[4])
    return out


def expected(cell: str, chainrule_cell: str) -> object:
    """A cell as a value: a Python expression in backticks, `ValueError`, or 'the same'."""
    if cell == "the same":
        cell = chainrule_cell
    text = cell.strip().strip("`")
    if text == "ValueError":
        return ValueError
    return eval(text, {"__builtins__": {}}, NAMES)  # noqa: S307 - the project's own doc


# ---------------------------------------------------------------- the engines
class Engine:
    """Runs f(*inputs) in one engine: the value and d sum(f)/d input for each input."""

    def __init__(self, name: str) -> None:
        self.name = name

    def leaf(self, x: object) -> object:
        if self.name == "torch":
            import torch
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)
        if self.name == "value":
            if isinstance(x, list):
                return [Value(v) for v in x]
            return Value(x)
        return Tensor(np.array(x, dtype=self.name), requires_grad=True)

    def run(self, f: Callable, *xs: object, value_only: bool = False) -> object:
        leaves = [self.leaf(x) for x in xs]
        out = f(self, *leaves)
        value = _number(out)
        if value_only:
            return value
        if self.name == "value":
            out = Value.sum(out) if isinstance(out, list) else out
            out.backward()
            grads = [[v.grad for v in x] if isinstance(x, list) else x.grad for x in leaves]
        else:
            out.sum().backward()
            grads = [np.asarray(x.grad).tolist() for x in leaves]
        return (value, *grads)

    # ops, each in this engine's spelling
    def torch(self):
        import torch
        return torch

    def maximum(self, a, b):
        if self.name == "torch":
            return self.torch().maximum(a, b)
        return apply("maximum", a, b)

    def clip(self, x, lo, hi):
        if self.name == "torch":
            return x.clip(lo, hi)
        return apply("clip", x, ctx=(lo, hi))

    def softplus(self, x):
        if self.name == "torch":
            return self.torch().nn.functional.softplus(x)
        return x.softplus()

    def log_sigmoid(self, x):
        if self.name == "torch":
            return self.torch().nn.functional.logsigmoid(x)
        return x.log_sigmoid()

    def unary(self, name, x, ctx=None):
        """A primitive of one input by its table name; PyTorch's function of that name."""
        if self.name == "torch":
            torch = self.torch()
            if name == "hardtanh":
                return torch.nn.functional.hardtanh(x, *ctx)
            return getattr(torch.nn.functional, name, None)(x) if name == "softsign" \
                else getattr(torch, name)(x)
        return apply(name, x, ctx=ctx)

    def reduce(self, name, x):
        if self.name == "torch":
            return getattr(self.torch(), "a" + name)(x)
        return getattr(x, name)()

    def weighted(self, f_name, z, w):
        """sum_j w_j f(z)_j for f = softmax or log_softmax over the last axis."""
        if self.name == "torch":
            return (getattr(self.torch(), f_name)(z, 0) * self.torch().tensor(w)).sum()
        out = getattr(F, f_name)(z)
        if self.name == "value":
            return Value.sum([o * wj for o, wj in zip(out, w)])
        return (out * np.array(w)).sum()

    def one_entry(self, f_name, z, j):
        if self.name == "torch":
            return getattr(self.torch(), f_name)(z, 0)[j]
        return getattr(F, f_name)(z)[j]

    def cross_entropy(self, z, target):
        if self.name == "torch":
            tf = self.torch().nn.functional
            return tf.cross_entropy(z.reshape(1, -1), self.torch().tensor([target]))
        if self.name == "value":
            return F.cross_entropy(z, target)
        return F.cross_entropy(z.reshape(1, -1), [target])


def _number(out: object) -> object:
    if isinstance(out, list):
        return [v.data for v in out]
    if isinstance(out, Value):
        return out.data
    data = out.detach().numpy() if hasattr(out, "detach") else out.data
    return float(data) if np.size(data) == 1 else np.asarray(data).tolist()


# id -> (how: f(engine, *inputs), the inputs, options); "value_only" compares the value
# alone, "tensor_only" skips the Value engine (an op it does not have).
W = [1.0, 2.0, 3.0]
ROWS: dict[str, tuple] = {
    "relu-0": (lambda m, x: x.relu(), [0.0], {}),
    "abs-0": (lambda m, x: x.abs(), [0.0], {}),
    "clip-lo": (lambda m, x: m.clip(x, -1.0, 1.0), [-1.0], {}),
    "clip-hi": (lambda m, x: m.clip(x, -1.0, 1.0), [1.0], {}),
    "maximum-tie": (lambda m, a, b: m.maximum(a, b), [2.0, 2.0], {}),
    "max-tie": (lambda m, x: m.reduce("max", x), [[1.0, 3.0, 3.0, 3.0]], {"tensor_only": True}),
    "min-tie": (lambda m, x: m.reduce("min", x), [[1.0, 1.0, 3.0]], {"tensor_only": True}),
    "pow-0-0": (lambda m, x: x ** 0, [0.0], {}),
    "pow-0-half": (lambda m, x: x ** 0.5, [0.0], {}),
    "pow-0-neg": (lambda m, x: x ** -1, [0.0], {}),
    "pow-ab-0-0": (lambda m, a, b: a ** b, [0.0, 0.0], {}),
    "pow-ab-0-2": (lambda m, a, b: a ** b, [0.0, 2.0], {}),
    "pow-ab-0-neg": (lambda m, a, b: a ** b, [0.0, -1.0], {}),
    "pow-ab-neg-int": (lambda m, a, b: a ** b, [-2.0, 3.0], {}),
    "pow-huge-exponent": (lambda m, a, b: a ** b, [-1.0, 1e30], {}),
    "pow-minus-0-half": (lambda m, x: x ** 0.5, [-0.0], {}),
    "pow-minus-0-minus-half": (lambda m, x: x ** -0.5, [-0.0], {}),
    "pow-neg-frac": (lambda m, x: x ** (1 / 3), [-8.0], {}),
    "pow-minus-inf-frac": (lambda m, a, b: a ** b, [-math.inf, 0.5], {}),
    "sqrt-0": (lambda m, x: x.sqrt(), [0.0], {}),
    "sqrt-neg": (lambda m, x: x.sqrt(), [-1.0], {}),
    "log-0": (lambda m, x: x.log(), [0.0], {}),
    "log-neg": (lambda m, x: x.log(), [-1.0], {}),
    "div-by-0": (lambda m, a, b: a / b, [1.0, 0.0], {}),
    "div-0-by-0": (lambda m, a, b: a / b, [0.0, 0.0], {"value_only": True}),
    "exp-huge": (lambda m, x: x.exp(), [1000.0], {}),
    "sigmoid-inf": (lambda m, x: x.sigmoid(), [math.inf], {}),
    "tanh-inf": (lambda m, x: x.tanh(), [-math.inf], {}),
    "softplus-0": (lambda m, x: m.softplus(x), [0.0], {}),
    "softplus-30": (lambda m, x: m.softplus(x), [30.0], {}),
    "log-sigmoid-minus-inf": (lambda m, x: m.log_sigmoid(x), [-math.inf], {}),
    "log1p-minus-1": (lambda m, x: m.unary("log1p", x), [-1.0], {}),
    "log1p-below": (lambda m, x: m.unary("log1p", x), [-2.0], {}),
    "hardtanh-bound": (lambda m, x: m.unary("hardtanh", x, (-1.0, 1.0)), [1.0], {}),
    "softsign-inf": (lambda m, x: m.unary("softsign", x), [math.inf], {}),
    "floor-1": (lambda m, x: m.unary("floor", x), [1.0], {}),
    "relu-nan": (lambda m, x: x.relu(), [math.nan], {}),
    "hardtanh-nan": (lambda m, x: m.unary("hardtanh", x, (-1.0, 1.0)), [math.nan], {}),
    "sign-nan": (lambda m, x: m.unary("sign", x), [math.nan], {}),
    "abs-nan": (lambda m, x: x.abs(), [math.nan], {}),
    "clip-nan": (lambda m, x: m.clip(x, -1.0, 1.0), [math.nan], {}),
    "maximum-nan": (lambda m, a, b: m.maximum(a, b), [math.nan, 1.0], {}),
    "max-nan": (lambda m, x: m.reduce("max", x), [[math.nan, 1.0, 0.0]], {"tensor_only": True}),
    "softmax-minus-inf": (lambda m, z: m.weighted("softmax", z, W), [[0.0, -math.inf, 1.0]], {}),
    "log-softmax-minus-inf": (lambda m, z: m.one_entry("log_softmax", z, 1) * 2.0,
                              [[0.0, -math.inf, 1.0]], {"entry": 1}),
    "softmax-all-minus-inf": (lambda m, z: m.weighted("softmax", z, [1.0, 1.0]),
                              [[-math.inf, -math.inf]], {"value_only": True}),
    "softmax-plus-inf": (lambda m, z: m.weighted("softmax", z, [1.0, 1.0]),
                         [[math.inf, 0.0]], {"value_only": True}),
    "softmax-nan": (lambda m, z: m.weighted("softmax", z, [1.0, 1.0]), [[math.nan, 0.0]],
                    {"value_only": True}),
    "cross-entropy-minus-inf": (lambda m, z: m.cross_entropy(z, 0), [[0.0, -math.inf, 1.0]],
                                {}),
    "cross-entropy-minus-inf-target": (lambda m, z: m.cross_entropy(z, 1),
                                       [[0.0, -math.inf, 1.0]], {"value_only": True}),
    "dead-path": (lambda m, x: x.sqrt() * 0.0, [0.0], {"gradient_only": True}),
}


def compute(engine: Engine, row_id: str) -> object:
    """The row's result in `engine`, shaped as the document writes it (ValueError if raised)."""
    f, inputs, options = ROWS[row_id]
    try:
        with np.errstate(invalid="ignore"):  # 0 * inf in the forward pass: numpy's warning
            result = engine.run(f, *inputs, value_only=options.get("value_only", False))
    except ValueError:
        return ValueError
    if options.get("gradient_only"):
        return result[1]
    if "entry" in options:  # one output entry and the gradient of the same input entry
        value, grad = result
        return (value / 2.0, grad[options["entry"]])
    if not isinstance(result, tuple):
        return result
    # a list output (softmax of Values) summed by backward: report the sum it weighted
    return tuple(v for v in result)


def same(got: object, want: object, rtol: float) -> bool:
    if want is ValueError or got is ValueError:
        return got is want
    if isinstance(want, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(want) and all(
            same(g, w, rtol) for g, w in zip(got, want))
    if isinstance(got, (tuple, list)):
        return False
    got, want = float(got), float(want)
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if math.isinf(want) or math.isinf(got):
        return got == want
    return got == pytest.approx(want, rel=rtol, abs=rtol * 1e-3)


def test_every_row_is_computed() -> None:
    assert set(rows()) == set(ROWS)


CASES = [(row_id, engine) for row_id in sorted(ROWS) for engine in ENGINES
         if not (engine == "value" and ROWS[row_id][2].get("tensor_only"))]


@pytest.mark.parametrize("row_id, engine", CASES)
def test_chainrule_gives_the_documented_value(row_id: str, engine: str) -> None:
    ours, theirs = rows()[row_id]
    if row_id == "dead-path" and engine != "value":  # the one deliberate difference
        ours = theirs
    want = expected(ours, ours)
    got = compute(Engine(engine), row_id)
    assert same(got, want, 1e-6 if engine == "float32" else 1e-14), (row_id, engine, got, want)


@pytest.mark.parametrize("row_id", sorted(ROWS))
def test_pytorch_gives_the_documented_value(row_id: str) -> None:
    pytest.importorskip("torch")
    ours, theirs = rows()[row_id]
    want = expected(theirs, ours)
    got = compute(Engine("torch"), row_id)
    assert same(got, want, 1e-14), (row_id, got, want)
