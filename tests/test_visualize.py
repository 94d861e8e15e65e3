"""visualize: DOT-level checks of draw / compare / chain (no Graphviz run here)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import visualize
from autograd import Value, scope, topological_order
from visualize import label as lbl
from visualize.style import STYLE


def node_lines(source: str) -> dict[str, str]:
    """DOT node statements by id (the body lines that are not edges or attributes)."""
    found = {}
    for line in source.splitlines():
        m = re.match(r"\s*(\w+) \[label=", line)
        if m and "->" not in line:
            found[m.group(1)] = line
    return found


def edge_lines(source: str) -> list[tuple[str, str, str]]:
    """(tail, head, attribute text) of every edge statement."""
    return [(m.group(1), m.group(2), m.group(3) or "")
            for m in re.finditer(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$", source, re.M)]


def neuron():
    """micrograd's neuron example: o = tanh(x1 w1 + x2 w2 + b), by hand o ≈ 0.7071."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, (x1, x2, w1, w2, b)


# ---------------------------------------------------------------- draw, Value graphs
def test_value_graph_has_a_record_per_node_and_an_op_node_per_op():
    o, _ = neuron()
    source = visualize.draw(o).source
    nodes, edges = node_lines(source), edge_lines(source)
    # By hand: 5 leaves, 2 mul, 2 add, 1 tanh -> 10 values and 5 ops.
    assert len(nodes) == 15
    assert sum("shape=\"ellipse\"" in line for line in nodes.values()) == 5
    # One edge per (input -> op) plus one op -> result per op: 2+2+2+2+1 inputs, 5 results.
    assert len(edges) == 9 + 5
    assert source.count('label="×"') == 2 and source.count('label="+"') == 2
    assert 'label="tanh"' in source
    assert '{o|data 0.7071|grad 1}' in source
    assert '{x1|data 2|grad -1.5}' in source  # do/dx1 = w1 (1 - o^2) = -3 * 0.5


def test_styles_tell_output_inputs_params_and_constants_apart():
    a = Value(2.0, label="a")
    out = (a * 3.0).exp()  # 3.0 becomes an unlabelled constant leaf

    class Model:
        def named_parameters(self):
            return [("layer.weight", a)]

    nodes = node_lines(visualize.draw(out, params=Model()).source)
    by_label = {line.split("label=")[1].split("|")[0]: line for line in nodes.values()}
    assert STYLE["param"]["fillcolor"] in by_label['"{layer.weight']
    constant = [line for line in nodes.values() if 'label="{data 3}"' in line]  # no grad row
    assert len(constant) == 1 and STYLE["const"]["fillcolor"] in constant[0]
    output = [line for line in nodes.values() if STYLE["output"]["fillcolor"] in line]
    assert len(output) == 1 and "data 403.4" in output[0]  # e^6
    plain = node_lines(visualize.draw(out).source)
    assert sum(STYLE["input"]["fillcolor"] in line for line in plain.values()) == 1


def test_local_gradients_on_edges_are_the_hand_derivatives():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a ** 2  # dc/da along mul = b = -3, along pow = 2a = 4; the add edges carry 1
    source = visualize.draw(c, show_local_grads=True).source
    labels = sorted(re.findall(r'-> \w+_op \[label="([^"]*)"\]', source))
    assert labels == sorted(["-3", "2", "4", "1", "1"])


def test_op_symbols_and_constants_in_op_nodes():
    x = Value(0.5, label="x")
    y = Value.sum([x, x.sigmoid(), x ** 3, -x])
    source = visualize.draw(y).source
    for text in ('"Σ"', '"σ"', '"xⁿ (3)"', '"−x"'):
        assert f"label={text}" in source


def test_highlight_accepts_nodes():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    source = visualize.draw(c, highlight=[a, c]).source
    lit = [e for e in edge_lines(source) if "#c0392b" in e[2]]
    # a -> op and op -> c are on the highlighted pair; b's edge is not.
    assert len(lit) == 2


