"""Scalar expressions such as "tanh(a*b + c) * log(a)" turned into a `Value` graph.

The text is parsed with `ast` and checked against an allow-list: numbers, names
bound to variables, the binary operators + - * / **, unary - and +, and calls of
one positional argument to the functions in `FUNCTIONS`. Nothing the user typed
is ever passed to `eval`: the graph is built by walking the checked tree.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Callable, Mapping

from autograd import Value

_METHODS = ("exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt")
FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    name: getattr(Value, name) for name in _METHODS if callable(getattr(Value, name, None))
}

_BINARY: dict[type, Callable[[object, object], object]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a ** b,
}
_OPERATOR_TEXT = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Not: "not", ast.Invert: "~",
}
# Friendly names for the syntax people most often try; anything else uses its class name.
_SYNTAX_TEXT = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons", ast.BoolOp: "'and'/'or'", ast.IfExp: "conditional expressions",
    ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
    ast.JoinedStr: "f-strings", ast.NamedExpr: "':=' assignments", ast.Starred: "'*' unpacking",
    ast.Await: "'await'", ast.Yield: "'yield'", ast.YieldFrom: "'yield'", ast.Slice: "slices",
}


class ExpressionError(ValueError):
    """A rejected expression: `reason`, 1-based `line` and `column`, and a caret under the text."""

    def __init__(self, reason: str, text: str, line: int, column: int) -> None:
        self.reason, self.text, self.line, self.column = reason, text, line, column
        lines = text.splitlines() or [""]
        source = lines[min(max(line, 1), len(lines)) - 1]
        caret = " " * (max(column, 1) - 1) + "^"
        super().__init__(f"{reason} at line {line}, column {column}\n  {source}\n  {caret}")


def _position(text: str, node: ast.AST) -> tuple[int, int]:
    """1-based (line, column) of `node`; ast counts columns in UTF-8 bytes, people in characters."""
    line = getattr(node, "lineno", 1)
    lines = text.splitlines() or [""]
    source = lines[min(line, len(lines)) - 1].encode()
    column = len(source[: getattr(node, "col_offset", 0)].decode(errors="ignore")) + 1
    return line, column


def _reject(text: str, node: ast.AST, reason: str) -> ExpressionError:
    return ExpressionError(reason, text, *_position(text, node))


def parse(text: str) -> ast.Expression:
    """Parse `text` and check every node against the allow-list; raise ExpressionError if not."""
    text = text.strip()  # eval mode rejects leading blanks as an "unexpected indent"
    if not text:
        raise ExpressionError("empty expression", text, 1, 1)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        line = error.lineno or 1
        # The parser reports offset 0 for "unexpected end": point just past the text.
        column = error.offset if error.offset else len(text.splitlines()[line - 1]) + 1
        raise ExpressionError(f"syntax error: {error.msg}", text, line, column) from None
    except (RecursionError, MemoryError):  # CPython builds the tree recursively
        raise ExpressionError("expression too deeply nested for Python's parser",
                              text, 1, 1) from None
    except ValueError as error:  # null bytes (Python < 3.12)
        raise ExpressionError(f"cannot parse expression: {error}", text, 1, 1) from None
    callees = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if id(node) not in callees:  # a callee Name is checked by _check_call
            _check(text, node)
    return tree


def _check(text: str, node: ast.AST) -> None:
    """Raise ExpressionError unless `node` is on the allow-list."""
    if isinstance(node, (ast.Expression, ast.Load, ast.operator, ast.unaryop)):
        return  # operators are checked at their BinOp/UnaryOp
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _reject(text, node, f"only real numbers are allowed, not {node.value!r}")
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise _reject(text, node, f"'{node.id}' is a function: call it, as in "
                                      f"{node.id}(x)")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            symbol = _OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
            raise _reject(text, node, f"operator '{symbol}' is not supported "
                                      "(use + - * / **)")
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            symbol = _OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
            raise _reject(text, node, f"unary operator '{symbol}' is not supported (use - or +)")
    elif isinstance(node, ast.Call):
        _check_call(text, node)
    else:
        what = _SYNTAX_TEXT.get(type(node), f"'{type(node).__name__}' syntax")
        if isinstance(node, ast.keyword):
            what = f"keyword argument '{node.arg}='" if node.arg else "'**' unpacking"
        raise _reject(text, node, f"{what} not allowed in an expression")


def _check_call(text: str, node: ast.Call) -> None:
    allowed = ", ".join(sorted(FUNCTIONS))
    if not isinstance(node.func, ast.Name):
        what = _SYNTAX_TEXT.get(type(node.func), "calling the result of an expression")
        raise _reject(text, node.func, f"{what} not allowed in an expression "
                                       f"(the callable functions are {allowed})")
    name = node.func.id
    if name not in FUNCTIONS:
        raise _reject(text, node.func, f"unknown function '{name}' (allowed: {allowed})")
    if node.keywords:
        keyword_node = node.keywords[0]
        arg = f"'{keyword_node.arg}='" if keyword_node.arg else "'**'"
        raise _reject(text, keyword_node, f"keyword argument {arg} not allowed in {name}()")
    starred = [arg for arg in node.args if isinstance(arg, ast.Starred)]
    if starred:
        raise _reject(text, starred[0], f"'*' unpacking not allowed in {name}()")
    if len(node.args) != 1:
        raise _reject(text, node, f"{name}() takes exactly one argument, "
                                  f"got {len(node.args)}")


def names(tree: ast.Expression) -> list[str]:
    """Variable names in order of first appearance (function names excluded)."""
    seen: dict[str, None] = {}
    for node in _postorder(tree.body):
        if isinstance(node, ast.Name):
            seen.setdefault(node.id, None)
    return list(seen)


def _postorder(root: ast.AST) -> list[ast.AST]:
    """Operands before the node that uses them, left to right; iterative (no depth limit)."""
    out: list[ast.AST] = []
    stack: list[tuple[ast.AST, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            out.append(node)
            continue
        stack.append((node, True))
        children = _operands(node)
        stack.extend((child, False) for child in reversed(children))
    return out


def _operands(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def check_variable_name(name: str) -> None:
    """Raise ValueError unless `name` can be a variable in an expression."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"variable name {name!r} is not a valid identifier")
    if name in FUNCTIONS:
        raise ValueError(f"variable name {name!r} is a function name")


