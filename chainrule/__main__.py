"""Entry point: `chainrule COMMAND ...` and `python -m chainrule COMMAND ...`."""

from __future__ import annotations

import os

# The networks here are small: multi-threaded BLAS spends more time waking threads than
# multiplying (10x slower on 2 busy cores). Must be set before numpy is first imported.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402

from chainrule import __version__, cli_check, cli_demo, cli_graph, cli_train  # noqa: E402
from chainrule.usage import Parser, UsageError  # noqa: E402

_COMMANDS = (cli_demo, cli_train, cli_graph, cli_check)

_EXAMPLES = """
examples:
  chainrule demo                                  # train, compare, draw: all in ./chainrule-out
  chainrule graph "tanh(a*b + c)" --var a=2 --var b=-3 --var c=1 --local-grads
  chainrule check --batch 16 --classes 4
  chainrule train --data moons --hidden 16,16 --epochs 200 --plot moons.png

Run `chainrule COMMAND --help` for each command's options.
"""


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one subcommand per `cli_*` module."""
    parser = Parser(
        prog="chainrule",
        description="Reverse-mode autodiff you can watch: train small networks built from "
                    "primitive ops,\ndraw computation graphs, and compare fused and composed "
                    "softmax cross-entropy.",
        epilog=_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _COMMANDS:
        sub = module.add_parser(subparsers)
        sub.set_defaults(run=module.run, parser=sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 1 check failed, 2 usage error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and argparse's own usage errors
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    try:
        return args.run(args)
    except UsageError as error:
        # One line; a syntax error adds the expression with a caret under the fault.
        line, _, excerpt = str(error).partition("\n")
        hint = f" (see {args.parser.prog} --help)" if error.show_usage else ""
        print(f"{args.parser.prog}: error: {line}{hint}" + (excerpt and "\n" + excerpt),
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
