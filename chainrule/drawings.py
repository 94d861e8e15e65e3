"""The demo's drawings: one neuron with its local derivatives, and fused beside composed loss."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autograd import Tensor, Value, no_grad

# A neuron small enough to read: out = tanh(w1*x1 + w2*x2 + b). The numbers are
# arbitrary, chosen so that tanh is neither saturated nor linear.
_NEURON = {"x1": 1.5, "w1": 0.8, "x2": -0.5, "w2": -1.2, "b": -1.0}


def neuron() -> tuple[Value, dict[str, Value]]:
    """tanh(w1*x1 + w2*x2 + b), every node labelled, after backward -> (out, leaves)."""
    leaves = {name: Value(number, label=name) for name, number in _NEURON.items()}
    x1w1 = leaves["x1"] * leaves["w1"]
    x1w1.label = "x1*w1"
    x2w2 = leaves["x2"] * leaves["w2"]
    x2w2.label = "x2*w2"
    n = x1w1 + x2w2 + leaves["b"]
    n.label = "n"
    out = n.tanh()
    out.label = "out"
    out.backward()
    return out, leaves


def neuron_svg(path: Path) -> Path:
    """SVG of the neuron's graph, each edge labelled with d(child)/d(parent)."""
    import visualize

    out, _ = neuron()
    visualize.render_svg(out, path, show_local_grads=True)
    return Path(path)


def fused_vs_composed_svg(path: Path, samples: int = 2, classes: int = 3, seed: int = 0) -> Path:
    """SVG of one cross-entropy twice: the single fused node beside the composed graph."""
    import visualize
    from nn.functional import cross_entropy

    rng = np.random.default_rng(seed)
    data = rng.standard_normal((samples, classes))
    targets = rng.integers(0, classes, samples)
    fused_logits = Tensor(data, requires_grad=True, label="logits")
    composed_logits = Tensor(data.copy(), requires_grad=True, label="logits")
    fused = cross_entropy(fused_logits, targets, fused=True)
    composed = cross_entropy(composed_logits, targets, fused=False)
    fused.backward()
    composed.backward()
    visualize.render_svg(visualize.compare(fused, composed), path)
    return Path(path)


def logits_leaf(model, x: np.ndarray) -> Tensor:
    """The model's logits on x (N, 2) as a fresh leaf, so the comparison sees only the loss."""
    with no_grad():
        logits = model(Tensor(x))
    return Tensor(np.array(logits.data), requires_grad=True, label="logits")
