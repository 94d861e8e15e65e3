"""visualize: what the boxes say (tensor values, op labels, held constants, chain names) and
the copies drawn for widely used nodes; all at the DOT level, no Graphviz run."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import visualize
from autograd import Tensor, Value, topological_order
from chainrule import expression
from nn import functional as F  # noqa: N812 - the conventional name
from visualize import label as lbl
from visualize import layout


def records(source: str) -> list[str]:
    """The record labels of a DOT text, unescaped enough to compare rows."""
    return [m.replace("\\n", "\n") for m in re.findall(r'label="\{(.*?)\}"', source)]


def op_labels(source: str) -> list[str]:
    return re.findall(r'\w+_op \[label="(.*?)"', source)


# ---------------------------------------------------------------- tensor records
def test_small_tensors_show_their_values_row_by_row():
    z = Tensor(np.array([[1.0, -2.5, 0.125], [4.0, 5.0, 6.0]]), requires_grad=True, label="z")
    y = (z * 2.0).sum()
    y.backward()
    rows = records(visualize.draw(y).source)
    z_row = next(r for r in rows if r.startswith("z|"))
    assert z_row == ("z|2×3 float64|data [[1, -2.5, 0.125],\n [4, 5, 6]]"
                     "|grad [[2, 2, 2],\n [2, 2, 2]]")
    assert lbl.summary(np.zeros((2, 7))) == "min 0 mean 0 max 0"  # rows too long to list
    assert lbl.summary(np.arange(13.0)) == "min 0 mean 6 max 12"  # too many values
    assert lbl.summary(np.ones((1, 2, 2))) == "[[[1, 1],\n  [1, 1]]]"


def test_tensor_constants_and_inputs_without_gradient_show_no_grad_row():
    x = Tensor(np.array([1.0, 2.0]), label="x")  # data: no gradient
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True, label="w")
    y = (x * w + np.array([3.0, 4.0])).sum()
    y.backward()
    rows = records(visualize.draw(y).source)
    assert "x|2 float64|data [1, 2]" in rows
    assert "2 float64|data [3, 4]" in rows  # the unlabelled constant
    assert "w|2 float64|data [0.5, -1]|grad [1, 2]" in rows
    assert not any("grad None" in r for r in rows)


@pytest.mark.parametrize("build, expected", [
    (lambda t: t.sum(axis=1, keepdims=True), "sum axis=1 keepdims"),
    (lambda t: t.sum(), "sum all"),
    (lambda t: t.max(axis=0), "max axis=0"),
    (lambda t: t.min(axis=(0, 1)), "min all"),
    (lambda t: t.reshape(1, 2, 3).sum(axis=(1, 2)), "sum axis=1,2"),
    (lambda t: t.reshape(3, 2), "reshape to 3×2"),
    (lambda t: t.T, "ᵀ"),
    (lambda t: t[np.arange(2), np.array([2, 0])], "index [[0,1], [2,0]]"),
    (lambda t: t[:, 1:], "index [:, 1:]"),
    (lambda t: t ** 2, "xⁿ (2)"),
])
def test_op_labels_spell_out_axes_shapes_and_indices(build, expected):
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = build(t)
    assert expected in op_labels(visualize.draw(out).source)
    assert "((" not in visualize.draw(out).source  # no raw ctx tuples


def test_unknown_or_odd_ctx_falls_back_to_the_op_name():
    assert lbl.op_text("my_op", object()) == "my_op"
    assert lbl.op_text("sum", ("not", "axes", "tuple")).startswith("Σ")


# ---------------------------------------------------------------- held constants
def test_softmax_max_shift_is_named_and_has_no_grad_in_both_engines():
    z = Tensor(np.array([[2.0, 1.0, 0.1], [0.5, 3.0, -1.0]]), requires_grad=True, label="z")
    loss = F.cross_entropy(z, [0, 1])
    loss.backward()
    rows = records(visualize.draw(loss).source)
    held = [r for r in rows if "held constant" in r]
    assert held == ["−max axis=1 (held constant)|2×1 float64|data [[-2],\n [-3]]"]

    logits = [Value(v, label=f"z{j}") for j, v in enumerate([2.0, 1.0, 0.1])]
    loss = F.cross_entropy(logits, 0)
    loss.backward()
    held = [r for r in records(visualize.draw(loss).source) if "held constant" in r]
    assert held == ["−max (held constant)|data -2"] * 3  # one constant per logit, no grad


def test_a_constant_that_is_not_the_maximum_is_not_named():
    z = Tensor(np.array([[2.0, 1.0]]), requires_grad=True, label="z")
    y = (z - np.array([[1.5]])).sum()  # 1.5 is no statistic of z
    y.backward()
    assert "held constant" not in visualize.draw(y).source
    a, b = Value(1.0, label="a"), Value(4.0, label="b")
    y = a + 3.0  # a lone constant, not a row maximum
    assert "held constant" not in visualize.draw(y).source
    assert "held constant" not in visualize.draw(a + b).source


# ---------------------------------------------------------------- chain printout
def test_chain_names_intermediate_nodes_by_what_they_compute():
    x1, w1, b = Value(2.0, label="x1"), Value(-3.0, label="w1"), Value(1.0, label="b")
    o = (x1 * w1 + b).tanh()
    o.backward()
    text = str(visualize.chain(o, w1))
    assert "-> x1*w1 -[" in text and "-> x1*w1 + b -[" in text
    assert "-> tanh(x1*w1 + b)" in text
    assert "·" not in text
    a = Value(3.0, label="a")
    c = (a * a + a).exp() * 2.0
    c.backward()
    assert "exp(a*a + a)*2" in str(visualize.chain(c, a))
    long = Value(1.0, label="a_long_name")
    d = ((long * long + long) * long + long).tanh()
    d.backward()
    assert "-> tanh(add(…))" in str(visualize.chain(d, long))  # too long to spell out


# ---------------------------------------------------------------- widely used nodes
def sum_of(terms: int, names: str = "a") -> Value:
    text = "+".join(names[i % len(names)] for i in range(terms))
    root, _ = expression.build(text, {name: 1.0 for name in names})
    root.backward()
    return root


@pytest.mark.parametrize("terms, names", [(101, "ab"), (1000, "a"), (400, "a")])
def test_a_leaf_used_far_and_often_is_drawn_beside_each_use(terms, names):
    root = sum_of(terms, names)
    graph = visualize.draw(root, max_nodes=None)
    source = graph.source
    copies = re.findall(r"^\s*(\w+_c\d+) \[label=", source, re.M)
    # Every use but the nearest ones is a copy; the leaf itself is drawn once, with its count.
    assert len(copies) >= terms - 4
    for name in names:
        uses = (terms + len(names) - 1 - names.index(name)) // len(names)
        assert f"{{{name}|data 1|grad {uses}|used {uses}×: far uses drawn as copies}}" in source
    assert graph.hidden_edges < 50  # no long edges left for dot to route
    assert 'style="filled,dashed"' in source


def test_small_graphs_keep_their_shared_edges():
    root, leaves = expression.build("x*x*x*x*x + x", {"x": 2.0})
    root.backward()
    source = visualize.draw(root).source
    assert "_c1" not in source and "used" not in source
    assert source.count("n0 -> ") == 6  # x -> each of its six uses


def test_layout_budget_is_what_decides():
    root = sum_of(60)
    traced = visualize.trace.plan(root)
    assert layout.plan_layout(traced).copies
    original = layout.FAN_BUDGET
    try:
        layout.FAN_BUDGET = 10**9
        assert not layout.plan_layout(traced).copies
    finally:
        layout.FAN_BUDGET = original


def test_copies_of_a_highlighted_leaf_are_highlighted():
    root = sum_of(60)
    leaf = next(n for n in visualize.trace.topological_order(root) if n.label == "a")
    source = visualize.draw(root, highlight=visualize.chain(root, leaf, max_paths=1)).source
    lit_copies = re.findall(r"^\s*\w+_c\d+ -> \w+ \[color=", source, re.M)
    assert len(lit_copies) > 50


@st.composite
def reused_graphs(draw) -> Value:
    """Random Value graphs whose early nodes are used again and again, far down the graph."""
    pool = [Value(float(i + 1), label=f"v{i}") for i in range(draw(st.integers(1, 3)))]
    for _ in range(draw(st.integers(1, 40)) * 3):
        op = draw(st.sampled_from(["add", "mul", "tanh"]))
        a = pool[draw(st.integers(0, min(len(pool) - 1, 3)))]  # mostly the first few
        b = pool[-1]
        pool.append(b.tanh() if op == "tanh" else (a + b if op == "add" else a * b * 0.5))
    root = pool[-1]
    root.backward()
    return root


@given(reused_graphs())
@settings(max_examples=40, deadline=None)
def test_every_input_edge_is_drawn_once_from_its_source_or_a_copy(root):
    order = topological_order(root)
    key = {id(node): f"n{i}" for i, node in enumerate(order)}
    source = visualize.draw(root, max_nodes=None).source
    edges = re.findall(r"^\s*(\w+) -> (\w+)", source, re.M)
    into: dict[str, list[str]] = {}
    for tail, head in edges:
        into.setdefault(head, []).append(tail)
    for node in order:
        if node._op is None:
            continue
        tails = sorted(t.split("_c")[0] for t in into.get(key[id(node)] + "_op", []))
        assert tails == sorted(key[id(p)] for p in node._prev)
    copies = set(re.findall(r"^\s*(\w+_c\d+) \[", source, re.M))
    assert copies == {t for t, _ in edges if "_c" in t}  # every copy feeds exactly its use
