"""`primitive`: define your own op, with its forward and its derivative, for both engines.

The first exercise of every course on autodiff (PyTorch's `torch.autograd.Function`,
minitorch's `ScalarFunction`): give the forward and the local derivative, and the op
works on `Value` and `Tensor` nodes at once, is drawn by `visualize` under its name,
and is checked by `gradcheck`.

    my_sin = primitive("my_sin", np.sin, derivative=lambda x, out: my_cos(x))
    my_cos = primitive("my_cos", np.cos, derivative=lambda x, out: -my_sin(x))

`derivative(*inputs, out)` returns d out / d input (a tuple of them for several inputs);
the engine multiplies it by the upstream gradient. Written with chainrule operations
(arithmetic, `Value`/`Tensor` methods, functions made by `primitive`), it is
differentiated again under `create_graph=True`; written with numpy it still serves an
ordinary backward pass. For an op that is not elementwise give `backward(grad, out,
*inputs) -> one gradient per input` instead (a vector-Jacobian product).
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable

import numpy as np

from autograd.graph import Node
from autograd.table import PRIMITIVES, define


class PrimitiveFunction:
    """The callable `primitive` returns: on nodes it records an op of the table; on plain
    numbers (a float, a numpy array) it returns the forward's number, so derivatives can
    call it whether they are run on numbers or, for create_graph, on nodes."""

    def __init__(self, name: str, forward: Callable, check: Callable | None, arity: int | None):
        self.name = name
        self._forward = forward
        self._check = check
        self._arity = arity
        self.__name__ = name
        self.__doc__ = getattr(forward, "__doc__", None)

    def __call__(self, *inputs: object) -> object:
        if self._arity is not None and len(inputs) != self._arity:
            raise TypeError(f"{self.name}: takes {self._arity} input(s), got {len(inputs)}")
        nodes = [x for x in inputs if isinstance(x, Node)]
        if not nodes:
            if self._check is not None:
                self._check(*inputs)
            return self._forward(*inputs)
        engine = type(nodes[0])
        if any(type(x) is not engine for x in nodes):
            raise TypeError(f"{self.name}: cannot mix Value and Tensor inputs")
        parents = tuple(x if isinstance(x, Node) else nodes[0]._lift(x) for x in inputs)
        return engine._apply(self.name, parents)

    def __repr__(self) -> str:
        return f"<primitive {self.name!r}>"


def primitive(name: str | Callable | None = None, forward: Callable | None = None,
              derivative: Callable | None = None, *, backward: Callable | None = None,
              check: Callable | None = None,
              elementwise: bool | None = None) -> PrimitiveFunction | Callable:
    """Define a primitive op for both engines; return the function that applies it.

    name: the op's name in graphs and in the table (an identifier; a built-in name such
        as "exp" is refused; redefining your own replaces it, as when a notebook cell
        runs twice).
    forward(*inputs) -> out: on floats for `Value`, on numpy arrays for `Tensor`
        (numpy functions serve both).
    derivative(*inputs, out) -> d out / d input, or a tuple with one per input: the local
        derivatives, which the engine multiplies by the upstream gradient.
    backward(grad, out, *inputs) -> one gradient per input (None: none): the
        vector-Jacobian product, instead of `derivative`, for ops that are not elementwise.
    check(*inputs): raise (ValueError) for inputs outside the domain, before anything is
        recorded.
    elementwise: inputs broadcast against each other and each gradient is summed back to
        its input's shape; default True with `derivative`, False with `backward`.

    Used as a decorator when `forward` is not given: `@primitive(derivative=...)` on a
    function makes the primitive named after it. Raises ValueError for a taken built-in
    name or a missing or doubled rule, TypeError for arguments that are not callables.
    """
    if callable(name) and forward is None:  # @primitive without arguments: no rule given
        raise ValueError("primitive: give derivative= or backward= (@primitive(derivative=...))")
    if forward is None:
        def decorate(function: Callable) -> PrimitiveFunction:
            return primitive(name or function.__name__, function, derivative, backward=backward,
                             check=check, elementwise=elementwise)
        return decorate
    if (derivative is None) == (backward is None):
        raise ValueError(f"primitive {name!r}: give exactly one of derivative= (local "
                         "derivatives) and backward= (gradients from the upstream grad)")
    for role, function in (("forward", forward), ("derivative", derivative),
                           ("backward", backward), ("check", check)):
        if function is not None and not callable(function):
            raise TypeError(f"primitive {name!r}: {role} must be callable, "
                            f"got {type(function).__name__}")
    if name in PRIMITIVES and PRIMITIVES[name].builtin:
        raise ValueError(f"primitive {name!r} is built in and cannot be redefined; "
                         "choose another name")
    arity = _arity(forward)
    rule = _from_derivative(name, derivative) if derivative is not None \
        else _from_backward(name, backward)
    define(name, _forward_rule(name, forward), rule,
           check=None if check is None else lambda m, c, *xs: check(*xs),
           elementwise=derivative is not None if elementwise is None else bool(elementwise),
           builtin=False, arity=arity)
    return PrimitiveFunction(name, forward, check, arity)


def _arity(forward: Callable) -> int | None:
    try:
        parameters = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):  # a numpy ufunc: its `nin`
        return getattr(forward, "nin", None)
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
        return None
    return sum(p.default is p.empty for p in parameters)


def _forward_rule(name: str, forward: Callable) -> Callable:
    def rule(m, ctx, *inputs):
        out = forward(*inputs)
        if m.name == "scalar":
            if not isinstance(out, numbers.Real):
                raise TypeError(f"{name}: forward returned {type(out).__name__}, expected a "
                                "number for Value inputs")
            return float(out)
        return np.asarray(out)
    return rule


def _from_derivative(name: str, derivative: Callable) -> Callable:
    def rule(m, ctx, needs, g, out, *inputs):
        local = _call(name, "derivative", m, derivative, *inputs, out)
        local = local if isinstance(local, tuple) else (local,)
        if len(local) != len(needs):
            raise ValueError(f"{name}: derivative returned {len(local)} value(s) for "
                             f"{len(needs)} input(s)")
        grads = tuple(g * d for d in local)
        return tuple(map(float, grads)) if m.name == "scalar" else grads
    return rule


def _from_backward(name: str, backward: Callable) -> Callable:
    def rule(m, ctx, needs, g, out, *inputs):
        grads = _call(name, "backward", m, backward, g, out, *inputs)
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(needs):
            raise ValueError(f"{name}: backward returned {len(grads)} gradient(s) for "
                             f"{len(needs)} input(s)")
        if m.name == "scalar":
            return tuple(0.0 if d is None else float(d) for d in grads)
        return grads
    return rule


def _call(name: str, role: str, m: object, function: Callable, *args: object) -> object:
    try:
        return function(*args)
    except TypeError as error:
        if m.name != "nodes":
            raise
        raise TypeError(f"{name}: create_graph runs its {role} on graph nodes, so it must be "
                        f"written with chainrule operations (arithmetic, Value/Tensor methods, "
                        f"functions made by autograd.primitive), not numpy; it raised: "
                        f"{error}") from None