def build(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """Value graph of `text`, each variable a leaf labelled by its name -> (root, leaves).

    Raises ExpressionError (a ValueError) for rejected syntax and for names missing
    from `values`; arithmetic errors from the engine (log of a negative number, ...)
    propagate unchanged.
    """
    tree = parse(text)
    text = text.strip()
    missing = [n for n in _postorder(tree.body)
               if isinstance(n, ast.Name) and n.id not in values]
    if missing:
        unknown = ", ".join(dict.fromkeys(n.id for n in missing))
        raise _reject(text, missing[0], f"unknown name{'s' * (len(missing) > 1)} {unknown} "
                                        "(bind each with --var NAME=VALUE)")
    used = names(tree)
    leaves = {name: Value(float(values[name]), label=name) for name in used}
    results: dict[int, object] = {}  # id(ast node) -> float constant or Value
    for node in _postorder(tree.body):
        results[id(node)] = _evaluate(node, leaves, results)
    root = results[id(tree.body)]
    if not isinstance(root, Value):
        root = Value(root)  # a constant expression such as "2 * 3" is a one-node graph
    return root, leaves


def _evaluate(node: ast.AST, leaves: dict[str, Value], results: dict[int, object]) -> object:
    """One step of the post-order walk; constants stay Python floats, as in hand-written code."""
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = results[id(node.operand)]
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = results[id(node.left)], results[id(node.right)]
        if not isinstance(left, Value) and not isinstance(right, Value):
            left = Value(left)  # let the engine check the domain (0 ** -1, (-8) ** 0.5)
        return _BINARY[type(node.op)](left, right)
    assert isinstance(node, ast.Call), node  # parse() allowed nothing else
    argument = results[id(node.args[0])]
    if not isinstance(argument, Value):
        argument = Value(argument)
    return FUNCTIONS[node.func.id](argument)
