"""Shared by the explorer's browser tests: Debian's Chromium driven by Playwright, and graphs.

`open_page(explorer)` saves the page and opens it from its file:// path with the
network blocked (every request but the page's own file fails and is recorded); when
the test ends it checks that the page asked for nothing and logged no console error,
and takes a screenshot into the test's tmp_path (and $CHAINRULE_SCREENSHOTS, if set).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from autograd import Value, topological_order

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module", name="browser")
def browser_fixture():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed "
        "(pip install -e '.[ci]'); the explorer's browser tests need it")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(name="open_page")
def open_page_fixture(browser, tmp_path, request):
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


def wait_text(page, selector: str, text: str) -> None:
    """Wait until `selector`'s text is `text` (opening a call unpacks its view asynchronously)."""
    page.wait_for_function("([s, t]) => document.querySelector(s)?.innerText === t",
                           arg=[selector, text], timeout=5_000)


def node_index(root, node) -> int:
    return next(i for i, n in enumerate(topological_order(root)) if n is node)


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}


def shared():
    """Leaves used many times: a reaches e by 5 paths, b by 3, c by 1."""
    a, b, c = Value(1.5, label="a"), Value(-0.5, label="b"), Value(2.0, label="c")
    d = a * b + a
    e = (d * a + d.tanh() * b) * c + a
    e.label = "e"
    e.backward()
    return e, {"a": a, "b": b, "c": c}
