"""The explorer on a 2,000-node scalar MLP graph: file size, time to write, time to open, and
the time of each interaction in headless Chromium.

    python benchmarks/explore.py [--repeats 5] [--samples 14]

The graph is `nn.MLP(3, [8, 8, 1])` on 14 samples with a squared-error loss (2,004
nodes), as in the README's folded drawing. Writing is compared with the static
drawing of the same graph (`visualize.to_svg(loss, collapse=2)`), in the same run,
interleaved. Opening is measured from navigation to the page's ready mark; an
interaction from the event to the next painted frame. Targets: open <= 1 s, every
interaction <= 100 ms. Needs Playwright and Debian's Chromium (/usr/bin/chromium) for
the browser figures; without them only the Python side is measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import nn  # noqa: E402
import visualize  # noqa: E402
from autograd import Value, topological_order  # noqa: E402
from benchmarks.common import format_seconds, interleaved_medians, machine, print_table  # noqa: E402

CHROMIUM = "/usr/bin/chromium"

# One interaction: run `action` in the page, then wait for the next painted frame.
_TIMED = """async ([action, arg]) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  await frame();
  const start = performance.now();
  if (action === "click") document.getElementById(arg).dispatchEvent(
      new MouseEvent("click", {bubbles: true}));
  else document.dispatchEvent(new KeyboardEvent("keydown", {key: arg, bubbles: true}));
  await new Promise((r) => setTimeout(r, 0));  // let an opened call's view unpack
  while (document.querySelector("section").dataset.busy) await new Promise((r) => setTimeout(r, 1));
  await frame();
  return performance.now() - start;
}"""


def mlp_graph(samples: int) -> tuple[Value, nn.MLP]:
    """Squared error of MLP(3, [8, 8, 1]) on `samples` points, after backward."""
    model = nn.MLP(3, [8, 8, 1], seed=0)
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(samples, 3)).tolist()
    ys = [1.0 if sum(x) > 0 else -1.0 for x in xs]
    loss = Value.sum([(model([Value(v, label=f"x{i}") for v in x]) - y) ** 2
                      for i, (x, y) in enumerate(zip(xs, ys))])
    loss.label = "loss"
    loss.backward()
    return loss, model


def browser_figures(path: Path, loss: Value, repeats: int) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("\n(no Playwright: pip install playwright; browser figures skipped)")
        return
    if not Path(CHROMIUM).exists():
        print(f"\n(no Chromium at {CHROMIUM}; browser figures skipped)")
        return
    order = topological_order(loss)
    x0 = next(i for i, n in enumerate(order) if n.label == "x0")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        opens, walls = [], []
        for _ in range(repeats):
            context = browser.new_context(viewport={"width": 1400, "height": 800})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready]", state="attached")
            walls.append(time.perf_counter() - start)
            opens.append(int(page.get_attribute("body", "data-ready")) / 1e3)
            context.close()
        print(f"\nopen in Chromium (navigation to the first painted frame, {repeats} fresh "
              "tabs): median "
              f"{format_seconds(statistics.median(opens))}, max {format_seconds(max(opens))}"
              f" (wall clock from Python, with the tab's start: median "
              f"{format_seconds(statistics.median(walls))})")

        context = browser.new_context(viewport={"width": 1400, "height": 800})
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready]", state="attached")
        top_id = page.eval_on_selector("g.node[id^='av0s']", "g => g.id")
        steps = [
            ("click a leaf: its paths lit and listed", "click", f"av0n{x0}"),
            ("click the root: its chain-rule step", "click", f"av0n{len(order) - 1}"),
            ("step backward (→)", "key", "ArrowRight"),
            ("undo a step (←)", "key", "ArrowLeft"),
            ("reset (Home): every grad pending", "key", "Home"),
            ("all steps (End)", "key", "End"),
            ("open a folded MLP call", "click", top_id),
            ("back to the whole graph (Esc)", "key", "Escape"),
        ]
        print(f"\ninteractions ({repeats} each; event to the next painted frame)")
        print(f"  {'':<44} {'median':>12} {'max':>12}")
        for name, action, arg in steps:
            times = []
            for _ in range(repeats):
                page.keyboard.press("Escape")  # clears a selection, or leaves a call
                page.keyboard.press("Escape")
                if action == "key" and arg == "Escape":
                    page.click(f"#{top_id}")
                    page.wait_for_function("document.querySelector('section .crumbs b')"
                                           ".textContent !== 'whole graph'")
                times.append(page.evaluate(_TIMED, [action, arg]) / 1e3)
            print(f"  {name:<44} {format_seconds(statistics.median(times)):>12} "
                  f"{format_seconds(max(times)):>12}")
        # Inside a Layer call: open MLP #1, then the Layer holding `inner`, then click it.
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        page.click(f"#{top_id}")
        page.wait_for_selector("section[data-view='1']", state="attached")
        layer = page.eval_on_selector("g.node[id^='av1s']", "g => g.id")
        times = [page.evaluate(_TIMED, ["click", layer]) / 1e3]
        view = page.eval_on_selector("section", "s => s.dataset.view")
        clicked = page.eval_on_selector(f"g.node[id^='av{view}n']", "g => g.id")
        for _ in range(repeats):
            times.append(page.evaluate(_TIMED, ["click", clicked]) / 1e3)
        print(f"  {'open a Layer call inside it':<44} {format_seconds(times[0]):>12}")
        print(f"  {'click a node inside the Layer call':<44} "
              f"{format_seconds(statistics.median(times[1:])):>12} "
              f"{format_seconds(max(times[1:])):>12}")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--samples", type=int, default=14)
    args = parser.parse_args()
    loss, model = mlp_graph(args.samples)
    nodes = len(topological_order(loss))
    print(f"explorer benchmark, {machine()}: scalar MLP(3, [8, 8, 1]) on {args.samples} "
          f"samples, {nodes:,} nodes; renderer {visualize.select_renderer()}")
    start = time.perf_counter()
    visualize.to_svg(Value(1.0))  # the renderer's one-time start (the WebAssembly compile)
    print(f"renderer start-up (once per process): {format_seconds(time.perf_counter() - start)}")

    folder = Path(tempfile.mkdtemp(prefix="chainrule-explore-"))
    path = folder / "mlp.html"
    medians = interleaved_medians({
        "visualize.explore(loss).save(path)":
            lambda: visualize.explore(loss, params=model).save(path),
        "visualize.to_svg(loss, collapse=2) (baseline)":
            lambda: visualize.to_svg(loss, collapse=2, params=model),
    }, repeats=args.repeats, warmup=1, rounds=args.repeats)
    print_table("time to write (median)", medians, "visualize.to_svg(loss, collapse=2) (baseline)")
    size = path.stat().st_size
    print(f"\nfile size: {size / 1e6:.2f} MB ({size / nodes:.0f} bytes per node)")
    browser_figures(path, loss, args.repeats)


if __name__ == "__main__":
    main()
