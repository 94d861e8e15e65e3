"""`Value`: the scalar engine, one Python float per graph node (micrograd's model).

Every arithmetic operation on Values records a node; `backward()` applies the
chain rule through the rule table in `autograd.ops` with the `SCALAR` backend.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from operator import attrgetter

from autograd import ops
from autograd.backends import SCALAR
from autograd.graph import CLOCK, CONSTANT, NEVER, OFF, Node, _mode, backpropagate, recording_state
from autograd.node_backend import NODES
from autograd.table import BoundOps, Primitive, direct_operation

_ONE, _TWO = (True,), (True, True)  # `needs`: scalar inputs always want their gradient
_data = attrgetter("data")
_new = object.__new__


class _ScalarOp:
    """A primitive bound to the float backend.

    `propagate(node)` applies the rule at `node` and adds each parent's share to its
    `.grad`. It is a plain function made per op (unrolled for one and two parents),
    not a method: the backward loop calls it once per node, so every call layer counts.
    """

    __slots__ = ("name", "primitive", "forward", "rule", "check", "propagate")

    def __init__(self, primitive: Primitive) -> None:
        self.name = primitive.name
        self.primitive = primitive
        self.forward = partial(primitive.forward, SCALAR)
        self.rule = partial(primitive.backward, SCALAR)
        self.check = None if primitive.check is None else partial(primitive.check, SCALAR)
        backward = primitive.backward

        # A node whose grad is exactly 0 passes nothing on: every share would be 0 times
        # a local derivative. (In a ReLU network most nodes are such, once a sample is
        # classified with margin.) So 0 times an infinite derivative counts as 0, not NaN.
        def propagate_unary(node: Value) -> None:
            g = node.grad
            if g:
                (a,) = node._prev
                a.grad += backward(SCALAR, node._ctx, _ONE, g, node.data, a.data)[0]

        def propagate_binary(node: Value) -> None:
            g = node.grad
            if g:
                a, b = node._prev
                da, db = backward(SCALAR, node._ctx, _TWO, g, node.data, a.data, b.data)
                a.grad += da
                b.grad += db

        def propagate(node: Value) -> None:  # any number of parents
            g = node.grad
            if not g:
                return
            parents = node._prev
            grads = backward(SCALAR, node._ctx, (True,) * len(parents), g, node.data,
                             *_inputs(parents))
            for parent, grad in zip(parents, grads):
                parent.grad += grad

        # A sum of 17 terms has no use for 17 floats: skip gathering what the rule never reads.
        _inputs = partial(map, _data) if primitive.reads_inputs else _nothing
        self.propagate = {1: propagate_unary, 2: propagate_binary}.get(primitive.arity, propagate)

    def propagate_graph(self, node: Value) -> None:
        """`propagate` for create_graph=True: the rule runs on the nodes themselves
        (inputs, `out` = node, upstream grad), so each share is a node; no zero skipping,
        since a zero gradient can have a non-zero derivative."""
        g = node.grad
        if g is None:
            return
        parents = node._prev
        grads = self.primitive.backward(NODES, node._ctx, (True,) * len(parents), g, node,
                                        *parents)
        for parent, grad in zip(parents, grads):
            parent._accumulate_node(grad)

    def local_derivatives(self, node: Value) -> tuple[float, ...]:
        """d(node)/d(parent) for each parent: the numbers the chain rule multiplies."""
        parents = node._prev
        inputs = [p.data for p in parents] if self.primitive.reads_inputs else []
        return self.rule(node._ctx, (True,) * len(parents), 1.0, node.data, *inputs)

    def __repr__(self) -> str:
        return f"<scalar op {self.name}>"


def _nothing(parents: tuple) -> tuple:
    return ()


_OPS = BoundOps(_ScalarOp)  # bound from the table on first use
_ADD, _MUL, _NEG, _POW, _POW_CONST = (_OPS[n] for n in ("add", "mul", "neg", "pow", "pow_const"))
_EXP, _LOG, _TANH, _SIGMOID, _RELU = (_OPS[n] for n in ("exp", "log", "tanh", "sigmoid", "relu"))
_ABS, _ADD_N = _OPS["abs"], _OPS["add_n"]
_MULTIPLY = direct_operation(ops.MUL, SCALAR)  # operator.mul; mul has no domain check
_ADD_N_FORWARD = ops.ADD_N.forward


def _as_float(data: object, where: str) -> float:
    # bool is a number in Python, but Value(True) is almost always a mistake.
    if isinstance(data, numbers.Real) and not isinstance(data, bool):
        try:
            return float(data)
        except OverflowError:
            raise OverflowError(f"{where}: {_too_large(data)}") from None
    raise TypeError(f"{where}: expected a real number, got {type(data).__name__} {data!r}")


def _too_large(number: object) -> str:
    """What to say about a number (an int, a Fraction) beyond the largest float."""
    digits = len(str(abs(int(number))))
    return (f"the {type(number).__name__} {str(number)[:12]}... ({digits} digits) is too large "
            f"for a float (the largest is {sys.float_info.max:.4g})")


class Value(Node):
    """A scalar node: `.data` (float), `.grad` (float, d(root)/d(self) after backward)."""

    __slots__ = ()

    def __init__(self, data: float, _children: tuple = (), _op: str = "", label: str = "") -> None:
        # `_children` and `_op` exist for micrograd compatibility and are ignored: only
        # the engine records graph edges.
        self.data = data if type(data) is float else _as_float(data, "Value")
        self.grad = 0.0
        self.label = label
        self._prev = ()
        self._op = None
        self._ctx = None
        self._stamp = NEVER

    # ------------------------------------------------------------ node creation
    @staticmethod
    def _record(op: _ScalarOp, parents: tuple, data: float, ctx: object = None) -> Value:
        """The node `op` made from `parents`; a constant under no_grad()."""
        state = _mode.state
        if state.epoch is not CLOCK.epoch:  # values changed since it was made, or no_grad()
            state = recording_state()
            if state is OFF:
                return Value(data)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._ctx = ctx
        out._prev = parents
        out._op = op
        out._stamp = state
        return out

    @staticmethod
    def _apply(name: str, parents: tuple[Value, ...], ctx: object = None,
               check: bool = True) -> Value:
        """Run any primitive of the table on Values: check (unless told not to), forward,
        record."""
        op = _OPS[name]
        datas = tuple(map(_data, parents))
        if check and op.check is not None:
            op.check(ctx, *datas)
        return Value._record(op, parents, op.forward(ctx, *datas), ctx)

    # ------------------------------------------------------------ primitives
    # The operators are made from the rule table by `_unary_method` / `_binary_method`
    # (after the class): each is one call that checks, computes and records the node.
    def __pow__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return self._pow_value(other)
        exponent = _as_float(other, f"{self!r} ** exponent")
        _POW_CONST.check(exponent, self.data)
        return Value._record(_POW_CONST, (self,), _POW_CONST.forward(exponent, self.data),
                             exponent)

    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        """One n-ary `add_n` node for sum(values): cheaper than n - 1 binary adds."""
        terms = tuple(values)
        if not terms:
            raise ValueError("Value.sum: needs at least one value")
        # One comprehension both checks the types and reads the floats (a neuron's sum
        # is on the hot path); numbers among the terms become constant leaves.
        datas = [v.data for v in terms if type(v) is Value]
        if len(datas) != len(terms):
            terms = tuple(v if type(v) is Value else _constant(v, "sum") for v in terms)
            datas = [v.data for v in terms]
        return Value._record(_ADD_N, terms, _ADD_N_FORWARD(SCALAR, None, *datas))

    @staticmethod
    def products(xs: Sequence[Value | float], ys: Sequence[Value | float]) -> list[Value]:
        """[x * y for x, y in zip(xs, ys)] in one call: one `mul` node per pair, as `*` makes.

        A neuron's w . x is these products and one `Value.sum`. Most nodes of a scalar
        network are such products; one loop here costs less than an operator call each.
        """
        if len(xs) != len(ys):
            raise ValueError(f"products: {len(xs)} left operands but {len(ys)} right ones")
        state = recording_state()
        if state is OFF:  # constants, each checked by the operator
            return [(x if type(x) is Value else _constant(x, "*")) * y for x, y in zip(xs, ys)]
        multiply = _MULTIPLY
        results = []
        for a, b in zip(xs, ys):
            if type(a) is not Value:
                a = _constant(a, "*")
            if type(b) is not Value:
                b = _constant(b, "*")
            out = _new(Value)  # _record, written out (see _binary_method)
            out.data = multiply(a.data, b.data)
            out.grad = 0.0
            out.label = ""
            out._ctx = None
            out._prev = (a, b)
            out._op = _MUL
            out._stamp = state
            results.append(out)
        return results

    # ------------------------------------------------------------ composed from primitives
    def __sub__(self, other: Value | float) -> Value:
        return self + (-other if type(other) is Value else -_as_float(other, "-"))

    def __truediv__(self, other: Value | float) -> Value:
        # As IEEE 754 and PyTorch: x / 0 is +-inf, 0 / 0 is nan (docs/conventions.md).
        if type(other) is not Value:
            other = _constant(other, "/")
        return self * other ** -1

    def __radd__(self, other: float) -> Value:
        return self + other

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __rsub__(self, other: float) -> Value:
        return _constant(other, "-") + (-self)

    def __rtruediv__(self, other: float) -> Value:
        return _constant(other, "/") / self

    def __rpow__(self, other: float) -> Value:
        return _constant(other, "**") ** self

    # ------------------------------------------------------------ backward
    def backward(self, grad: float = 1.0, create_graph: bool = False) -> None:
        """Backpropagate from this node: add d(self)/d(leaf) * grad to every leaf's `.grad`.

        Leaf gradients accumulate across calls (calling twice doubles them, like
        PyTorch with `retain_graph=True`); every intermediate node's `.grad` is reset
        first, then holds d(self)/d(node) for this call. Iterative: no depth limit.
        A node whose gradient is exactly 0 passes nothing on, so a path through it adds
        0 even where a local derivative is infinite (PyTorch would give 0 * inf = NaN).

        create_graph=True records the backward pass itself: every `.grad` becomes a
        `Value` node, a function of the inputs that can be differentiated again
        (`x.grad.backward()`, `autograd.grad`). Raises ValueError for a non-finite grad.
        """
        seed = grad if type(grad) is float else _as_float(grad, "backward(grad)")
        if not math.isfinite(seed):
            raise ValueError(f"backward: grad must be finite, got {seed!r}")
        backpropagate((self,), (seed,), create_graph)

    _EMPTY_GRAD = 0.0
    _numbers = SCALAR  # the number backend of this engine (create_graph's masks use it)

    def _accumulate(self, grad: float) -> None:
        self.grad += grad

    def _lift(self, other: object) -> Value:
        """`other` itself if it is a Value, else a constant leaf (a TypeError for non-numbers)."""
        return other if isinstance(other, Value) else _constant(other, "op")

    def _constant_like(self, number: object) -> Value:
        out = Value(float(number))
        out._ctx = CONSTANT
        return out

    @staticmethod
    def _add_earlier_grads(leaves: list[Value], earlier: list) -> None:
        # floats, without a call per leaf (graph.backpropagate puts all back on failure)
        try:
            for leaf, old in zip(leaves, earlier):
                leaf.grad = old + leaf.grad
        except TypeError:
            bad = next((leaf, old) for leaf, old in zip(leaves, earlier)
                       if not isinstance(old, (float, int, Node)))
            raise TypeError(f"backward: cannot add the gradient to {bad[0]!r}, whose .grad "
                            f"is {bad[1]!r}; a Value's grad is a number (0.0 for none). "
                            "No gradient was changed.") from None

    # ------------------------------------------------------------ conveniences
    def item(self) -> float:
        return self.data

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        grad = self.grad
        grad = f"{grad:.6g}" if isinstance(grad, float) else repr(grad)  # a node or None
        return f"Value(data={self.data:.6g}, grad={grad}{label})"


def _constant(value: object, op: str) -> Value:
    """Wrap a number as a leaf Value; anything else is a TypeError naming the operator."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        out = Value(value if type(value) is float else _as_float(value, op))
        out._ctx = CONSTANT
        return out
    raise TypeError(
        f"unsupported operand type for {op}: 'Value' and '{type(value).__name__}' ({value!r})"
    )


