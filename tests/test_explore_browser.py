"""The explorer page in a real headless Chromium (Debian's), opened from a file:// path.

The network is blocked (every request that is not the page's own file fails and
is recorded); each test ends by checking that the page asked for nothing and
logged no console error. Screenshots go to the test's tmp_path, and also to
$CHAINRULE_SCREENSHOTS when it names a folder (to look at while developing).
"""

from __future__ import annotations

import math
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import visualize
from autograd import Tensor, Value, topological_order

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed "
        "(pip install -e '.[ci]'); the explorer's browser tests need it")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, tmp_path, request):
    """open_page(explorer) -> a Playwright page showing it, ready, with the network blocked."""
    opened = []

    def open_(explorer, name="explorer.html"):
        path = explorer.save(tmp_path / name)
        context = browser.new_context(viewport={"width": 1400, "height": 800})
        blocked: list[str] = []

        def route(route):
            if route.request.url == path.as_uri():
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(path.as_uri())
        page.wait_for_selector("[data-ready]", state="attached", timeout=10_000)
        opened.append((context, page, errors, blocked))
        return page

    yield open_
    for number, (context, page, errors, blocked) in enumerate(opened):
        shot = tmp_path / f"{request.node.name}-{number}.png"
        page.screenshot(path=shot)
        folder = os.environ.get("CHAINRULE_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(folder) / shot.name)
        context.close()
        assert errors == [], f"console errors: {errors}"
        assert blocked == [], f"the page asked the network for {blocked}"


def _wait_text(page, selector: str, text: str) -> None:
    """Wait until `selector`'s text is `text` (opening a call unpacks its view asynchronously)."""
    page.wait_for_function("([s, t]) => document.querySelector(s)?.innerText === t",
                           arg=[selector, text], timeout=5_000)


def _index(root, node) -> int:
    return next(i for i, n in enumerate(topological_order(root)) if n is node)


def _neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}


def _shared():
    """Leaves used many times: a reaches e by 5 paths, b by 3, c by 1."""
    a, b, c = Value(1.5, label="a"), Value(-0.5, label="b"), Value(2.0, label="c")
    d = a * b + a
    e = (d * a + d.tanh() * b) * c + a
    e.label = "e"
    e.backward()
    return e, {"a": a, "b": b, "c": c}


@pytest.mark.parametrize("graph", [_neuron, _shared])
def test_clicking_a_leaf_lights_its_paths_whose_products_sum_to_its_grad(open_page, graph):
    root, leaves = graph()
    page = open_page(visualize.explore(root))
    for name, leaf in leaves.items():
        expected = visualize.chain(root, leaf)
        page.click(f"#av0n{_index(root, leaf)}")
        products = [float(p) for p in page.eval_on_selector_all(
            "#panel tr.path", "rows => rows.map(r => r.dataset.product)")]
        assert len(products) == expected.path_count, name
        assert sorted(products) == pytest.approx(sorted(p.product for p in expected.paths))
        assert math.fsum(products) == pytest.approx(leaf.grad, rel=1e-12, abs=1e-12)
        assert page.inner_text("#panel .sum .ok").endswith(f"{name}.grad ✓")
        assert f"{expected.path_count} path(s) to the output" in page.inner_text("#panel")
        # Every node and edge on some path is lit, and nothing else.
        lit_nodes = set(page.eval_on_selector_all("g.node.lit[id*='v0n']", "g => g.map(x => x.id)"))
        index = {id(n): i for i, n in enumerate(topological_order(root))}
        assert lit_nodes == {f"av0n{index[k]}" for k in expected.node_ids}
        lit_edges = set(page.eval_on_selector_all("g.edge.lit[id*='v0e']", "g => g.map(x => x.id)"))
        assert lit_edges == {f"av0e{index[child]}_{k}" for _, child, k in expected.edge_ids}


