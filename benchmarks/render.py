"""Drawing speed: the renderers side by side, and what makes widely shared nodes slow.

    python benchmarks/render.py [--repeats 5] [--slow]

Candidates, each timed in the same run, interleaved (medians):
* renderers: `pure` (graphviz-pure, the default), `wasm` (Graphviz in WebAssembly),
  `dot` (the system Graphviz: on PATH, or named by $CHAINRULE_SYSTEM_DOT);
* for shared-leaf sums: chainrule's drawing (a copy of the leaf beside each far use)
  against the plain drawing (one edge per use) and the plain drawing with dot's
  `concentrate=true`.

Cases: the renderer's start (a fresh process drawing the neuron), the collapsed
scalar MLP of docs/mlp_collapsed.svg, the sums a+b+a+b+... (101 terms) and
a+a+...+a (1,000 terms), and `chainrule graph` end to end as a user runs it.
Targets (issue 12): `chainrule graph "tanh(a*b + c)"` <= 0.5 s; the collapsed MLP
<= 0.5 s; both sums <= 2 s. `--slow` adds the plain drawings of the two big sums
(a minute or more each).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import nn  # noqa: E402
import visualize  # noqa: E402
from autograd import Value  # noqa: E402
from benchmarks.common import format_seconds, interleaved_medians, machine, print_table  # noqa: E402
from chainrule import expression  # noqa: E402
from visualize import layout  # noqa: E402
from visualize import render as rnd  # noqa: E402

NEURON = """
from autograd import Value
import visualize
x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
o = (x1 * w1 + x2 * w2 + b).tanh(); o.backward()
visualize.to_svg(o, renderer={renderer!r}, show_local_grads=True)
"""


FIRST = """
import sys, time
from autograd import Value
import visualize
a = Value(2.0, label="a"); o = (a * a).tanh(); o.backward()
g = visualize.draw(o)
times = []
for _ in range(2):
    start = time.perf_counter(); visualize.to_svg(g, renderer=sys.argv[1])
    times.append(time.perf_counter() - start)