# ---------------------------------------------------------------- operators from the table
# Each method checks the domain, computes and records the node in one call: the node
# creation is written out (not a call to _record) because it is a quarter of the
# forward pass. Under no_grad() the result is a plain constant.
def _unary_method(op: _ScalarOp, doc: str) -> Callable[[Value], Value]:
    """self -> op(self)."""
    compute, check = direct_operation(op.primitive, SCALAR), op.primitive.check

    def method(self: Value) -> Value:
        if check is not None:
            check(SCALAR, None, self.data)
        state = _mode.state
        if state.epoch is not CLOCK.epoch:  # see _record
            state = recording_state()
            if state is OFF:
                return Value(compute(self.data))
        out = _new(Value)
        out.data = compute(self.data)
        out.grad = 0.0
        out.label = ""
        out._ctx = None
        out._prev = (self,)
        out._op = op
        out._stamp = state
        return out

    method.__doc__ = doc
    method.__name__ = op.name
    return method


def _binary_method(op: _ScalarOp, symbol: str, doc: str) -> Callable[[Value, object], Value]:
    """(self, other) -> op(self, other); a number becomes a constant leaf."""
    compute, check = direct_operation(op.primitive, SCALAR), op.primitive.check

    def method(self: Value, other: Value | float) -> Value:
        if type(other) is not Value:
            other = _constant(other, symbol)
        if check is not None:
            check(SCALAR, None, self.data, other.data)
        state = _mode.state
        if state.epoch is not CLOCK.epoch:  # see _record
            state = recording_state()
            if state is OFF:
                return Value(compute(self.data, other.data))
        out = _new(Value)
        out.data = compute(self.data, other.data)
        out.grad = 0.0
        out.label = ""
        out._ctx = None
        out._prev = (self, other)
        out._op = op
        out._stamp = state
        return out

    method.__doc__ = doc
    return method


