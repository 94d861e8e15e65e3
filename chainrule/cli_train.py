"""`chainrule train`: train a classifier on a toy 2-D data set with either engine, or on
the handwritten digits (`--data digits`, an MLP or `--model cnn`: `chainrule.digits`)."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from chainrule import digits, training
from chainrule.plotting import PLOT_SUFFIXES
from chainrule.usage import (
    CommandError,
    PathError,
    UsageError,
    command_parser,
    output_file,
    positive_int,
    positive_real,
    widths,
)

_EXAMPLES = """
  chainrule train                                        # spiral, tensor engine, Adam
  chainrule train --data moons --hidden 16,16 --optimizer sgd --lr 0.5 --plot moons.png
  chainrule train --engine scalar --hidden 8,8 --epochs 40   # one Value per weight: slow
  chainrule train --loss composed --save spiral.npz      # softmax + log + mean as separate ops
  chainrule train --export spiral.onnx --export-torch spiral.pt   # hand the model on
  chainrule train --data digits --model cnn --plot digits.png   # real 8x8 images, a CNN

Defaults depend on the engine: tensor trains 64,64 hidden units on 100 points per class
for 300 epochs; scalar trains 8,8 on 30 points per class for 100 epochs (a few
seconds per 10 epochs: one Python object per weight and per operation). The learning
rate defaults to 0.5 for sgd and adagrad, 0.02 for adam and 0.01 for rmsprop.
--data digits trains on 80% of the 1,797 images shipped with chainrule and reports the
accuracy on the other 20%: batches of 32, 10 epochs for the CNN (30 for the MLP, hidden
64), learning rate 0.005 for adam (sgd 0.1, rmsprop 0.002, adagrad 0.05); --plot shows
misclassified test digits.
"""
_DEFAULTS = {  # engine -> (hidden, samples per class, epochs)
    "tensor": ([64, 64], 100, 300),
    "scalar": ([8, 8], 30, 100),
}


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = command_parser(
        subparsers, "train",
        "train a small classifier: spiral, moons, vertical points or digit images",
        "Train a ReLU network with softmax cross-entropy (fused or composed from primitive\n"
        "ops) and print the loss and training accuracy; optionally save the weights, a\n"
        "plot of the run (the decision boundary, or the misclassified digits, and the loss\n"
        "curve) and the model for PyTorch or ONNX.",
        _EXAMPLES,
    )
    parser.add_argument("--data", choices=training.DATASETS, default="spiral")
    parser.add_argument("--model", choices=digits.MODELS, default="mlp",
                        help="cnn: a small convolutional network (--data digits only)")
    parser.add_argument("--engine", choices=training.ENGINES, default="tensor")
    parser.add_argument("--hidden", type=widths, metavar="W1,W2,...",
                        help="hidden layer widths (default: 64,64 tensor, 8,8 scalar)")
    parser.add_argument("--optimizer", choices=sorted(training.OPTIMIZERS), default="adam")
    parser.add_argument("--lr", type=positive_real, help="learning rate (default: see below)")
    parser.add_argument("--epochs", type=positive_int, help="passes over the data")
    parser.add_argument("--batch-size", type=positive_int,
                        help="samples per step, shuffled each epoch (default: full batch)")
    parser.add_argument("--samples", type=positive_int, help="points per class")
    parser.add_argument("--classes", type=positive_int, default=None,
                        help="classes for spiral/vertical (default 3; moons is always 2)")
    parser.add_argument("--loss", choices=("fused", "composed"), default="fused",
                        help="fused softmax-cross-entropy op, or composed from primitives")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--save", metavar="PATH.npz",
                        help="save the trained weights (nn.save's .npz; nn.load reads it)")
    parser.add_argument("--plot", metavar="PATH.png",
                        help="save a picture of the run: the decision boundary (points) or "
                             "the misclassified test digits, beside the loss and training "
                             "accuracy per epoch; .png, .svg or .pdf, by extension")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_export_options(parser)
    return parser


def settings(args: argparse.Namespace) -> dict:
    """Resolve engine-dependent defaults; raise UsageError for contradictory options."""
    if args.data == "digits":
        return _digit_settings(args)
    if args.model == "cnn":
        raise UsageError(f"--model cnn needs images: use it with --data digits, not "
                         f"--data {args.data}")
    hidden, samples, epochs = _DEFAULTS[args.engine]
    classes = args.classes if args.classes is not None else (2 if args.data == "moons" else 3)
    if args.data == "moons" and classes != 2:
        raise UsageError(f"--data moons has 2 classes, not --classes {classes}")
    if classes < 2:
        raise UsageError(f"--classes must be at least 2, got {classes}")
    return {
        "hidden": args.hidden or hidden, "samples": args.samples or samples,
        "epochs": args.epochs or epochs, "classes": classes,
        "lr": args.lr or training.DEFAULT_LR[args.optimizer],
    }


def _digit_settings(args: argparse.Namespace) -> dict:
    for option, value in (("--classes", args.classes), ("--samples", args.samples)):
        if value is not None:
            raise UsageError(f"{option} does not apply to --data digits (10 classes, 1,797 "
                             f"images)")
    if args.engine != "tensor":
        raise UsageError("--data digits trains with the tensor engine")
    epochs, batch = digits.DEFAULTS[args.model]
    return {"hidden": args.hidden or [64], "epochs": args.epochs or epochs, "classes": 10,
            "batch_size": args.batch_size or batch, "lr": args.lr or digits.LR[args.optimizer]}


def run(args: argparse.Namespace) -> int:
    import nn

    s = settings(args)
    plot = output_file(args.plot, "--plot", PLOT_SUFFIXES) if args.plot else None
    if args.save:  # checked before training, as every output file
        args.save = output_file(args.save, "--save", (".npz",))
    _check_exports(args)
    if args.data == "digits":
        return _run_digits(args, s, plot)
    x, y = training.load_data(args.data, s["samples"], s["classes"], args.seed)
    model = training.build_model(args.engine, x.shape[1], s["hidden"], s["classes"], args.seed)
    optimizer = training.make_optimizer(args.optimizer, model.parameters(), s["lr"])
    loss = nn.CrossEntropyLoss(fused=args.loss == "fused")
    print(f"data: {args.data}, {len(x)} points, {s['classes']} classes")
    description = training.describe(model, args.engine, x.shape[1], s["hidden"], s["classes"])
    print(f"model ({args.engine} engine): {description}")
    print(f"training: {args.optimizer} lr={s['lr']:g}, {args.loss} cross-entropy, "
          f"{s['epochs']} epochs")
    start = time.perf_counter()
    history = nn.fit(model, x, y, loss, optimizer, s["epochs"], batch_size=args.batch_size,
                     progress=not args.no_progress, seed=args.seed)
    seconds = time.perf_counter() - start
    print(f"final loss {history.loss[-1]:.4f}, training accuracy "
          f"{history.accuracy[-1]:.1%} ({seconds:.1f} s)")
    if args.save:
        print(f"wrote {nn.save(model, args.save)}")
    if plot is not None:
        from chainrule.plotting import save_training_plot

        steps = 60 if args.engine == "scalar" else 150  # scalar prediction is per point
        path = save_training_plot(plot, x, y, training.predictor(model, args.engine),
                                  history.loss, history.accuracy, steps=steps,
                                  title=f"{args.data}: {args.engine} engine, {args.optimizer}")
        print(f"wrote {path}")
    return _write_exports(args, model, x)


def _run_digits(args: argparse.Namespace, s: dict, plot: Path | None) -> int:
    import nn

    x, y, x_test, y_test = digits.load(args.seed, flatten=args.model == "mlp")
    model = digits.build(args.model, s["hidden"], args.seed)
    optimizer = training.make_optimizer(args.optimizer, model.parameters(), s["lr"])
    loss = nn.CrossEntropyLoss(fused=args.loss == "fused")
    print(f"data: digits, {len(x)} training and {len(x_test)} test images of 8x8 pixels, "
          f"10 classes")
    print(f"model: {digits.describe(model, args.model, s['hidden'])}")
    print(f"training: {args.optimizer} lr={s['lr']:g}, {args.loss} cross-entropy, "
          f"{s['epochs']} epochs of batches of {s['batch_size']}")
    start = time.perf_counter()
    history = nn.fit(model, x, y, loss, optimizer, s["epochs"], batch_size=s["batch_size"],
                     progress=not args.no_progress, seed=args.seed)
    seconds = time.perf_counter() - start
    predicted = digits.predict(model, x_test)
    print(f"final loss {history.loss[-1]:.4f}, training accuracy {history.accuracy[-1]:.1%}, "
          f"test accuracy {(predicted == y_test).mean():.1%} ({seconds:.1f} s)")
    if args.save:
        print(f"wrote {nn.save(model, args.save)}")
    if plot is not None:
        from chainrule.plotting import save_digits_plot

        path = save_digits_plot(plot, x_test, y_test, predicted, history.loss,
                                history.accuracy, title=f"digits: {args.model}, {args.optimizer}")
        print(f"wrote {path}")
    return _write_exports(args, model, x)


# ---------------------------------------------------------------- --export, --export-torch
_EXPORTS = (  # option, attribute, the package it needs, the chainrule extra that brings it
    ("--export", "export", "onnx", "onnx"),
    ("--export-torch", "export_torch", "torch", "torch"),
)


def _add_export_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--export", metavar="PATH.onnx",
                        help="write the trained model's forward pass as ONNX (batch axis "
                             "dynamic; needs chainrule[onnx])")
    parser.add_argument("--export-torch", metavar="PATH.pt",
                        help="write the trained weights as a PyTorch state dict with "
                             "torch.save, for nn.to_torch's module (needs chainrule[torch])")


def _check_exports(args: argparse.Namespace) -> None:
    """Before training: the packages are there and the files can be created."""
    for option, attribute, package, extra in _EXPORTS:
        path = getattr(args, attribute)
        if path is None:
            continue
        path = Path(path)
        if path.is_dir():
            raise PathError(f"{option}: {path} is a directory, not a file name")
        if not path.absolute().parent.is_dir():
            raise PathError(f"{option}: the directory {path.absolute().parent} does not exist")
        try:  # imported now, not found by name: a broken install fails here, not after training
            importlib.import_module(package)
        except ImportError:
            raise CommandError(f"{option} needs the {package} package: "
                             f"pip install 'chainrule[{extra}]'") from None


def _write_exports(args: argparse.Namespace, model: object, x: object) -> int:
    """Write the --export files; 1 with a one-line error if one cannot be written."""
    import nn

    try:
        if args.export:
            path = nn.export_onnx(model, x, args.export)
            shape = ", ".join(map(str, x.shape[1:]))
            print(f"wrote {path} (ONNX opset {nn.onnx_export.OPSET}, input (batch, {shape}) "
                  f"float64, output: logits)")
        if args.export_torch:
            import torch

            torch.save(nn.torch_state_dict(model), args.export_torch)
            print(f"wrote {args.export_torch} (PyTorch state dict: load it into "
                  f"nn.to_torch(model) or the same torch.nn.Sequential)")
    except (OSError, RuntimeError) as error:
        print(f"chainrule train: error: cannot write the export: {error}", file=sys.stderr)
        return 1
    return 0
