"""One training step of the digits CNN (`chainrule train --data digits --model cnn`):
chainrule's Tensor engine against PyTorch eager, float32 and float64, in one run.

    python benchmarks/cnn.py [--repeats 200] [--batch 32]

The network: Conv2d(1, 16, 3, padding 1), ReLU, MaxPool2d(2), Conv2d(16, 32, 3, padding
1), ReLU, MaxPool2d(2), Flatten, Linear(128, 10), softmax cross-entropy (fused) and Adam,
on batches of the shipped 8x8 digits. PyTorch gets the same weights (`nn.to_torch`) and
the same batches. Every library runs on one thread and the four candidates alternate
round by round (benchmarks.common.interleaved_medians). Goal: chainrule float32 within
2x of PyTorch float32.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import benchmarks.single_thread  # noqa: E402, F401 - must run before numpy loads

# isort: split
import numpy as np  # noqa: E402

import nn  # noqa: E402
from autograd import Tensor  # noqa: E402
from benchmarks.common import (  # noqa: E402
    add_allocator_option,
    apply_allocator_option,
    interleaved_medians,
    machine,
    print_table,
)
from chainrule import digits  # noqa: E402

LR = 0.005


def batches(dtype: object, size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    x, y = nn.data.digits("train", seed=0, dtype=dtype)
    return [(x[i:i + size], y[i:i + size]) for i in range(0, len(x) - size + 1, size)]


def chainrule_setup(dtype: object, size: int):
    model = digits.build("cnn", [], seed=0, dtype=dtype)
    optimizer = nn.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss(fused=True)
    data, count = batches(dtype, size), [0]

    def step() -> float:
        x, y = data[count[0] % len(data)]
        count[0] += 1
        optimizer.zero_grad()
        loss = loss_fn(model(Tensor(x)), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def torch_setup(dtype: object, size: int):
    import torch

    torch.set_num_threads(1)
    module = nn.to_torch(digits.build("cnn", [], seed=0, dtype=dtype))
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    data = [(torch.tensor(x), torch.tensor(y)) for x, y in batches(dtype, size)]
    count = [0]

    def step() -> float:
        x, y = data[count[0] % len(data)]
        count[0] += 1
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(module(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--batch", type=int, default=32)
    add_allocator_option(parser)
    args = parser.parse_args(argv)
    print(apply_allocator_option(args))
    print(f"digits CNN training step, batch {args.batch} ({machine()})")
    candidates = {f"chainrule {d.__name__}": chainrule_setup(d, args.batch)
                  for d in (np.float32, np.float64)}
    try:
        import torch  # noqa: F401
    except ImportError:
        print("  (PyTorch not installed: its rows are skipped)")
    else:
        candidates.update({f"PyTorch eager {d.__name__}": torch_setup(d, args.batch)
                           for d in (np.float32, np.float64)})
    medians = interleaved_medians(candidates, args.repeats, warmup=5, rounds=10)
    baseline = "PyTorch eager float32" if "PyTorch eager float32" in medians \
        else "chainrule float32"
    print_table("one step: forward, backward, Adam (ratio to PyTorch float32; goal: "
                "chainrule float32 <= 2x)", medians, baseline)
    if "PyTorch eager float64" in medians:
        ratio = medians["chainrule float64"] / medians["PyTorch eager float64"]
        print(f"  chainrule float64 / PyTorch float64: {ratio:.2f}x")


if __name__ == "__main__":
    main()
