"""chainrule's scalar engine (`Value`) against micrograd, in the same run.

    pip install micrograd==0.1.0      # benchmark-only dependency (extra "bench")
    python benchmarks/scalar.py [--repeats 5] [--chain 1000000]

1. One training step of micrograd's demo: MLP(2, [16, 16, 1]) on 100 two-moons
   points, mean max-margin loss relu(1 - y*score) + 1e-4 * sum(p*p), forward over all
   points, backward, SGD update; with Python's cyclic garbage collector on (the
   default) and off. chainrule runs its idiomatic code (nn.MLP, whose neurons sum
   with one n-ary node, and nn.optim.SGD); a second row builds micrograd's exact
   graph (binary adds) on chainrule, to show the engine's per-node cost alone.
2. A deep chain of relu nodes: backward time per node, and memory per node while building it.
3. Reference cycles: what gc.collect() finds after a dropped training graph.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autograd import Value, topological_order  # noqa: E402
from benchmarks.common import format_seconds, interleaved_medians, machine  # noqa: E402
from nn.data import moons  # noqa: E402
from nn.optim import SGD  # noqa: E402
from nn.scalar import MLP  # noqa: E402

try:
    from micrograd.engine import Value as MicroValue
    from micrograd.nn import MLP as MicroMLP
except ImportError:  # pragma: no cover - benchmark-only dependency
    sys.exit("micrograd is not installed: pip install micrograd==0.1.0")


def demo_data() -> tuple[list[list[float]], list[float]]:
    X, y = moons(100, noise=0.1, seed=1)
    return X.tolist(), [1.0 if label == 1 else -1.0 for label in y]


def chainrule_step(model: MLP, optimizer: SGD, X: list, y: list) -> Value:
    scores = [model(x) for x in X]
    losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = Value.sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * Value.sum([p * p for p in model.parameters()])
    loss = data_loss + reg_loss
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def binary_sum(values: list, start: object) -> object:
    total = start
    for v in values:
        total = total + v
    return total


def chainrule_micrograd_graph_step(params: list, layers: list, X: list, y: list) -> Value:
    """micrograd's graph node for node (binary adds, builtin sum), on chainrule's engine."""
    def neuron(w, b, x, nonlin):
        act = binary_sum([wi * xi for wi, xi in zip(w, x)], b)
        return act.relu() if nonlin else act

    scores = []
    for x in X:
        for i, layer in enumerate(layers):
            x = [neuron(n.w, n.b, x, i != len(layers) - 1) for n in layer.neurons]
        scores.append(x[0])
    losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= 0.01 * p.grad
    return loss


def micrograd_step(model: MicroMLP, X: list, y: list) -> MicroValue:
    """micrograd's demo step, as its notebook writes it."""
    inputs = [list(map(MicroValue, x)) for x in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    loss = data_loss + reg_loss
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.01 * p.grad
    return loss


def demo_step(repeats: int) -> None:
    X, y = demo_data()
    random.seed(1337)
    ours = MLP(2, [16, 16, 1], seed=1337)
    optimizer = SGD(ours.parameters(), lr=0.01)
    same_graph = MLP(2, [16, 16, 1], seed=1337)
    theirs = MicroMLP(2, [16, 16, 1])
    nodes = len(topological_order(chainrule_step(ours, optimizer, X, y)))
    print(f"\n1. micrograd demo step: MLP(2, [16, 16, 1]), 100 moons points "
          f"(chainrule graph: {nodes} nodes)")
    candidates = {
        "micrograd": lambda: micrograd_step(theirs, X, y),
        "chainrule (nn.MLP, n-ary sums, nn.optim.SGD)": lambda: chainrule_step(
            ours, optimizer, X, y),
        "chainrule, micrograd's exact graph": lambda: chainrule_micrograd_graph_step(
            same_graph.parameters(), same_graph.layers, X, y),
    }
    for collector in ("on", "off"):
        medians = {}
        if collector == "on":
            # Candidates run one after another, each after gc.collect(): micrograd leaves
            # cyclic garbage, and whoever triggers the next collection would pay for it.
            for name, step in candidates.items():
                gc.collect()
                medians.update(interleaved_medians({name: step}, repeats, warmup=1))
        else:
            # Nothing is collected, so the candidates can alternate, round by round:
            # a slow spell of this noisy machine then hits all of them alike.
            gc.collect()
            gc.disable()
            medians.update(interleaved_medians(candidates, repeats, warmup=1))
            gc.enable()
            gc.collect()
        base = medians["micrograd"]
        print(f"  garbage collector {collector}:")
        for name, seconds in medians.items():
            print(f"    {name:<48} {format_seconds(seconds):>10}   "
                  f"{base / seconds:5.1f}x faster than micrograd")
    gc.enable()


def build_chain(value_type: type, depth: int) -> object:
    """relu(relu(...relu(x))): a unary chain; relu is the one op micrograd 0.1.0 has."""
    x = root = value_type(0.5)
    for _ in range(depth):
        x = x.relu()
    return root, x


def chain_memory(value_type: type, depth: int) -> float:
    gc.collect()
    tracemalloc.start()
    chain = build_chain(value_type, depth)
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del chain
    return used / (depth + 1)


def deep_chain(depth: int) -> None:
    print(f"\n2. deep chain of relu nodes (default recursion limit {sys.getrecursionlimit()})")
    short = 900  # micrograd's recursive topological sort dies past about 1,000 levels
    types = (("micrograd", MicroValue), ("chainrule", Value))
    per_node = {}
    for name, value_type in types:
        _, top = build_chain(value_type, short)
        gc.collect()  # earlier sections' cyclic garbage must not be billed to this one
        start = time.perf_counter()
        for _ in range(20):
            top.backward()
        per_node[name] = (time.perf_counter() - start) / 20 / (short + 1)
    # Memory last: freeing the 100,000 cyclic micrograd nodes disturbs any timing after it.
    for name, value_type in types:
        memory = chain_memory(value_type, 100_000)
        print(f"  {name:<10} backward {per_node[name] * 1e9:7.0f} ns/node at depth {short}; "
              f"build memory {memory:6.0f} bytes/node")
    try:
        _, top = build_chain(MicroValue, 5_000)
        top.backward()
        print("  micrograd  depth 5,000: ok")
    except RecursionError:
        print("  micrograd  depth 5,000: RecursionError")
    gc.disable()
    _, top = build_chain(Value, depth)
    start = time.perf_counter()
    top.backward()
    elapsed = time.perf_counter() - start
    gc.enable()
    print(f"  chainrule  depth {depth:,}: backward in {elapsed:.2f} s "
          f"({elapsed / depth * 1e9:.0f} ns/node)")


def reference_cycles() -> None:
    print("\n3. objects the cyclic garbage collector must free after one dropped demo graph")
    X, y = demo_data()
    for name, run in (
        ("micrograd", lambda: micrograd_step(MicroMLP(2, [16, 16, 1]), X, y)),
        ("chainrule", lambda: chainrule_step(model := MLP(2, [16, 16, 1], seed=0),
                                             SGD(model.parameters(), lr=0.01), X, y)),
    ):
        gc.collect()
        gc.disable()
        loss = run()
        del loss
        found = gc.collect()
        gc.enable()
        print(f"  {name:<10} gc.collect() found {found} unreachable objects")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chain", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    print(f"chainrule scalar engine vs micrograd ({machine()})")
    demo_step(args.repeats)
    deep_chain(args.chain)
    reference_cycles()


if __name__ == "__main__":
    main()
