"""`chainrule graph`: draw the computation graph of a scalar expression (SVG, PNG or DOT),
or write the interactive explorer (HTML)."""

from __future__ import annotations

import argparse
import warnings

from chainrule import expression
from chainrule.usage import (
    CommandError,
    UsageError,
    command_parser,
    output_file,
    positive_int,
    variable,
)

_EXAMPLES = """
  chainrule graph "tanh(a*b + c) * log(a)" --var a=2 --var b=-3 --var c=1
  chainrule graph "sigmoid(w1*x1 + w2*x2 + b)" --var w1=0.5 --var x1=1 --var w2=-1 \\
      --var x2=2 --var b=0.1 --local-grads --out neuron.svg
  chainrule graph "a*b + a" --var a=3 --var b=4 --chain a   # every path a -> out
  chainrule graph "exp(x) / (1 + exp(x))" --var x=0.5 --out sigmoid.png
  chainrule graph "tanh(a*b + c)" --var a=2 --var b=-3 --var c=1 --html graph.html  # clickable
  chainrule graph --var a=2 -- "-a*a"       # an expression starting with "-" goes after --

The format follows the --out extension: .svg, .png, .dot (the DOT text) or .html (the
explorer: click a node for its chain-rule step, replay backward; open it in a browser).

Allowed: numbers, variables, + - * / ** and unary -, and the functions
""" + ", ".join(sorted(expression.FUNCTIONS)) + " (one argument each)."


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = command_parser(
        subparsers, "graph", "draw the computation graph of a scalar expression (SVG, PNG)",
        "Build a scalar expression with Value, backpropagate, print the value and each\n"
        "variable's gradient, and draw the graph (SVG, PNG or DOT, by the extension of\n"
        "--out). The expression is parsed with Python's ast module against an allow-list;\n"
        "it is never evaluated as code.",
        _EXAMPLES,
    )
    parser.add_argument("expr", metavar="EXPR", help="the expression, quoted")
    parser.add_argument("--var", metavar="NAME=VALUE", action="append", type=variable,
                        default=[], help="bind a variable (repeat for each variable)")
    parser.add_argument("--out", metavar="PATH",
                        help="file to write, .svg, .png, .dot or .html (default: graph.svg, "
                             "unless only --html is given)")
    parser.add_argument("--html", metavar="PATH",
                        help="write the interactive explorer page (open it in a browser), "
                             "besides --out if that is given")
    parser.add_argument("--max-nodes", metavar="N", type=positive_int, default=500,
                        help="draw at most N values, those nearest the output, and note how "
                             "many are left out (default: 500)")
    parser.add_argument("--local-grads", action="store_true",
                        help="label every edge with its local derivative d(child)/d(parent)")
    parser.add_argument("--chain", metavar="NAME",
                        help="also print every path NAME -> output with its product of "
                             "local derivatives")
    return parser


def run(args: argparse.Namespace) -> int:
    import visualize  # graphviz and the renderer are needed only here

    if args.out is None and args.html is None:
        args.out = "graph.svg"
    out = None if args.out is None else output_file(args.out, "--out",
                                                    tuple(sorted(visualize.FORMATS)))
    pages = [] if args.html is None else [output_file(args.html, "--html", (".html",))]
    values: dict[str, float] = {}
    for name, value in args.var:
        if name in values:
            raise UsageError(f"--var {name} given twice")
        values[name] = value
    try:
        root, leaves = expression.build(args.expr, values)
        root.backward()
    except expression.ExpressionError as error:
        raise UsageError(f"bad expression: {error}") from None
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise UsageError(f"cannot evaluate {args.expr!r}: {error}") from None
    if args.chain is not None and args.chain not in leaves:
        raise UsageError(f"--chain {args.chain}: not a variable of the expression "
                         f"(variables: {', '.join(leaves) or 'none'})")

    print(f"{args.expr.strip()} = {root.data:.6g}")
    for name, leaf in leaves.items():
        print(f"  d out / d {name} = {leaf.grad:.6g}")
    unused = sorted(set(values) - set(leaves))
    if unused:
        print(f"note: --var {', '.join(unused)} not used by the expression")
    highlight = None
    if args.chain is not None:
        highlight = visualize.chain(root, leaves[args.chain])
        print(highlight)
    if out is not None and out.suffix.lower() == ".html":  # the explorer, titled
        pages.insert(0, out)
    elif out is not None:
        _draw(visualize, root, out, args, highlight)
    for page in pages:
        try:
            explorer = visualize.explore(root, max_nodes=args.max_nodes,
                                         title=f"chainrule explorer: {args.expr.strip()}")
        except (visualize.RenderError, visualize.RendererUnavailableError,
                visualize.DrawingTooLargeError) as error:
            raise CommandError(str(error).removeprefix("visualize: ")) from None
        print(f"wrote {explorer.save(page)} (open it in a browser)")
    return 0


def _draw(visualize: object, root: object, out: object, args: argparse.Namespace,
          highlight: object) -> None:
    try:
        with warnings.catch_warnings(record=True) as notes:  # a PNG scaled down to fit
            warnings.simplefilter("always")
            path = visualize.save(root, out, show_local_grads=args.local_grads,
                                  highlight=highlight, max_nodes=args.max_nodes)
    except (visualize.RenderError, visualize.RendererUnavailableError,
            visualize.DrawingTooLargeError) as error:
        raise CommandError(str(error).removeprefix("visualize: ")) from None
    for note in notes:
        print(f"note: {str(note.message).removeprefix('visualize: ')}")
    print(f"wrote {path}")
