"""One training step of a dense network with softmax cross-entropy: chainrule's Tensor
engine against the same step written by hand in numpy, and PyTorch CPU when installed.

    python benchmarks/tensor.py [--repeats 30]

The reference is the hand-written numpy step that skips the gradient of the input
data (no training step needs it): the limit a numpy engine can reach. Ratios > 1
mean slower than that reference. Every library runs on one thread (set below).

glibc gives large freed blocks back to the system and faults them in again on the
next step, depending on the exact sequence of allocations: hundreds of microseconds
per step, almost at random. The benchmark therefore asks glibc to keep freed memory
(mallopt) for every candidate; --default-malloc shows the numbers without that.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import benchmarks.single_thread  # noqa: E402, F401 - must run before numpy loads

# isort: split
import numpy as np  # noqa: E402

from autograd import Tensor  # noqa: E402
from benchmarks.common import (  # noqa: E402
    add_allocator_option,
    apply_allocator_option,
    interleaved_medians,
    machine,
    print_table,
)
from nn.data import spiral  # noqa: E402
from nn.layers import Linear, ReLU, Sequential  # noqa: E402
from nn.losses import CrossEntropyLoss  # noqa: E402
from nn.optim import SGD  # noqa: E402

LR = 0.01  # small enough that no network diverges over the repeats


def numpy_step(params: list[np.ndarray], X: np.ndarray, y: np.ndarray,
               input_grad: bool) -> float:
    """Forward, backward and SGD update written out by hand: the baseline."""
    W1, b1, W2, b2 = params
    n = len(X)
    h = X @ W1 + b1
    a = np.maximum(h, 0)
    z = a @ W2 + b2
    shifted = z - z.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    sums = exps.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(sums[:, 0]) - shifted[np.arange(n), y]))
    dz = exps / sums
    dz[np.arange(n), y] -= 1
    dz /= n
    dW2 = a.T @ dz
    db2 = dz.sum(axis=0)
    dh = (dz @ W2.T) * (h > 0)
    dW1 = X.T @ dh
    db1 = dh.sum(axis=0)
    if input_grad:
        dh @ W1.T  # what a naive engine computes for the input data, then throws away
    for p, g in zip(params, (dW1, db1, dW2, db2)):
        p -= LR * g
    return loss


def chainrule_setup(sizes: tuple[int, int, int], X: np.ndarray, y: np.ndarray, seed: int):
    model = Sequential(Linear(sizes[0], sizes[1], seed=seed), ReLU(),
                       Linear(sizes[1], sizes[2], seed=seed + 1))
    loss_fn = CrossEntropyLoss(fused=True)
    optimizer = SGD(model.parameters(), lr=LR)
    inputs = Tensor(X)

    def step() -> float:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def torch_setup(sizes: tuple[int, int, int], X: np.ndarray, y: np.ndarray, dtype: str):
    import torch

    torch.set_num_threads(1)

    torch_dtype = getattr(torch, dtype)
    model = torch.nn.Sequential(torch.nn.Linear(sizes[0], sizes[1]), torch.nn.ReLU(),
                                torch.nn.Linear(sizes[1], sizes[2])).to(torch_dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    inputs = torch.tensor(X, dtype=torch_dtype)
    targets = torch.tensor(y, dtype=torch.long)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> float:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def run_case(title: str, sizes: tuple[int, int, int], X: np.ndarray, y: np.ndarray,
             repeats: int) -> dict[str, float]:
    def initial_params() -> list[np.ndarray]:
        rng = np.random.default_rng(0)
        return [rng.normal(0, np.sqrt(2 / sizes[0]), sizes[:2]), np.zeros(sizes[1]),
                rng.normal(0, np.sqrt(2 / sizes[1]), sizes[1:]), np.zeros(sizes[2])]

    mine, naive = initial_params(), initial_params()  # each step trains its own copy
    candidates = {
        "numpy by hand, no input gradient (reference)": lambda: numpy_step(mine, X, y, False),
        "numpy by hand, with input gradient": lambda: numpy_step(naive, X, y, True),
        "chainrule Tensor float64": chainrule_setup(sizes, X, y, seed=0),
    }
    medians = interleaved_medians(candidates, repeats)
    try:
        import torch  # noqa: F401
    except ImportError:
        print("  (PyTorch not installed: its rows are skipped)")
    else:
        # Timed apart from the numpy rows: PyTorch's and OpenBLAS's worker threads
        # spin after their work and would slow whichever library runs next.
        others = {f"PyTorch CPU {dtype}": torch_setup(sizes, X, y, dtype)
                  for dtype in ("float32", "float64")}
        medians.update(interleaved_medians(others, repeats))
        candidates.update(others)
    print_table(title, medians, "numpy by hand, no input gradient (reference)")
    losses = {name: step() for name, step in candidates.items()}
    print("  loss after the repeats: " + ", ".join(f"{v:.4f}" for v in losses.values()))

    return medians


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    add_allocator_option(parser)
    args = parser.parse_args(argv)
    print(apply_allocator_option(args))
    print(f"chainrule Tensor engine benchmark ({machine()})")
    X, y = spiral(100, 3, seed=0)
    run_case("1. spiral, 300 samples, 2 -> 64 ReLU -> 3 (target: chainrule <= 1.25x)",
             (2, 64, 3), X, y, args.repeats * 10)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((1024, 784))
    y = rng.integers(0, 10, 1024)
    run_case("2. random, batch 1024, 784 -> 256 ReLU -> 10 (target: chainrule <= 1.1x)",
             (784, 256, 10), X, y, args.repeats)


if __name__ == "__main__":
    main()
