"""The explorer page in a real headless Chromium (Debian's), opened from a file:// path:
a leaf's paths, a node's chain-rule step, the backward replay, tensors as matrices.

See tests/explore_browser.py for how pages are opened (network blocked, no console
errors allowed, screenshots taken).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import visualize
from autograd import Tensor, topological_order
from tests.explore_browser import (  # noqa: F401 - fixtures by name
    browser_fixture,
    neuron,
    node_index,
    open_page_fixture,
    shared,
)


@pytest.mark.parametrize("graph", [neuron, shared])
def test_clicking_a_leaf_lights_its_paths_whose_products_sum_to_its_grad(open_page, graph):
    root, leaves = graph()
    page = open_page(visualize.explore(root))
    for name, leaf in leaves.items():
        expected = visualize.chain(root, leaf)
        page.click(f"#av0n{node_index(root, leaf)}")
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
    root, leaves = shared()
    page = open_page(visualize.explore(root))
    d = root.parents[0].parents[0].parents[0].parents[0]  # e = ((d*a + tanh(d)*b) * c) + a
    assert d.op == "add"
    page.click(f"#av0n{node_index(root, d)}")
    terms = page.eval_on_selector_all("#panel p.term", "p => p.map(x => x.textContent)")
    assert len(terms) == 2  # d is used twice: d*a and tanh(d)
    values = [float(t.rsplit("= ", 1)[1]) for t in terms]
    assert sum(values) == pytest.approx(d.grad, rel=1e-3)
    assert "= grad ✓" in page.inner_text("#panel")


def test_stepping_backward_fills_exactly_the_first_nodes_in_topological_order(open_page):
    root, _ = shared()
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
    page.click(f"#av0n{node_index(out, x)}")
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
    page.click(f"#av0n{node_index(out, big)}")
    assert page.query_selector_all("#panel canvas.heat")
    text = page.inner_text("#panel")
    assert "30×20 float64" in text and f"max {big.data.max():.4g}" in text