def test_clicking_a_node_shows_its_chain_rule_step_with_the_numbers(open_page):
    root, leaves = _shared()
    page = open_page(visualize.explore(root))
    d = root.parents[0].parents[0].parents[0].parents[0]  # e = ((d*a + tanh(d)*b) * c) + a
    assert d.op == "add"
    page.click(f"#av0n{_index(root, d)}")
    terms = page.eval_on_selector_all("#panel p.term", "p => p.map(x => x.textContent)")
    assert len(terms) == 2  # d is used twice: d*a and tanh(d)
    values = [float(t.rsplit("= ", 1)[1]) for t in terms]
    assert sum(values) == pytest.approx(d.grad, rel=1e-3)
    assert "= grad ✓" in page.inner_text("#panel")


def test_stepping_backward_fills_exactly_the_first_nodes_in_topological_order(open_page):
    root, _ = _shared()
    order = topological_order(root)
    backward = list(reversed(range(len(order))))  # the root first
    page = open_page(visualize.explore(root))
    assert page.inner_text(".counter") == f"backward {len(order)}/{len(order)}"
    page.click("button:text('reset')")
    for steps in range(len(order) + 1):
        if steps:
            if steps % 2:
                page.keyboard.press("ArrowRight")
            else:
                page.click("button:text('step ▶')")
        pending = set(page.eval_on_selector_all("g.node.pending[id*='v0n']",
                                                "g => g.map(x => x.id)"))
        filled = {f"av0n{i}" for i in backward[:steps]}
        assert pending == {f"av0n{i}" for i in backward[steps:]}, steps
        texts = page.eval_on_selector_all(
            "g.node[id*='v0n']", "g => g.map(x => [x.id, [...x.querySelectorAll('text')]"
            ".map(t => t.textContent).filter(t => t.startsWith('grad'))[0]])")
        for element, text in texts:
            i = int(element.rsplit("n", 1)[1])
            assert (text == "grad ?") == (element not in filled), (steps, element, text)
            if element in filled:
                assert float(text.split()[1]) == pytest.approx(order[i].grad, rel=1e-3)
        if 0 < steps < len(order):
            assert page.get_attribute(f"#av0n{backward[steps - 1]}", "class").count("current")
    page.keyboard.press("Home")
    assert page.inner_text(".counter") == f"backward 0/{len(order)}"
    page.keyboard.press("End")
    assert page.eval_on_selector_all("g.pending", "g => g.length") == 0


def test_a_tensor_node_shows_its_matrix_and_a_big_one_a_heat_map(open_page):
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True, label="x")
    big = Tensor(rng.standard_normal((30, 20)), requires_grad=True, label="big")
    out = ((x @ big[:4]).tanh().sum() * 2.0)
    out.label = "out"
    out.backward()
    page = open_page(visualize.explore(out))
    page.click(f"#av0n{_index(out, x)}")
    tables = page.query_selector_all("#panel table.matrix")
    assert len(tables) >= 2  # data and grad
    for table, array in zip(tables[:2], (x.data, x.grad)):
        cells = table.eval_on_selector_all("tr", "rows => rows.map(r => [...r.cells]"
                                                 ".map(c => Number(c.textContent)))")
        assert np.array(cells) == pytest.approx(array, rel=1e-3, abs=1e-12)
    assert "3×4 float64" in page.inner_text("#panel")
    # Its one use, x @ big[:4], with that product's grad (3×20) as the numbers multiplied.
    (term,) = page.query_selector_all("#panel div.term")
    assert "grad(x) += J(@#" in term.inner_text() and "[Jacobian 3×20×3×4]" in term.inner_text()
    product = next(n for n in topological_order(out) if n.op == "matmul")
    cells = term.eval_on_selector_all("tr", "rows => rows.map(r => [...r.cells]"
                                            ".map(c => Number(c.textContent)))")
    assert np.array(cells) == pytest.approx(product.grad, rel=1e-3, abs=1e-12)
    page.click(f"#av0n{_index(out, big)}")
    assert page.query_selector_all("#panel canvas.heat")
    text = page.inner_text("#panel")
    assert "30×20 float64" in text and f"max {big.data.max():.4g}" in text


