"""Regenerate the example SVGs in docs/ (from the repository root): python docs/make_examples.py

`python docs/make_examples.py DIR` writes them into DIR instead (the tests compare).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import nn
import visualize
from autograd import Value
from nn import functional as F  # noqa: N812 - the conventional name

HERE = Path(__file__).resolve().parent


def neuron(out: Path) -> None:
    """micrograd's neuron, o = tanh(x1 w1 + x2 w2 + b), with its local derivatives and chain
    (the README's visualize example, which writes the same file)."""
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    paths = visualize.chain(o, w1)
    visualize.save(visualize.draw(o, show_local_grads=True, highlight=paths), out / "neuron.svg")


def fused_vs_composed(out: Path) -> None:
    """Cross-entropy of one sample with 3 classes: one fused node against the primitives."""
    def logits() -> list[Value]:
        return [Value(v, label=f"z{j}") for j, v in enumerate([2.0, 1.0, 0.1])]

    fused, composed = F.cross_entropy(logits(), 0, fused=True), F.cross_entropy(logits(), 0)
    fused.backward()
    composed.backward()
    visualize.save(visualize.compare(fused, composed), out / "fused_vs_composed.svg")


def mlp_collapsed(out: Path) -> None:
    """A scalar MLP(3, [8, 8, 1]) on 8 samples (~2,000 nodes), each Layer call folded."""
    model = nn.MLP(3, [8, 8, 1], seed=0)
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(8, 3)).tolist()
    ys = [1.0 if sum(x) > 0 else -1.0 for x in xs]
    loss = Value.sum([(model([Value(v, label=f"x{i}") for v in x]) - y) ** 2
                      for i, (x, y) in enumerate(zip(xs, ys))])
    loss.backward()
    visualize.save(loss, out / "mlp_collapsed.svg", collapse=2, params=model)


def backward_graph(out: Path) -> None:
    """tanh(x w) and, beside it, the backward pass that create_graph=True records (the
    README's "Gradients of gradients" example)."""
    x, w = Value(0.5, label="x"), Value(-1.5, label="w")
    y = (x * w).tanh()
    y.label = "y"
    y.backward(create_graph=True)
    visualize.save(visualize.draw(x.grad, collapse=3), out / "backward_graph.svg")


def main(out: Path = HERE) -> None:
    """Write the example SVGs into `out`."""
    neuron(out)
    fused_vs_composed(out)
    mlp_collapsed(out)
    backward_graph(out)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    main(target)
    print("wrote", ", ".join(sorted(p.name for p in target.glob("*.svg"))))
    print("docs/spiral.png is the plot that `chainrule demo` writes (copied from its output)")
