"""The one table of primitives, and how the engines bind its entries when first used.

A primitive is a forward function and its rule for the gradient, written against a
backend `m` (`autograd.backends`): numbers (floats or numpy arrays) for an ordinary
backward pass, graph nodes for `create_graph=True`.

    forward(m, ctx, *inputs)                    -> out
    backward(m, ctx, needs, grad, out, *inputs) -> one gradient per input (None: none)

`ctx` holds the primitive's constants (an exponent, an axis, an index); `needs` has one
flag per input, saying whether it wants a gradient, so an expensive one (the gradient
of the input data in `x @ W`) is never computed for a constant.

Each engine keeps a `BoundOps` cache: the entry for a name is bound from the table the
first time the name is applied, so a primitive defined after import is used like a
built-in one. Redefining a built-in name is an error; a primitive defined by a user
may be redefined (a notebook cell run twice): the caches forget the old binding.
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial


@dataclass(frozen=True)
class Primitive:
    """One entry of the table; engines bind it to their backend."""

    name: str
    forward: Callable
    backward: Callable
    check: Callable | None = None  # check(m, ctx, *inputs): raise before anything is recorded
    elementwise: bool = False  # inputs broadcast; gradients are summed back to their shapes
    reads_inputs: bool = True  # False: the scalar engine passes no inputs to backward
    builtin: bool = True  # False for a primitive defined by a user: it may be redefined
    arity: int | None = None  # how many inputs; None: any number (add_n, concatenate)


PRIMITIVES: dict[str, Primitive] = {}


class BoundOps(dict):
    """name -> an engine's binding of `PRIMITIVES[name]`, made on first use."""

    def __init__(self, bind: Callable[[Primitive], object]) -> None:
        super().__init__()
        self.bind = bind
        _CACHES.append(self)

    def __missing__(self, name: str) -> object:
        primitive = PRIMITIVES.get(name)
        if primitive is None:
            raise KeyError(f"no primitive named {name!r}; define it with "
                           f"autograd.primitive(...) (defined: {', '.join(sorted(PRIMITIVES))})")
        bound = self[name] = self.bind(primitive)
        return bound


_CACHES: list[BoundOps] = []


def define(name: str, forward: Callable, backward: Callable, *, check: Callable | None = None,
           elementwise: bool = False, reads_inputs: bool = True, builtin: bool = True,
           arity: int | None | str = "signature") -> Primitive:
    """Enter a primitive in the table under `name` and return it. Its arity is read from
    forward(m, ctx, *inputs)'s signature unless given.

    Raises ValueError if `name` is already taken by a built-in primitive (or, for a
    built-in, by anything): a primitive defined by a user may be replaced.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"a primitive's name must be an identifier, got {name!r}")
    old = PRIMITIVES.get(name)
    if old is not None and (old.builtin or builtin):
        raise ValueError(f"primitive {name!r} is already defined"
                         + (" (a built-in primitive cannot be redefined)" if old.builtin else ""))
    if arity == "signature":
        arity = _arity(forward)
    primitive = Primitive(name, forward, backward, check, elementwise, reads_inputs, builtin,
                          arity)
    PRIMITIVES[name] = primitive
    for cache in _CACHES:
        cache.pop(name, None)
    return primitive


def infix(operation: Callable) -> Callable:
    """forward(m, ctx, a, b) = operation(a, b) (or (m, ctx, a) -> operation(a)): a primitive
    that is one Python operator, such as `operator.mul`, for every backend alike.

    The forward keeps the table's signature and carries `operation`, which the scalar
    engine calls directly: a product of two floats then costs a C call instead of a
    Python frame, 3% of a scalar network's training step (benchmarks/scalar.py).
    """
    if operation in _UNARY_OPERATORS:
        def forward(m: object, ctx: object, a: object) -> object:
            return operation(a)
    else:
        def forward(m: object, ctx: object, a: object, b: object) -> object:
            return operation(a, b)
    forward.operation = operation  # type: ignore[attr-defined]
    forward.__name__ = forward.__qualname__ = getattr(operation, "__name__", "forward")
    return forward


_UNARY_OPERATORS = (operator.neg, operator.pos, operator.abs, operator.invert)


def direct_operation(primitive: Primitive, backend: object) -> Callable:
    """The primitive's forward on `backend` as a function of its inputs alone: the
    operator itself for an `infix` primitive, else forward with m and ctx = None bound."""
    operation = getattr(primitive.forward, "operation", None)
    if operation is not None:
        return operation
    return partial(primitive.forward, backend, None)


def _arity(forward: Callable) -> int | None:
    """How many inputs forward(m, ctx, *inputs) takes; None when it takes any number."""
    inputs = list(inspect.signature(forward).parameters.values())[2:]
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in inputs):
        return None
    return len(inputs)


def undefine(name: str) -> None:
    """Remove a primitive defined by a user (nodes already recorded keep their rule)."""
    primitive = PRIMITIVES.get(name)
    if primitive is None:
        raise KeyError(f"no primitive named {name!r}")
    if primitive.builtin:
        raise ValueError(f"primitive {name!r} is built in and cannot be removed")
    del PRIMITIVES[name]
    for cache in _CACHES:
        cache.pop(name, None)