print(*times)
"""


def renderers() -> dict[str, dict[str, str]]:
    """Available renderer name -> environment to run it with ($PATH holding `dot` if any)."""
    found = {}
    env = dict(os.environ)
    env.pop("CHAINRULE_RENDERER", None)
    for name in ("pure", "wasm"):
        if rnd.available(name):
            found[name] = env
    dot = os.environ.get("CHAINRULE_SYSTEM_DOT") or shutil.which("dot")
    if dot:
        found["dot"] = dict(env, PATH=os.path.dirname(dot) + os.pathsep + env["PATH"])
    return found


def run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, timeout=600, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"{command[:3]} failed: {done.stderr.decode()[-300:]}")


def in_env(env: dict[str, str], fn):
    def call():
        saved = os.environ.get("PATH")
        os.environ["PATH"] = env["PATH"]
        try:
            return fn()
        finally:
            os.environ["PATH"] = saved
    return call


def mlp_loss() -> tuple[Value, object]:
    """docs/mlp_collapsed.svg: MLP(3, [8, 8, 1]) on 8 samples, ~2,000 nodes."""
    model = nn.MLP(3, [8, 8, 1], seed=0)
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(8, 3)).tolist()
    ys = [1.0 if sum(x) > 0 else -1.0 for x in xs]
    loss = Value.sum([(model([Value(v, label=f"x{i}") for v in x]) - y) ** 2
                      for i, (x, y) in enumerate(zip(xs, ys))])
    loss.backward()
    return loss, model


def shared_sum(terms: int, names: str) -> Value:
    text = "+".join(names[i % len(names)] for i in range(terms))
    root, _ = expression.build(text, {name: 1.0 for name in names})
    root.backward()
    return root


def plain(root: Value, concentrate: bool = False) -> str:
    """The DOT text with one edge per use (no copies), optionally with concentrate=true."""
    budget = layout.FAN_BUDGET
    layout.FAN_BUDGET = 10**12
    try:
        graph = visualize.draw(root, max_nodes=None)
    finally:
        layout.FAN_BUDGET = budget
    if concentrate:
        graph.graph_attr["concentrate"] = "true"
    return graph.source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--slow", action="store_true",
                        help="also time the plain drawings of the two big sums (minutes)")
    args = parser.parse_args()
    found = renderers()
    print(f"{machine()}; renderers: {', '.join(found)}; graphviz-pure at "
          f"{rnd.pure_executable()}")

    # 1. Start: a fresh Python process that draws the neuron with each renderer.
    python = sys.executable
    fresh = {name: (lambda name=name, env=env: run(
        [python, "-c", NEURON.format(renderer=name)], env)) for name, env in found.items()}
    fresh["python + import visualize, no picture"] = lambda: run(
        [python, "-c", "import visualize"], found["pure"])
    print_table("fresh process drawing the neuron (start of each renderer)",
                interleaved_medians(fresh, args.repeats, warmup=1), "pure")
    print("\nfirst and second picture inside a fresh process (the renderer's own start)")
    for name, env in found.items():
        runs = []
        for _ in range(args.repeats):
            done = subprocess.run([python, "-c", FIRST, name], env=env, capture_output=True,
                                  text=True, timeout=600, cwd=ROOT, check=True)
            runs.append([float(x) for x in done.stdout.split()])
        first = sorted(r[0] for r in runs)[len(runs) // 2]
        second = sorted(r[1] for r in runs)[len(runs) // 2]
        print(f"  {name:<8} first {format_seconds(first):>10}  "
              f"second {format_seconds(second):>10}")

    # 2. The collapsed MLP, and the neuron, warm (each renderer started once before).
    loss, model = mlp_loss()
    mlp = visualize.draw(loss, collapse=2, params=model)
    cases = {}
    for name, env in found.items():
        cases[f"{name}: collapsed MLP ({mlp.source.count(' -> ')} edges)"] = in_env(
            env, lambda name=name: visualize.to_svg(mlp, renderer=name))
    print_table("collapsed MLP of docs/mlp_collapsed.svg, renderer already started",
                interleaved_medians(cases, args.repeats, warmup=1),
                next(iter(cases)))
    drawing = {"draw + to_svg (pure), end to end": lambda: visualize.to_svg(
        loss, collapse=2, params=model, renderer="pure")}
    print_table("collapsed MLP from the graph (trace, label, lay out)",
                interleaved_medians(drawing, args.repeats, warmup=1), next(iter(drawing)))

    # 3. Shared leaves: chainrule's copies against one edge per use.
    for terms, names in ((101, "ab"), (1000, "a"), (51, "ab"), (200, "a")):
        root = shared_sum(terms, names)
        title = f"{'+'.join(names)}+... with {terms} terms (max_nodes=None), pure"
        candidates = {"copies beside far uses (chainrule)": lambda root=root: visualize.to_svg(
            root, max_nodes=None)}
        big = terms >= 101
        if not big or args.slow:
            candidates["one edge per use"] = lambda root=root: rnd.render(plain(root))
        candidates["one edge per use, concentrate=true"] = lambda root=root: rnd.render(
            plain(root, concentrate=True))
        repeats = args.repeats if not big else max(1, args.repeats // 2)
        print_table(title, interleaved_medians(candidates, repeats, warmup=0, rounds=repeats),
                    next(iter(candidates)))

    # 4. `chainrule graph` as a user runs it, each renderer forced by CHAINRULE_RENDERER.
    script = shutil.which("chainrule") or ""
    command = ([script] if script else [python, "-m", "chainrule"])
    out = os.path.join(ROOT, ".bench-graph.svg")
    small = ["graph", "tanh(a*b + c)", "--var", "a=2", "--var", "b=-3", "--var", "c=1",
             "--out", out]
    ab101 = ["graph", "--var", "a=1", "--var", "b=1", "--out", out, "--",
             "+".join("ab"[i % 2] for i in range(101))]
    cli = {}
    for name, env in found.items():
        forced = dict(env, CHAINRULE_RENDERER=name)
        cli[f"{name}: tanh(a*b + c)"] = lambda forced=forced: run(command + small, forced)
    cli["pure: a+b+a+b+... 101 terms"] = lambda: run(command + ab101, found["pure"])
    try:
        print_table("`chainrule graph` end to end (a fresh process)",
                    interleaved_medians(cli, args.repeats, warmup=1), next(iter(cli)))
    finally:
        if os.path.exists(out):
            os.remove(out)
    print(f"\n(timed at {time.strftime('%H:%M:%S')}; {format_seconds(0.5)} is the target "
          "for a small graph end to end)")


if __name__ == "__main__":
    main()