Value.__add__ = _binary_method(_ADD, "+", "self + other.")
Value.__mul__ = _binary_method(_MUL, "*", "self * other.")
Value._pow_value = _binary_method(_POW, "**", "self ** other for a Value exponent.")
Value.__neg__ = _unary_method(_NEG, "-self.")
Value.exp = _unary_method(_EXP, "e ** self.")
Value.log = _unary_method(_LOG, "Natural logarithm; the argument must be non-negative "
                                 "(log 0 = -inf).")
Value.tanh = _unary_method(_TANH, "tanh(self).")
Value.sigmoid = _unary_method(_SIGMOID, "1 / (1 + e ** -self), computed without overflow.")
Value.relu = _unary_method(_RELU, "max(self, 0); the derivative at 0 is 0.")
Value.abs = _unary_method(_ABS, "|self|; the derivative at 0 is 0.")
Value.sqrt = _unary_method(_OPS["sqrt"], "Square root; the argument must be non-negative "
                                         "(sqrt'(0) = inf).")
Value.softplus = _unary_method(_OPS["softplus"], "log(1 + e ** self), exact for every "
                                                 "value; the derivative is sigmoid(self).")
Value.log_sigmoid = _unary_method(_OPS["log_sigmoid"], "log(sigmoid(self)) = "
                                                       "-softplus(-self), exact for every value.")