def test_compare_highlights_the_selected_input_in_both_graphs(open_page):
    from nn.functional import cross_entropy

    rng = np.random.default_rng(0)
    data = rng.standard_normal((2, 3))
    fused_logits = Tensor(data, requires_grad=True, label="logits")
    composed_logits = Tensor(data.copy(), requires_grad=True, label="logits")
    fused = cross_entropy(fused_logits, [0, 2], fused=True)
    composed = cross_entropy(composed_logits, [0, 2], fused=False)
    fused.backward()
    composed.backward()
    page = open_page(visualize.explore_compare(fused, composed))
    a, b = _index(fused, fused_logits), _index(composed, composed_logits)
    page.click(f"#av0n{a}")
    assert "selected" in page.get_attribute(f"#av0n{a}", "class")
    assert "paired" in page.get_attribute(f"#bv0n{b}", "class")
    text = page.inner_text("#panel")
    assert "the two gradients" in text and "difference (fused" in text
    largest = float(re.search(r"largest \|Δ\| = (\S+)", text).group(1))
    assert largest == pytest.approx(np.abs(fused_logits.grad - composed_logits.grad).max(),
                                    abs=1e-20)
    # The other way round, and after opening the composed loss's folded call.
    page.click("#bv0s0")
    _wait_text(page, "section[data-side=b] .crumbs", "whole graph › cross_entropy #1")
    page.click(f"#bv1n{b}")
    assert "paired" in page.get_attribute(f"#av0n{a}", "class")


def test_calls_start_folded_and_open_on_click(open_page):
    import nn

    model = nn.MLP(3, [4, 1], seed=0)
    xs = [[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]]
    loss = Value.sum([(model([Value(v, label=f"x{i}") for v in x]) - 1.0) ** 2
                      for i, x in enumerate(xs)])
    loss.label = "loss"
    loss.backward()
    order = topological_order(loss)
    page = open_page(visualize.explore(loss, params=model))
    boxes = page.eval_on_selector_all("g.node[id^='av0s']", "g => g.map(x => x.id)")
    assert len(boxes) == 2  # one folded MLP call per sample
    drawn = page.eval_on_selector_all("g.node[id^='av0n']", "g => g.length")
    assert drawn < len(order) / 4
    # A folded call's box shows its output's grad: pending until backward reaches it.
    def box_grad() -> str:
        return page.eval_on_selector(f"#{boxes[0]} text.grad", "t => t.textContent")

    output = model([Value(v) for v in xs[0]])  # (the same numbers as the call in the box)
    assert box_grad() == f"grad {2 * (output.data - 1.0):.4g}"
    page.keyboard.press("Home")
    assert box_grad() == "grad ?"
    page.keyboard.press("End")
    assert box_grad() == f"grad {2 * (output.data - 1.0):.4g}"
    # A leaf's paths run through the folded call that uses it.
    x0 = next(n for n in order if n.label == "x0")
    page.click(f"#av0n{_index(loss, x0)}")
    assert "lit" in page.get_attribute(f"#{boxes[0]}", "class")
    assert "lit" not in page.get_attribute(f"#{boxes[1]}", "class")
    page.click(f"#{boxes[0]}")
    _wait_text(page, "section .crumbs", "whole graph › MLP #1")
    inner = page.eval_on_selector_all(".view:not(.off) g.node[id*='s']", "g => g.map(x => x.id)")
    assert len(inner) == 2  # the MLP's two Layer calls, still folded
    page.click(f"#{inner[0]}")
    _wait_text(page, "section .crumbs", "whole graph › MLP #1 › Layer #1")
    assert page.eval_on_selector_all(".view:not(.off) g.node[id*='n']", "g => g.length") > 12
    # Still selected inside the call: x0's paths are lit there too.
    assert page.eval_on_selector_all(".view:not(.off) g.edge.lit", "g => g.length") >= 4
    page.keyboard.press("Escape")  # clears the selection first
    assert page.eval_on_selector_all(".view:not(.off) g.lit", "g => g.length") == 0
    page.keyboard.press("Escape")
    _wait_text(page, "section .crumbs", "whole graph › MLP #1")
    page.keyboard.press("Escape")
    _wait_text(page, "section .crumbs", "whole graph")


