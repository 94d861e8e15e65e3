"""The backpropagation core shared by `Value` and `Tensor`: node storage, the iterative
topological order (a general one, and the backward pass's own, which also resets grads
and sorts out the leaves as it goes), the backward walker, `no_grad` and scopes.

The walker knows nothing about individual ops: every non-leaf node points at its
engine's bound op, whose `propagate(node)` applies the rule from `autograd.ops` and
adds one gradient per parent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

_parents_of = attrgetter("_prev")


def topological_order(root: Any, parents: Callable[[Any], Iterable[Any]] = _parents_of) -> list:
    """Every node reachable from `root`, each after all of its parents (root last).

    Iterative depth-first search, so graphs millions of nodes deep need no recursion.
    `parents(node)` says how to reach a node's inputs; it defaults to `node._prev`.
    """
    order: list = []
    visited = {root}  # nodes hash by identity
    suspended = []  # (node, its parents still to visit) for the nodes above the current one
    node, remaining = root, iter(parents(root))
    while True:
        for parent in remaining:
            if parent not in visited:
                visited.add(parent)
                suspended.append((node, remaining))
                node, remaining = parent, iter(parents(parent))
                break
        else:  # all of node's parents are in order: node follows them
            order.append(node)
            if not suspended:
                return order
            node, remaining = suspended.pop()


def _collect_for_backward(root: Any, empty: object) -> tuple[list, list, list]:
    """Reset the grad of every node reachable from `root` to `empty`; return the recorded
    nodes in topological order (root last), the leaves, and the leaves' old grads.

    The depth-first search of `topological_order`, doing the backward pass's
    bookkeeping as it goes rather than in more loops over the graph; a leaf has
    nothing to wait for, so it is handled where it is found.
    """
    if not root._prev:  # a bare leaf: backward() on it adds the seed to its own grad
        earlier, root.grad = [root.grad], empty
        return [], [root], earlier
    interior: list = []
    leaves: list = []
    earlier: list = []
    visited = {root}
    suspended = []  # (node, its parents still to visit) for the nodes above the current one
    node, remaining = root, iter(root._prev)
    while True:
        for parent in remaining:
            if parent not in visited:
                visited.add(parent)
                grandparents = parent._prev
                if not grandparents:
                    leaves.append(parent)
                    earlier.append(parent.grad)
                    parent.grad = empty
                    continue
                if grandparents[0] in visited and visited.issuperset(grandparents):
                    # Its parents are all placed (in a DAG a visited node that is not on
                    # the current path is finished), so it follows them at once: most
                    # products w * x of a network are such. The first parent is tested
                    # alone first, which is cheaper where it fails (a chain of unary ops).
                    parent.grad = empty
                    interior.append(parent)
                    continue
                suspended.append((node, remaining))
                node, remaining = parent, iter(grandparents)
                break
        else:  # all of node's parents are in order: node follows them
            node.grad = empty
            interior.append(node)
            if not suspended:
                break
            node, remaining = suspended.pop()
    return interior, leaves, earlier


class Scope:
    """One call of a composite function ("softmax", a module's forward).

    Every node recorded during the call points at the same Scope, so a graph
    drawing can fold them into one box. `parent` is the enclosing call, if any.
    """

    __slots__ = ("name", "parent")

    def __init__(self, name: str, parent: Scope | None) -> None:
        self.name = name
        self.parent = parent

    @property
    def path(self) -> str:
        """Names from the outermost call inward, joined by "/"."""
        names = []
        scope: Scope | None = self
        while scope is not None:
            names.append(scope.name)
            scope = scope.parent
        return "/".join(reversed(names))

    def __repr__(self) -> str:
        return f"Scope({self.path!r})"


_new_scope = object.__new__  # a Scope without an __init__ frame; both slots set after

OFF = object()  # the recording state inside no_grad()


class _GradMode(threading.local):
    """Per-thread recording state, one attribute so the hot path reads it once.

    `state` is OFF inside `no_grad()`; otherwise the innermost open `Scope`, or None.
    """

    def __init__(self) -> None:
        self.state: Scope | None | object = None


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True unless the current thread is inside `no_grad()`."""
    return _mode.state is not OFF


class no_grad:  # noqa: N801 - a context manager named like PyTorch's
    """Record nothing inside this block (thread-local, nestable): results are constants."""

    __slots__ = ("_previous",)

    def __enter__(self) -> None:
        self._previous = _mode.state
        _mode.state = OFF

    def __exit__(self, *exc_info: object) -> None:
        _mode.state = self._previous


class scope:  # noqa: N801 - used as a context manager, like no_grad
    """Tag every node recorded inside the block with one `Scope` call named `name`.

    `visualize.draw(..., collapse=True)` folds each call into a box; nested calls
    (cross_entropy calling log_softmax) nest. Inside `no_grad()` it does nothing.
    """

    __slots__ = ("name", "_previous")

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> Scope | None:
        self._previous = previous = _mode.state
        if previous is OFF:
            return None
        current = _mode.state = Scope(self.name, previous)
        return current

    def __exit__(self, *exc_info: object) -> None:
        _mode.state = self._previous


def scoped_call(method: str) -> Callable[..., Any]:
    """A method `call(self, *args, **kwargs)` that runs `self.<method>(*args, **kwargs)`
    inside `with scope(type(self).__name__)`: `nn.Module.__call__` is
    `scoped_call("forward")`.

    Written out rather than built on `scope`, because a module call is on the hot path:
    one Python frame instead of the context manager's three, and no `Scope.__init__` frame.
    """

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        previous = _mode.state
        if previous is OFF:
            return getattr(self, method)(*args, **kwargs)
        current = _mode.state = _new_scope(Scope)
        current.name, current.parent = type(self).__name__, previous
        try:
            return getattr(self, method)(*args, **kwargs)
        finally:
            _mode.state = previous

    call.__name__ = call.__qualname__ = "__call__"
    call.__doc__ = f"Run `{method}` inside a scope named after the class."
    return call


class Node:
    """Storage shared by both engines; `Value` and `Tensor` add the operators.

    `_prev` is the tuple of parent nodes (empty for a leaf or a constant), `_op`
    the primitive that made the node (None for a leaf), `_ctx` any constant the
    primitive needs (an exponent, an axis, an index), `_scope` the composite
    function that recorded it. Nodes hold references only to their parents, so a
    graph has no reference cycles and is freed by reference counting alone.
    """

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_ctx", "_scope")

    _EMPTY_GRAD: object = None  # what a grad is reset to before a backward pass

    def _backpropagate(self, seed: object) -> None:
        """Add d(self)/d(leaf) * seed to every leaf's grad; reset intermediates first.

        The walker knows no op: each node's bound op (`op.propagate(node)`) applies
        its rule and adds the results to the parents' grads, in the engine's way.
        Leaves start the walk empty too and get their earlier gradient added back once
        at the end, so a second call adds exactly the same amount as the first (the
        sum over paths is not rounded onto the old value path by path); if anything
        fails midway, every gradient is put back as it was.
        """
        interior, leaves, earlier = _collect_for_backward(self, self._EMPTY_GRAD)
        try:
            self._accumulate(seed)
            for node in reversed(interior):
                node._op.propagate(node)
        except BaseException:
            for leaf, grad in zip(leaves, earlier):
                leaf.grad = grad
            raise
        self._add_earlier_grads(leaves, earlier)

    @staticmethod
    def _add_earlier_grads(leaves: list, earlier: list) -> None:
        """leaf.grad = earlier + leaf.grad for each pair (each engine in its own way)."""
        raise NotImplementedError  # pragma: no cover - each engine defines it

    def _accumulate(self, grad: object) -> None:
        raise NotImplementedError  # pragma: no cover - each engine defines it

    @property
    def op(self) -> str:
        """Name of the primitive that produced this node ("" for a leaf or constant)."""
        return "" if self._op is None else self._op.name

    @property
    def parents(self) -> tuple:
        """The nodes this one was computed from (empty for a leaf)."""
        return self._prev

    @property
    def scope(self) -> Scope | None:
        """The composite-function call ("softmax", a module) that recorded this node."""
        return self._scope