def test_bad_options_raise_clear_errors():
    a = Value(1.0)
    with pytest.raises(TypeError, match="Value or Tensor"):
        visualize.draw(3.0)
    with pytest.raises(ValueError, match="collapse"):
        visualize.draw(a, collapse=-1)
    with pytest.raises(ValueError, match="max_nodes"):
        visualize.draw(a, max_nodes=0)
    with pytest.raises(ValueError, match="rankdir"):
        visualize.draw(a, rankdir="XY")
    with pytest.raises(TypeError, match="named_parameters"):
        visualize.draw(a, params=object())
    with pytest.raises(TypeError, match="highlight"):
        visualize.draw(a, highlight=3)


# ---------------------------------------------------------------- escaping
HOSTILE = ['<b>x</b> & "y" {z|w} \\N', "line1\nline2\r\tend", "ünïcødé → ∂L/∂w 😀",
           "&lt; &bogus; &#60;", "ctrl\x00\x01\x1b\ud800end", "}|{<>", "\\", '"', "]"]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_labels_leave_the_dot_structure_intact(text):
    a = Value(1.0, label=text)
    b = a * 2.0
    b.label = text
    source = visualize.draw(b).source
    # The label never closes its quoted string: every line still parses as one statement.
    for line in source.splitlines()[4:-1]:
        assert re.fullmatch(r'\t(\w+( -> \w+)?( \[(label=)?"(\\.|[^"\\])*".*\])?)', line), line
    assert len(node_lines(source)) == 4


def test_record_and_quote_escaping_by_hand():
    assert lbl.record_field('a<b>|{c}"d"') == 'a\\<b\\>\\|\\{c\\}\\"d\\"'
    assert lbl.quote('say "hi"\\n&') == '"say \\"hi\\"\\\\n&amp;"'
    assert lbl.quote("x\ny") == '"x\\ny"'
    assert lbl.clean("a\x00b\ud800") == "a\ufffdb\ufffd"


# ---------------------------------------------------------------- large graphs
def test_a_100000_node_chain_goes_to_dot_without_recursion():
    x = Value(0.5, label="x")
    y = x
    for _ in range(50_000):  # two nodes per step: the product and its constant
        y = y * 1.0
    assert len(topological_order(y)) == 100_001
    source = visualize.draw(y, max_nodes=None).source
    assert source.count("_op [label=") == 50_000
    assert "{x|data 0.5" in source


def test_max_nodes_truncates_with_a_note():
    x = Value(0.5, label="x")
    y = x
    for _ in range(100):
        y = y.tanh()
    source = visualize.draw(y, max_nodes=10).source
    nodes = node_lines(source)
    records = [n for n in nodes.values() if 'shape="record"' in n]
    assert len(records) == 10
    assert "91 more nodes not shown" in source  # 101 values, 10 drawn
    assert len([e for e in edge_lines(source) if e[0] == "more"]) == 1


def scoped_mlp(sizes=(3, 4, 4, 1), batch=2, seed=0):
    """A scalar MLP on a batch, each layer call in a scope, each sample in an "MLP" scope."""
    rng = np.random.default_rng(seed)
    weights = [[[Value(float(w)) for w in rng.uniform(-1, 1, a)] for _ in range(b)]
               for a, b in zip(sizes, sizes[1:])]
    outs = []
    for s in range(batch):
        with scope("MLP"):
            h = [Value(float(v), label=f"x{s}{i}") for i, v in enumerate(rng.normal(size=sizes[0]))]
            for layer in weights:
                with scope("Layer"):
                    h = [Value.sum([w * xi for w, xi in zip(row, h)]).tanh() for row in layer]
        outs.append(h[0])
    loss = Value.sum(outs)
    loss.backward()
    return loss


def test_collapse_folds_each_call_into_one_summary_node():
    loss = scoped_mlp()
    source = visualize.draw(loss, collapse=True).source
    nodes = node_lines(source)
    summaries = [n for n in nodes.values() if 'shape="box3d"' in n]
    assert len(summaries) == 2  # one per MLP call (one per sample)
    # Inputs are labelled leaves used by one call with no other outside input: kept outside.
    assert sum("{x" in n for n in nodes.values()) == 6
    # 3*4 + 4*4 + 4 weights shared by both calls: not drawn, counted.
    assert "32 shared leaves" in source
    assert "subgraph cluster" not in source


