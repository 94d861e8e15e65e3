"""`chainrule graph`: draw the computation graph of a scalar expression as SVG."""

from __future__ import annotations

import argparse

from chainrule import expression
from chainrule.usage import UsageError, command_parser, variable

_EXAMPLES = """
  chainrule graph "tanh(a*b + c) * log(a)" --var a=2 --var b=-3 --var c=1
  chainrule graph "sigmoid(w1*x1 + w2*x2 + b)" --var w1=0.5 --var x1=1 --var w2=-1 \\
      --var x2=2 --var b=0.1 --local-grads --out neuron.svg
  chainrule graph "a*b + a" --var a=3 --var b=4 --chain a   # every path a -> out
  chainrule graph "tanh(a*b + c)" --var a=2 --var b=-3 --var c=1 --html graph.html  # clickable
  chainrule graph --var a=2 -- "-a*a"       # an expression starting with "-" goes after --

Allowed: numbers, variables, + - * / ** and unary -, and the functions
""" + ", ".join(sorted(expression.FUNCTIONS)) + " (one argument each)."


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = command_parser(
        subparsers, "graph", "render the computation graph of a scalar expression to SVG",
        "Build a scalar expression with Value, backpropagate, print the value and each\n"
        "variable's gradient, and write the graph as SVG. The expression is parsed with\n"
        "Python's ast module against an allow-list; it is never evaluated as code.",
        _EXAMPLES,
    )
    parser.add_argument("expr", metavar="EXPR", help="the expression, quoted")
    parser.add_argument("--var", metavar="NAME=VALUE", action="append", type=variable,
                        default=[], help="bind a variable (repeat for each variable)")
    parser.add_argument("--out", metavar="PATH", default="graph.svg",
                        help="file to write: SVG, or the interactive explorer page when PATH "
                             "ends in .html (default: graph.svg)")
    parser.add_argument("--html", metavar="PATH",
                        help="also write the interactive explorer: click nodes for their "
                             "chain-rule step, replay backward (open it in a browser)")
    parser.add_argument("--local-grads", action="store_true",
                        help="label every edge with its local derivative d(child)/d(parent)")
    parser.add_argument("--chain", metavar="NAME",
                        help="also print every path NAME -> output with its product of "
                             "local derivatives")
    return parser


def run(args: argparse.Namespace) -> int:
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

    import visualize  # imported late: graphviz is only needed once there is a graph

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
    pages = [args.html] if args.html is not None else []
    if str(args.out).lower().endswith(".html"):
        pages.append(args.out)
    else:
        path = visualize.render_svg(root, args.out, show_local_grads=args.local_grads,
                                    highlight=highlight)
        print(f"wrote {path}")
    for page in pages:
        try:
            explorer = visualize.explore(root, title=f"chainrule explorer: {args.expr.strip()}")
            print(f"wrote {explorer.save(page)} (open it in a browser)")
        except OSError as error:
            raise UsageError(str(error)) from None
    return 0
