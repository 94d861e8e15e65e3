"""`chainrule demo`: train, compare fused and composed gradients, and draw; well under a minute."""

from __future__ import annotations

import argparse
import sys
import time

from chainrule import training
from chainrule.usage import command_parser, output_folder, positive_int, widths

_EXAMPLES = """
  chainrule demo                       # writes into ./chainrule-out
  chainrule demo --out /tmp/demo --epochs 100

It writes three files: neuron.svg (one neuron, tanh(w1*x1 + w2*x2 + b), every edge
labelled with its local derivative), fused_vs_composed.svg (the fused
softmax-cross-entropy node beside the same loss composed from primitives) and
spiral.png (decision boundary and loss curve).
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = command_parser(
        subparsers, "demo", "train on spirals, compare fused/composed, write SVGs and a plot",
        "The whole tour in one command: build a tensor network from primitive ops, train\n"
        "it on spiral data, compare the fused and composed cross-entropy gradients, and\n"
        "draw a neuron's graph, the two loss graphs side by side, and the trained model.",
        _EXAMPLES,
    )
    parser.add_argument("--out", metavar="DIR", default="chainrule-out",
                        help="directory for the output files (default: ./chainrule-out)")
    parser.add_argument("--epochs", type=positive_int, default=300, help="(default: 300)")
    parser.add_argument("--samples", type=positive_int, default=100,
                        help="spiral points per class (default: 100)")
    parser.add_argument("--hidden", type=widths, default=[64, 64], metavar="W1,W2,...",
                        help="hidden layer widths (default: 64,64)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed for the data, the weights and the compared batch")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def run(args: argparse.Namespace) -> int:
    import nn
    import visualize
    from chainrule import drawings
    from chainrule.plotting import save_training_plot
    from nn.functional import compare_gradients

    out = output_folder(args.out, "--out")  # before any work
    classes = 3
    x, y = training.load_data("spiral", args.samples, classes, args.seed)
    model = training.build_model("tensor", 2, args.hidden, classes, args.seed)
    optimizer = training.make_optimizer("adam", model.parameters(), training.DEFAULT_LR["adam"])
    print(f"1. train on spiral data ({len(x)} points, {classes} classes)")
    print("   model: " + training.describe(model, "tensor", 2, args.hidden, classes))
    start = time.perf_counter()
    history = nn.fit(model, x, y, nn.CrossEntropyLoss(fused=True), optimizer, args.epochs,
                     progress=not args.no_progress, seed=args.seed)
    print(f"   {args.epochs} epochs of Adam in {time.perf_counter() - start:.1f} s: "
          f"loss {history.loss[0]:.3f} -> {history.loss[-1]:.4f}, "
          f"training accuracy {history.accuracy[-1]:.1%}")

    print("\n2. fused vs composed softmax cross-entropy on the trained model's logits")
    logits = drawings.logits_leaf(model, x)
    print(compare_gradients(logits, y))

    print("\n3. drawings")
    title = f"spiral: {'-'.join(map(str, [2, *args.hidden, classes]))} ReLU network, Adam"
    jobs = [
        ("neuron.svg", drawings.neuron_svg),
        ("fused_vs_composed.svg",
         lambda path: drawings.fused_vs_composed_svg(path, seed=args.seed)),
        ("spiral.png",
         lambda path: save_training_plot(path, x, y, training.predictor(model, "tensor"),
                                         history.loss, history.accuracy, title=title)),
    ]
    failed = 0
    for name, job in jobs:  # a drawing that cannot be made costs only itself, in one line
        try:
            print(f"   wrote {job(out / name)}")
        except (visualize.RenderError, visualize.RendererUnavailableError,
                visualize.DrawingTooLargeError) as error:
            reason = str(error).removeprefix("visualize: ")
            print(f"chainrule demo: cannot draw {name}: {reason}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0
