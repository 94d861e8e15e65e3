"""Regenerate docs/explorer.png, the README's picture of the explorer (from the repository root):

    python docs/make_explorer_png.py      # needs Playwright and Chromium at /usr/bin/chromium

micrograd's neuron, o = tanh(x1 w1 + x2 w2 + b), with the leaf w1 clicked: its path to
o lit, and the panel with its chain-rule step and the path's product.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

import visualize
from autograd import Value, topological_order

HERE = Path(__file__).resolve().parent


def main() -> None:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    page_path = visualize.explore(o).save(Path(tempfile.mkdtemp()) / "neuron.html")
    w1_index = next(i for i, node in enumerate(topological_order(o)) if node is w1)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1440, "height": 480})
        page.goto(page_path.as_uri())
        page.wait_for_selector("body[data-ready]", state="attached")
        page.click(f"#av0n{w1_index}")
        page.screenshot(path=HERE / "explorer.png")
        browser.close()
    print("wrote", HERE / "explorer.png")


if __name__ == "__main__":
    main()
