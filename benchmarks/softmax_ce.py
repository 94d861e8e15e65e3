"""Softmax cross-entropy, forward + backward: the fused node against the composed graph,
against the same computation written by hand in numpy, and the book's own comparison.

    python benchmarks/softmax_ce.py [--repeats 50]

Targets: Tensor engine at (1000, 10): fused within 1.2x of hand-written numpy and at
least 2x faster than composed; Value engine, one sample of C = 10: fused at least 5x
faster than composed; fused and composed agree to 1e-12 relative.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import benchmarks.single_thread  # noqa: E402, F401 - must run before numpy loads

# isort: split
import numpy as np  # noqa: E402

from autograd import Tensor, Value  # noqa: E402
from benchmarks.common import (  # noqa: E402
    add_allocator_option,
    apply_allocator_option,
    interleaved_medians,
    machine,
    print_table,
)
from nn.functional import compare_gradients, cross_entropy  # noqa: E402


def numpy_fused(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """log-sum-exp forward and (softmax - onehot) / N backward, by hand."""
    n = len(z)
    shifted = z - z.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    sums = exps.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(sums[:, 0]) - shifted[np.arange(n), y]))
    grad = exps / sums
    grad[np.arange(n), y] -= 1
    grad /= n
    return loss, grad


def chainrule_tensor(z: np.ndarray, y: np.ndarray, fused: bool):
    logits = Tensor(z, requires_grad=True)

    def run() -> None:
        logits.grad = None
        cross_entropy(logits, y, fused=fused).backward()

    return run


def chainrule_values(z: np.ndarray, y: np.ndarray, fused: bool):
    # The leaves are made once, outside the timing (their grads just accumulate), so
    # the times are of the loss's forward and backward alone, as for the tensor engine.
    rows = [[Value(x) for x in row] for row in z.tolist()]
    logits = rows[0] if len(rows) == 1 else rows
    targets = int(y[0]) if len(rows) == 1 else y

    def run() -> None:
        cross_entropy(logits, targets, fused=fused).backward()

    return run


def tensor_cases(repeats: int) -> None:
    rng = np.random.default_rng(0)
    for n, c in ((1000, 10), (10000, 100)):
        z = rng.standard_normal((n, c))
        y = rng.integers(0, c, n)
        medians = interleaved_medians({
            "numpy by hand (reference)": lambda z=z, y=y: numpy_fused(z, y),
            "chainrule fused": chainrule_tensor(z, y, True),
            "chainrule composed": chainrule_tensor(z, y, False),
        }, repeats if n == 1000 else max(5, repeats // 5))
        print_table(f"Tensor engine, N={n}, C={c}, forward + backward", medians,
                    "numpy by hand (reference)")
        composed_over_fused = medians["chainrule composed"] / medians["chainrule fused"]
        print(f"  composed / fused: {composed_over_fused:.2f}x")
        report = compare_gradients(z, y, repeats=1)
        print(f"  agreement: max rel difference {report.max_rel_diff:.2e} "
              f"({'ok' if report.ok else 'DISAGREE'} at 1e-12)")


def value_cases(repeats: int) -> None:
    rng = np.random.default_rng(1)
    for n, c in ((1, 10), (32, 10)):
        z = rng.standard_normal((n, c))
        y = rng.integers(0, c, n)
        medians = interleaved_medians({
            "chainrule fused": chainrule_values(z, y, True),
            "chainrule composed": chainrule_values(z, y, False),
        }, repeats)
        print_table(f"Value engine, {'one sample' if n == 1 else f'batch of {n}'}, C={c}",
                    medians, "chainrule fused")
        rows = [[Value(x) for x in row] for row in z.tolist()]
        report = compare_gradients(rows[0] if n == 1 else rows, int(y[0]) if n == 1 else y,
                                   repeats=1)
        print(f"  fused is {medians['chainrule composed'] / medians['chainrule fused']:.1f}x "
              f"faster; max rel difference {report.max_rel_diff:.2e}")


def book_comparison(repeats: int) -> None:
    """The book's experiment: backward through the softmax Jacobian, sample by sample,
    after the cross-entropy derivative -y/y_hat, against the combined (y_hat - y) / N."""
    outputs = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
    targets = np.array([0, 1, 1])
    n, c = outputs.shape

    def separate() -> np.ndarray:
        onehot = np.eye(c)[targets]
        upstream = -onehot / outputs / n  # d(mean CE)/d(y_hat)
        grad = np.empty_like(upstream)
        for i, (s, g) in enumerate(zip(outputs, upstream)):
            s = s.reshape(-1, 1)
            grad[i] = (np.diagflat(s) - s @ s.T) @ g  # softmax Jacobian times upstream
        return grad

    def combined() -> np.ndarray:
        grad = outputs.copy()
        grad[np.arange(n), targets] -= 1
        return grad / n

    medians = interleaved_medians({"combined (y_hat - y) / N": combined,
                                   "separate: Jacobian loop after -y/y_hat": separate},
                                  repeats * 20)
    print_table("The book's comparison (numpy by hand, its 3x3 example; the book prints "
                "about 6.9x)", medians, "combined (y_hat - y) / N")
    print(f"  max abs difference {np.max(np.abs(separate() - combined())):.1e}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=50)
    add_allocator_option(parser)
    args = parser.parse_args(argv)
    print(apply_allocator_option(args))
    print(f"softmax cross-entropy: fused vs composed ({machine()})")
    tensor_cases(args.repeats)
    value_cases(args.repeats)
    book_comparison(args.repeats)


if __name__ == "__main__":
    main()
