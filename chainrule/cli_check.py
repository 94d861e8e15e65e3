"""`chainrule check`: fused vs composed cross-entropy gradients, and both vs finite differences."""

from __future__ import annotations

import argparse

import numpy as np

from chainrule.usage import UsageError, command_parser, nonnegative_real, positive_int

_EXAMPLES = """
  chainrule check                                  # 8 x 5 float64 logits, tensor engine
  chainrule check --batch 64 --classes 10 --dtype float32
  chainrule check --engine scalar --batch 4 --classes 3
  chainrule check --tolerance 0; echo $?           # nothing is below 0: always 1

Exit status: 0 when fused and composed agree within the tolerance and both agree with
central finite differences (computed in float64), 1 when anything disagrees.
Agreement means both relative differences are strictly below T (default 1e-12 for
float64, 1e-5 for float32):
  gradients  max|g_fused - g_composed| / max(max|g_composed|, 1/N)
  losses     |loss_fused - loss_composed| / |loss_composed|
The gradient of the mean loss over N samples is (softmax - y) / N, so 1/N is its natural
scale: rows that are confidently right (gradients near 0) are not judged by their rounding
alone. --tolerance 0 always fails, even when the two paths give bit-identical gradients.
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = command_parser(
        subparsers, "check", "compare fused and composed cross-entropy gradients",
        "Draw random logits and targets, compute softmax cross-entropy both ways (one\n"
        "fused node, and composed from primitive ops), print the comparison report, and\n"
        "check each gradient against central finite differences.",
        _EXAMPLES,
    )
    parser.add_argument("--batch", type=positive_int, default=8, metavar="N",
                        help="samples (default: 8)")
    parser.add_argument("--classes", type=positive_int, default=5, metavar="C",
                        help="classes, at least 2 (default: 5)")
    parser.add_argument("--engine", choices=("tensor", "scalar"), default="tensor")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="logits dtype (tensor engine; the scalar engine is float64)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed for the random logits and targets")
    parser.add_argument("--tolerance", type=nonnegative_real, metavar="T",
                        help="fused vs composed relative differences must be below T")
    return parser


def run(args: argparse.Namespace) -> int:
    from autograd import Tensor, Value, gradcheck
    from nn.functional import compare_gradients, cross_entropy

    if args.classes < 2:
        raise UsageError(f"--classes must be at least 2, got {args.classes}")
    if args.engine == "scalar" and args.dtype != "float64":
        raise UsageError("--dtype float32 needs --engine tensor: Values are Python floats")
    rng = np.random.default_rng(args.seed)
    data = rng.standard_normal((args.batch, args.classes)) * 2.0
    targets = rng.integers(0, args.classes, args.batch)
    if args.engine == "tensor":
        logits = Tensor(data.astype(args.dtype))
    else:
        logits = [[Value(x) for x in row] for row in data.tolist()]
    report = compare_gradients(logits, targets, tolerance=args.tolerance)
    print(report)
    tolerance = report.tolerance
    loss_diff = abs(report.loss_fused - report.loss_composed) / max(abs(report.loss_composed),
                                                                     1e-300)
    # Strict: a tolerance of 0 must be impossible to meet (tiny inputs such as 1 x 2
    # logits often give bit-identical gradients on both paths).
    ok = report.max_rel_diff < tolerance and loss_diff < tolerance
    relation = "<" if ok else ">="
    print(f"fused vs composed: max relative difference {max(report.max_rel_diff, loss_diff):.3g} "
          f"{relation} tolerance {tolerance:g}")

    # Finite differences need float64 whatever the dtype under test.
    for fused in (True, False):
        if args.engine == "tensor":
            inputs = [Tensor(data.astype(args.dtype).astype(np.float64), requires_grad=True)]

            def loss(z, fused=fused):
                return cross_entropy(z, targets, fused=fused)
        else:
            inputs = [Value(x) for x in data.ravel().tolist()]

            def loss(*values, fused=fused):
                rows = [list(values[i:i + args.classes])
                        for i in range(0, len(values), args.classes)]
                return cross_entropy(rows, targets, fused=fused)
        result = gradcheck(loss, inputs)
        name = "fused" if fused else "composed"
        print(f"finite differences vs {name:<8}: {result}")
        ok = ok and result.ok
    print("result: " + ("fused, composed and finite differences agree" if ok
                        else "DISAGREEMENT beyond tolerance"))
    return 0 if ok else 1