class _Notebook:
    """A page holding the explorer as Jupyter shows it: the iframe from _repr_html_."""

    def __init__(self, explorer) -> None:
        self.cell = explorer._repr_html_()

    def save(self, path: Path) -> Path:
        path.write_text(f"<!DOCTYPE html><html><body><div data-ready='1'>cell</div>{self.cell}"
                        "</body></html>", encoding="utf-8")
        return path


def test_the_jupyter_iframe_runs_the_explorer(open_page):
    root, leaves = _neuron()
    page = open_page(_Notebook(visualize.explore(root)))
    frame = page.frame_locator("iframe")
    frame.locator("body[data-ready]").wait_for(timeout=10_000)
    frame.locator(f"#av0n{_index(root, leaves['w1'])}").click()
    assert frame.locator("#panel .sum .ok").inner_text().endswith("w1.grad ✓")


def test_odd_labels_show_as_text_and_a_lone_leaf_or_a_constant_opens(open_page):
    odd = "</script><b>x</b> & \"q\" {|}"
    a = Value(2.0, label=odd)
    out = a * a
    out.label = "<i>out</i>"
    out.backward()
    page = open_page(visualize.explore(out), "odd.html")
    page.click(f"#av0n{_index(out, a)}")
    assert page.inner_text("#panel h2") == odd
    assert page.query_selector("#panel b") is None  # the label was not parsed as HTML
    assert "2 path(s) to the output" in page.inner_text("#panel")  # a*a: two uses of a
    page.click("#av0n1")
    assert page.inner_text("#panel h2") == "<i>out</i>"
    assert "backward starts here" in page.inner_text("#panel")

    lone = Value(5.0, label="lone")
    lone.backward()
    page = open_page(visualize.explore(lone), "lone.html")
    page.click("#av0n0")
    assert "grad(lone) = 1" in page.inner_text("#panel")

    x = Tensor(np.ones((2, 2)), label="x")  # a constant: it gets no gradient
    y = (x * Tensor(np.full((2, 2), 3.0), requires_grad=True, label="w")).sum()
    y.backward()
    page = open_page(visualize.explore(y), "constant.html")
    page.click(f"#av0n{_index(y, x)}")
    assert "None (no gradient)" in page.inner_text("#panel")


def test_the_page_sums_paths_as_visualize_chain_does_on_random_graphs(browser, tmp_path):
    """Hypothesis: random expression DAGs sharing sub-expressions; every leaf clicked."""
    from hypothesis import HealthCheck, given, settings

    from tests.strategies import programs

    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        "file:") else route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(programs(max_leaves=3, max_steps=7))
    def check(program):
        leaves = [Value(v, label=f"x{i}") for i, v in enumerate(program.leaves)]
        root, _ = program.run(leaves, Value.sum)
        root.backward()
        path = visualize.explore(root).save(tmp_path / "random.html")
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready]", state="attached")
        order = topological_order(root)
        for leaf in leaves:
            if not any(node is leaf for node in order):
                continue  # a leaf no step used is not in the graph
            expected = visualize.chain(root, leaf)
            page.click(f"#av0n{_index(root, leaf)}")
            text = page.inner_text("#panel")
            assert f"{expected.path_count} path(s) to the output" in text
            rows = page.eval_on_selector_all("#panel tr.path", "r => r.map(x => x.dataset.product)")
            assert len(rows) == min(expected.path_count, 50)
            assert [float(p) for p in rows] == pytest.approx([p.product for p in expected.paths])
            assert page.query_selector("#panel .sum .ok") is not None, text

    try:
        check()
    finally:
        context.close()
    assert errors == []