def test_collapse_depth_two_draws_calls_as_clusters_around_summaries():
    loss = scoped_mlp()
    source = visualize.draw(loss, collapse=2).source
    assert source.count("subgraph cluster_") == 2  # the two MLP calls
    assert source.count('label="MLP"') == 2
    assert source.count('shape="box3d"') == 6  # 3 Layer calls per sample
    # A single output row shows the layer output's data.
    assert re.search(r'label="Layer\\n\d+ nodes', source)


def test_collapse_beyond_the_nesting_depth_boxes_without_folding():
    loss = scoped_mlp(batch=1)
    source = visualize.draw(loss, collapse=5).source
    assert source.count("subgraph cluster_") == 4  # 1 MLP + 3 Layer
    assert 'shape="box3d"' not in source


# ---------------------------------------------------------------- chain
def test_chain_on_the_neuron_lists_the_paths_and_sums_to_the_grad():
    o, (x1, x2, w1, w2, b) = neuron()
    result = visualize.chain(o, w1)
    assert result.path_count == 1 and not result.truncated
    (path,) = result.paths
    assert path.nodes[0] is w1 and path.nodes[-1] is o
    assert path.ops == ("mul", "add", "add", "tanh")
    # d(x1 w1)/dw1 = x1 = 2, the adds pass 1, tanh' = 1 - o^2 = 0.5.
    assert path.factors == pytest.approx((2.0, 1.0, 1.0, 0.5))
    assert result.total == pytest.approx(w1.grad) == pytest.approx(1.0)
    text = str(result)
    assert "1 path(s)" in text and "w1" in text and "sum" in text


def test_chain_counts_both_edges_of_a_squared_input():
    a = Value(3.0, label="a")
    c = a * a + a  # dc/da = 2a + 1 = 7 over three paths
    c.backward()
    result = visualize.chain(c, a)
    assert result.path_count == 3
    assert sorted(p.product for p in result.paths) == pytest.approx([1.0, 3.0, 3.0])
    assert result.total == pytest.approx(a.grad) == pytest.approx(7.0)


def test_chain_with_exponentially_many_paths_is_computed_by_dynamic_programming():
    x = Value(0.3, label="x")
    y = x
    for _ in range(40):  # each step doubles the paths: 2**40 of them
        y = y * 0.5 + y * 0.5
    y.backward()
    result = visualize.chain(y, x, max_paths=5)
    assert result.path_count == 2 ** 40
    assert len(result.paths) == 5 and result.truncated
    assert result.total == pytest.approx(x.grad) == pytest.approx(1.0)
    assert "more path(s) not listed" in str(result)


def test_chain_highlights_exactly_its_edges():
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    c = a * b + b.exp()
    source = visualize.draw(c, highlight=visualize.chain(c, a)).source
    lit = [e for e in edge_lines(source) if "#c0392b" in e[2]]
    # a -> mul, mul -> (a*b), (a*b) -> add, add -> c: 4 edges; b's branches stay plain.
    assert len(lit) == 4


def test_chain_edge_cases_and_errors():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    unrelated = visualize.chain(a * 2.0, b)  # no path: the empty sum
    assert unrelated.total == 0.0 and unrelated.paths == [] and "no path" in str(unrelated)
    with pytest.raises(ValueError, match="max_paths"):
        visualize.chain(a, a, max_paths=-1)
    np_tensor = pytest.importorskip("autograd").Tensor
    t = np_tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match="scalar engine"):
        visualize.chain(t.sum(), t)


