"""The explorer in headless Chromium: fused and composed side by side, folded calls,
the Jupyter iframe, labels with markup, and random graphs against `visualize.chain`."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import visualize
from autograd import Tensor, Value, topological_order
from tests.explore_browser import (  # noqa: F401 - fixtures by name
    browser_fixture,
    neuron,
    node_index,
    open_page_fixture,
    wait_text,
)


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
    a, b = node_index(fused, fused_logits), node_index(composed, composed_logits)
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
    wait_text(page, "section[data-side=b] .crumbs", "whole graph › cross_entropy #1")
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
    page.click(f"#av0n{node_index(loss, x0)}")
    assert "lit" in page.get_attribute(f"#{boxes[0]}", "class")
    assert "lit" not in page.get_attribute(f"#{boxes[1]}", "class")
    page.click(f"#{boxes[0]}")
    wait_text(page, "section .crumbs", "whole graph › MLP #1")
    inner = page.eval_on_selector_all(".view:not(.off) g.node[id*='s']", "g => g.map(x => x.id)")
    assert len(inner) == 2  # the MLP's two Layer calls, still folded
    page.click(f"#{inner[0]}")
    wait_text(page, "section .crumbs", "whole graph › MLP #1 › Layer #1")
    assert page.eval_on_selector_all(".view:not(.off) g.node[id*='n']", "g => g.length") > 12
    # Still selected inside the call: x0's paths are lit there too.
    assert page.eval_on_selector_all(".view:not(.off) g.edge.lit", "g => g.length") >= 4
    page.keyboard.press("Escape")  # clears the selection first
    assert page.eval_on_selector_all(".view:not(.off) g.lit", "g => g.length") == 0
    page.keyboard.press("Escape")
    wait_text(page, "section .crumbs", "whole graph › MLP #1")
    page.keyboard.press("Escape")
    wait_text(page, "section .crumbs", "whole graph")


class _Notebook:
    """A page holding the explorer as Jupyter shows it: the iframe from _repr_html_."""

    def __init__(self, explorer) -> None:
        self.cell = explorer._repr_html_()

    def save(self, path: Path) -> Path:
        path.write_text(f"<!DOCTYPE html><html><body><div data-ready='1'>cell</div>{self.cell}"
                        "</body></html>", encoding="utf-8")
        return path


def test_the_jupyter_iframe_runs_the_explorer(open_page):
    root, leaves = neuron()
    page = open_page(_Notebook(visualize.explore(root)))
    frame = page.frame_locator("iframe")
    frame.locator("body[data-ready]").wait_for(timeout=10_000)
    frame.locator(f"#av0n{node_index(root, leaves['w1'])}").click()
    assert frame.locator("#panel .sum .ok").inner_text().endswith("w1.grad ✓")


def test_odd_labels_show_as_text_and_a_lone_leaf_or_a_constant_opens(open_page):
    odd = "</script><b>x</b> & \"q\" {|}"
    a = Value(2.0, label=odd)
    out = a * a
    out.label = "<i>out</i>"
    out.backward()
    page = open_page(visualize.explore(out), "odd.html")
    page.click(f"#av0n{node_index(out, a)}")
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
    page.click(f"#av0n{node_index(y, x)}")
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
            page.click(f"#av0n{node_index(root, leaf)}")
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
