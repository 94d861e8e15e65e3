"""The Hessian-vector product of the spiral network's loss, against one first-order step:
chainrule against PyTorch CPU (float64), each library's ratio measured in the same run.

    python benchmarks/hvp.py [--repeats 300]

The loss is softmax cross-entropy (fused) of a 2 -> 64 ReLU -> 3 network on 300 spiral
points. The step is forward, backward and an SGD update; the Hessian-vector product is
forward, a backward pass with create_graph=True, and a backward pass through the recorded
gradients dotted with a fixed vector (Pearlmutter's trick: H v without forming H).
PyTorch's hvp-over-step ratio is the anchor: chainrule's should be within 1.5x of it.

The four candidates alternate in short rounds, and each ratio is taken within a round
(median hvp over median step of that round) before the median over rounds: a ratio of
two times measured seconds apart moves with the machine's speed in between (pooled over
five long rounds, PyTorch's own ratio moved from 1.96 to 2.43 between runs here); the
spread of the per-round ratios is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import benchmarks.single_thread  # noqa: E402, F401 - must run before numpy loads

# isort: split
import numpy as np  # noqa: E402

from autograd import Tensor, grad  # noqa: E402
from benchmarks.common import (  # noqa: E402
    add_allocator_option,
    apply_allocator_option,
    interleaved_times,
    machine,
    print_table,
)
from nn.data import spiral  # noqa: E402
from nn.layers import Linear, ReLU, Sequential  # noqa: E402
from nn.losses import CrossEntropyLoss  # noqa: E402
from nn.optim import SGD  # noqa: E402

LR = 0.01


def chainrule_setup(X: np.ndarray, y: np.ndarray, vectors: list[np.ndarray]):
    model = Sequential(Linear(2, 64, seed=0), ReLU(), Linear(64, 3, seed=1))
    loss_fn = CrossEntropyLoss(fused=True)
    params = model.parameters()
    optimizer = SGD(params, lr=LR)
    inputs = Tensor(X)

    def step() -> None:
        optimizer.zero_grad()
        loss_fn(model(inputs), y).backward()
        optimizer.step()

    def hvp() -> list[np.ndarray]:
        grads = grad(loss_fn(model(inputs), y), params, create_graph=True)
        terms = [(g * v).sum() for g, v in zip(grads, vectors)]
        return list(grad(sum(terms[1:], terms[0]), params))

    return step, hvp


def torch_setup(X: np.ndarray, y: np.ndarray, vectors: list[np.ndarray]):
    import torch

    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 3)).double()
    params = list(model.parameters())
    optimizer = torch.optim.SGD(params, lr=LR)
    inputs, targets = torch.tensor(X), torch.tensor(y, dtype=torch.long)
    # chainrule stores weights as (in, out), PyTorch as (out, in)
    tv = [torch.tensor(v.T if v.ndim == 2 else v) for v in vectors]
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> None:
        optimizer.zero_grad()
        loss_fn(model(inputs), targets).backward()
        optimizer.step()

    def hvp() -> list:
        grads = torch.autograd.grad(loss_fn(model(inputs), targets), params, create_graph=True)
        terms = [(g * v).sum() for g, v in zip(grads, tv)]
        return list(torch.autograd.grad(sum(terms[1:], terms[0]), params))

    return step, hvp


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=30)
    add_allocator_option(parser)
    args = parser.parse_args(argv)
    print(apply_allocator_option(args))
    print(f"Hessian-vector product benchmark ({machine()})")
    X, y = spiral(100, 3, seed=0)
    rng = np.random.default_rng(0)
    vectors = [rng.standard_normal(shape) for shape in ((2, 64), (64,), (64, 3), (3,))]
    step, hvp = chainrule_setup(X, y, vectors)
    candidates = {"chainrule step": step, "chainrule hvp": hvp}
    try:
        torch_step, torch_hvp = torch_setup(X, y, vectors)
    except ImportError:
        print("  (PyTorch not installed: no anchor)")
    else:
        candidates.update({"PyTorch float64 step": torch_step, "PyTorch float64 hvp": torch_hvp})
    times = interleaved_times(candidates, args.repeats, rounds=args.rounds)
    medians = {name: statistics.median(t for ts in rounds for t in ts)
               for name, rounds in times.items()}
    print_table("spiral, 300 samples, 2 -> 64 ReLU -> 3: times", medians, "chainrule step")
    ours = _round_ratios(times["chainrule hvp"], times["chainrule step"])
    print(f"\n  hvp / step, median of {len(ours)} rounds (quartiles):")
    print(f"  chainrule: {_summary(ours)}")
    if "PyTorch float64 hvp" in times:
        theirs = _round_ratios(times["PyTorch float64 hvp"], times["PyTorch float64 step"])
        print(f"  PyTorch:   {_summary(theirs)}")
        relative = [a / b for a, b in zip(ours, theirs)]
        print(f"  chainrule's ratio / PyTorch's = {_summary(relative)} (target: <= 1.5)")


def _round_ratios(numerator: list[list[float]], denominator: list[list[float]]) -> list[float]:
    """Per round: the median of `numerator`'s times over the median of `denominator`'s."""
    return [statistics.median(a) / statistics.median(b) for a, b in zip(numerator, denominator)]


def _summary(ratios: list[float]) -> str:
    """'2.31 (2.20 to 2.45)': the median and the quartiles."""
    low, middle, high = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    return f"{middle:.2f} ({low:.2f} to {high:.2f})"


if __name__ == "__main__":
    main()