@st.composite
def value_graphs(draw):
    """A random expression DAG over 1-3 leaves in which later nodes reuse earlier ones."""
    leaves = [Value(draw(st.floats(-1.5, 1.5)), label=f"l{i}")
              for i in range(draw(st.integers(1, 3)))]
    pool = list(leaves)
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["add", "mul", "sub", "tanh", "sigmoid", "square", "sum"]))
        a = pool[draw(st.integers(0, len(pool) - 1))]
        b = pool[draw(st.integers(0, len(pool) - 1))]
        if kind == "add":
            out = a + b
        elif kind == "mul":
            out = a * b
        elif kind == "sub":
            out = a - b
        elif kind == "tanh":
            out = a.tanh()
        elif kind == "sigmoid":
            out = a.sigmoid()
        elif kind == "square":
            out = a ** 2
        else:
            out = Value.sum([a, b, a])
        pool.append(out)
    return pool[-1], leaves[draw(st.integers(0, len(leaves) - 1))]


@settings(max_examples=60, deadline=None)
@given(value_graphs())
def test_chain_total_and_path_sum_equal_backward(graph):
    root, leaf = graph
    root.backward()
    result = visualize.chain(root, leaf, max_paths=10_000)
    assert result.total == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12)
    if not result.truncated:  # brute force over the listed paths agrees with the DP
        assert math.fsum(p.product for p in result.paths) == pytest.approx(
            leaf.grad, rel=1e-9, abs=1e-12)
    assert len(result.paths) == min(result.path_count, 10_000)


# ---------------------------------------------------------------- tensors, fused vs composed
def test_tensor_records_show_shape_dtype_and_summaries():
    from autograd import Tensor
    data = np.arange(15, dtype=np.float32).reshape(3, 5)  # 15 values: too many to list
    x = Tensor(data, requires_grad=True, label="x")
    w = Tensor(np.array([1.0, -2.0]), label="w")
    y = (x * 2.0).sum()
    y.backward()
    source = visualize.draw(y, show_local_grads=True).source
    assert "{x|3×5 float32|data min 0 mean 7 max 14|grad min 2 mean 2 max 2}" in source
    assert 'label="3×5"' in source  # the shape on x's edge
    assert "scalar" in source
    assert lbl.summary(w.data) == "[1, -2]"
    assert STYLE["param"]["fillcolor"] in node_lines(source)["n0"]


def test_fused_cross_entropy_is_one_distinct_node_and_compare_counts_nodes():
    from autograd import Tensor
    from nn import functional as F  # noqa: N812 - the conventional name
    rng = np.random.default_rng(1)
    z = Tensor(rng.normal(size=(4, 3)), requires_grad=True, label="logits")
    y = np.array([0, 2, 1, 2])
    fused, composed = F.cross_entropy(z, y, fused=True), F.cross_entropy(z, y, fused=False)
    source = visualize.draw(fused).source
    ops = [line for line in node_lines(source).values() if line.split()[0].endswith("_op")]
    assert len(ops) == 1 and "fused" in ops[0] and STYLE["fused"]["shape"] in ops[0]
    assert "fused" not in visualize.draw(composed).source
    both = visualize.compare(fused, composed).source
    n_fused, n_composed = len(topological_order(fused)), len(topological_order(composed))
    assert n_fused == 2 and n_composed > 5
    assert f'label="fused: {n_fused} nodes"' in both
    assert f'label="composed: {n_composed} nodes"' in both
    assert both.count("subgraph cluster_fused") == 1
    assert both.count("subgraph cluster_composed") == 1
    # The composed loss folded: its cross_entropy call becomes one summary node.
    folded = visualize.draw(composed, collapse=True).source
    assert folded.count('shape="box3d"') == 1 and 'label="cross_entropy\\n' in folded
    assert "{logits|4×3 float64" in folded  # the named input stays outside the fold


def test_fused_scalar_cross_entropy_chain_matches_grad():
    from nn import functional as F  # noqa: N812 - the conventional name
    logits = [Value(v, label=f"z{i}") for i, v in enumerate([1.0, -0.5, 2.0])]
    loss = F.cross_entropy(logits, 2, fused=True)
    loss.backward()
    result = visualize.chain(loss, logits[0])
    # Closed form: d/dz0 = softmax(z)_0 - 0.
    e = np.exp([1.0, -0.5, 2.0])
    assert result.total == pytest.approx(e[0] / e.sum())
