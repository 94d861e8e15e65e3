"""The backpropagation core shared by `Value` and `Tensor`: node storage, the iterative
topological order (a general one, and the backward pass's own, which also resets grads
and sorts out the leaves as it goes), the backward walker, `no_grad` and scopes.

The walker knows nothing about individual ops: every non-leaf node points at its
engine's bound op, whose `propagate(node)` applies the rule from `autograd.ops` and
adds one gradient per parent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from operator import attrgetter
from typing import Any

import numpy as np

_parents_of = attrgetter("_prev")


def topological_order(root: Any, parents: Callable[[Any], Iterable[Any]] = _parents_of) -> list:
    """Every node reachable from `root` (a node, or a list or tuple of nodes), each after
    all of its parents (the root last).

    Iterative depth-first search, so graphs millions of nodes deep need no recursion.
    `parents(node)` says how to reach a node's inputs (a sequence, or an iterator); it
    defaults to `node._prev`.
    """
    order: list = []
    visited: set = set()  # nodes hash by identity
    suspended = []  # (node, its parents still to visit) for the nodes above the current one
    for start in root if isinstance(root, (list, tuple)) else (root,):
        if start in visited:
            continue
        visited.add(start)
        node, remaining = start, iter(parents(start))
        while True:
            for parent in remaining:
                if parent not in visited:
                    visited.add(parent)
                    grandparents = parents(parent)
                    if not grandparents:  # a leaf (empty tuple or list): nothing to wait for
                        order.append(parent)
                        continue
                    suspended.append((node, remaining))
                    node, remaining = parent, iter(grandparents)
                    break
            else:  # all of node's parents are in order: node follows them
                order.append(node)
                if not suspended:
                    break
                node, remaining = suspended.pop()
    return order


def _collect_for_backward(roots: Sequence[Any], empty: object, leaves: list,
                          earlier: list) -> list:
    """Reset the grad of every node reachable from `roots` to `empty`; return the
    recorded nodes in topological order (each root after its inputs), appending the
    leaves to `leaves` and their old grads to `earlier` as they are found. Raises
    RuntimeError at the end if a recorded node reads a leaf changed since
    (`check_versions`).

    The depth-first search of `topological_order`, doing the backward pass's
    bookkeeping as it goes rather than in more loops over the graph; a leaf has
    nothing to wait for, so it is handled where it is found. Each node's epoch is
    tested here too, where the node is in hand (a fifth of the cost of a separate pass
    over the nodes): only a graph with a node recorded before the current epoch is
    searched edge by edge.
    """
    # Nodes' stamps hold the very int object CLOCK.epoch held when they were recorded, so
    # `is not` tells the current epoch apart (cheaper than !=); a false "older" only costs
    # the exact comparison in check_versions.
    epoch = CLOCK.epoch
    older = False
    interior: list = []
    visited: set = set()
    suspended = []  # (node, its parents still to visit) for the nodes above the current one
    for root in roots:
        if root in visited:
            continue
        visited.add(root)
        if not root._prev:  # a bare leaf: backward() on it adds the seed to its own grad
            leaves.append(root)
            earlier.append(root.grad)
            root.grad = empty
            continue
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
                        # Its parents are all placed (in a DAG a visited node that is not
                        # on the current path is finished), so it follows them at once:
                        # most products w * x of a network are such. The first parent is
                        # tested alone first, which is cheaper where it fails (a chain of
                        # unary ops).
                        parent.grad = empty
                        interior.append(parent)
                        if parent._stamp.epoch is not epoch:
                            older = True
                        continue
                    suspended.append((node, remaining))
                    node, remaining = parent, iter(grandparents)
                    break
            else:  # all of node's parents are in order: node follows them
                node.grad = empty
                interior.append(node)
                if node._stamp.epoch is not epoch:
                    older = True
                if not suspended:
                    break
                node, remaining = suspended.pop()
    if older:
        check_versions(leaves, interior)
    return interior


def backpropagate(roots: Sequence[Any], seeds: Sequence[object],
                  create_graph: bool = False) -> None:
    """Add sum over roots of d(root)/d(leaf) * seed to every leaf's `.grad`.

    The walker knows no op: each node's bound op (`op.propagate(node)`) applies its rule
    and adds the results to the parents' grads, in its engine's way. Intermediate
    nodes' grads are reset and then hold this call's values. Leaves start the walk
    empty too and get their earlier gradient added back once at the end, so a second
    call adds exactly the same amount as the first (the sum over paths is not rounded
    onto the old value path by path); if anything fails midway, interrupts included,
    every leaf's gradient is put back as it was (`finish`: a second interrupt cannot
    stop that either).

    Raises RuntimeError, before any rule runs, if a leaf was changed by chainrule after a
    node that reads it was recorded (`changed`, `check_versions`).

    create_graph=True runs the rules on graph nodes (`autograd.node_backend`) with
    recording on: every gradient is then a node, recorded under a scope "backward"
    with one scope per op ("tanh backward"), and can be differentiated again.
    """
    engine = type(roots[0])
    empty = None if create_graph else engine._EMPTY_GRAD
    leaves: list = []
    earlier: list = []
    try:
        interior = _collect_for_backward(roots, empty, leaves, earlier)
        propagate(roots, seeds, interior, create_graph)
        (Node if create_graph else engine)._add_earlier_grads(leaves, earlier)
    except BaseException:  # the sums above included: all leaves or none
        finish(partial(_put_back, leaves, earlier))
        raise


def _put_back(leaves: list, grads: list) -> None:
    for leaf, grad in zip(leaves, grads):
        leaf.grad = grad


def finish(commit: Callable[[], object]) -> None:
    """Run `commit`, which must be idempotent and unable to fail but for an interrupt, to
    its end: an interrupt (KeyboardInterrupt, or whatever a signal handler raises) that
    arrives during it is held until it has run once more, complete, then raised.

    The last step of every all-or-nothing update (an optimizer step, putting gradients
    back after a failed backward), so that Ctrl-C never leaves half of it done.
    """
    held = None
    while True:
        try:
            commit()
        except Exception:
            raise  # a bug: commits only assign values computed before
        except BaseException as interrupt:
            held = interrupt
            continue
        break
    if held is not None:
        raise held


# ---------------------------------------------------------------- values changed in place
class _Clock:
    """How many times chainrule has changed the values of leaves (`changed`)."""

    __slots__ = ("epoch", "causes")

    def __init__(self) -> None:
        self.epoch = 0
        self.causes: dict[int, str] = {}  # the last few epochs -> what changed them


CLOCK = _Clock()
_CAUSES_KEPT = 64
_version = attrgetter("_stamp.epoch")  # a recorded node's epoch, a leaf's last change


def next_epoch(cause: str) -> int:
    """The epoch a change about to be made will carry (`changed`); reserve it before the
    change's commit so that the commit stays idempotent."""
    epoch = CLOCK.epoch + 1
    CLOCK.causes[epoch] = cause
    CLOCK.causes.pop(epoch - _CAUSES_KEPT, None)
    return epoch


def changed(leaves: Iterable[Any], epoch: int) -> None:
    """Record that the values of `leaves` were changed at `epoch` (from `next_epoch`): a
    backward pass through a node recorded before then, that reads one of them, raises.

    chainrule's optimizers and `load_state_dict` call it; writes into `.data` made outside
    chainrule (numpy in place, assigning `.data`) are not seen. Idempotent.
    """
    stamp = Stamp(epoch)
    for leaf in leaves:
        leaf._stamp = stamp
    CLOCK.epoch = max(CLOCK.epoch, epoch)


def replace_data(updates: Sequence[tuple[Any, object]], cause: str) -> None:
    """Give each leaf of `updates` (leaf, new data) its new `.data` in one commit that an
    interrupt cannot cut (`finish`), the leaves marked as changed by `cause` (`changed`):
    loading a state dict."""
    epoch = next_epoch(cause)
    leaves = [leaf for leaf, _ in updates]

    def commit() -> None:  # assignments only: idempotent
        for leaf, data in updates:
            leaf.data = data
        changed(leaves, epoch)

    finish(commit)


def check_versions(leaves: list, interior: list) -> None:
    """Raise RuntimeError if a node of `interior` (recorded nodes) reads a leaf changed
    after the node was recorded: its gradient would mix values the forward pass never saw.

    Each recorded node's stamp carries the epoch it was recorded in, each leaf's the epoch
    of its last change: one comparison of the newest leaf with the oldest node settles the
    common cases, and only a mixed graph is searched edge by edge.
    """
    if not leaves or not interior:
        return
    newest = max(map(_version, leaves))
    if newest == 0 or min(map(_version, interior)) >= newest:
        return
    for node in interior:
        for parent in node._prev:
            if not parent._prev and parent._stamp.epoch > node._stamp.epoch:
                cause = CLOCK.causes.get(parent._stamp.epoch, "an in-place update")
                raise RuntimeError(
                    f"backward: {_describe(parent)} was changed by {cause} after the forward "
                    f"pass that recorded this graph read it (in '{node.op}'); its gradient "
                    "would mix old and new values. Run the forward pass again after the "
                    "change (PyTorch: 'modified by an inplace operation'). No gradient "
                    "was changed.")


def _describe(leaf: Any) -> str:
    """'the Tensor 'w' of shape (2, 3)', 'the Value 'b' (data=0.5)' for an error message."""
    label = f" {leaf.label!r}" if leaf.label else ""
    shape = getattr(leaf, "shape", None)
    if shape is not None:
        return f"the Tensor{label} of shape {shape}"
    return f"the Value{label} (data={leaf.data!r})"


def propagate(roots: Sequence[Any], seeds: Sequence[object], interior: list,
              create_graph: bool = False) -> None:
    """The walk itself: add each seed to its root's grad, then apply every recorded node's
    rule in reverse topological order (`interior`: recorded nodes, each after its
    inputs; their grads and the leaves' must have been reset)."""
    if create_graph:
        _propagate_nodes(roots, seeds, interior)
        return
    for i, root in enumerate(roots):
        root._accumulate(seeds[i])
    for node in reversed(interior):
        node._op.propagate(node)


def _propagate_nodes(roots: Sequence[Any], seeds: Sequence[object], interior: list) -> None:
    """The create_graph walk: seeds become constant nodes, rules run on nodes."""
    previous = recording_state()
    outer = OFF if previous is OFF else _enter_scope("backward", previous)
    try:
        _mode.state = outer
        for root, seed in zip(roots, seeds):
            if not isinstance(seed, Node):
                seed = root._constant_like(seed)
                seed.label = "seed"  # d root / d root, where the chain rule starts
            root._accumulate_node(seed)
        for node in reversed(interior):
            if outer is not OFF:
                _mode.state = _enter_scope(f"{node.op} backward", outer)
            node._op.propagate_graph(node)
    finally:
        _mode.state = previous


def _add_earlier(earlier: object, leaf: Any) -> object:
    """The leaf's new grad: its grad before this call plus what the call found.

    None (a Tensor's "no gradient yet", or a grad a user set to None) adds nothing; a
    node on either side (create_graph) makes the sum a node.
    """
    found = leaf.grad
    if found is None:
        return earlier
    if earlier is None or (type(earlier) is float and earlier == 0.0 and type(found) is not float):
        return found
    total = earlier + found
    return np.asarray(total) if isinstance(total, np.generic) else total


class Stamp:
    """When a node was recorded, or a leaf last changed: `epoch`, the value of
    `CLOCK.epoch` then (0: a leaf never changed by chainrule).

    Every node holds one in `_stamp`, shared by all the nodes of one epoch and call (a
    recorded node's is its `Scope`, or the thread's top-level Stamp), so it costs no
    memory per node. A stamp never changes: a new epoch gets new stamps.
    """

    __slots__ = ("epoch",)

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def renewed(self, epoch: int) -> Stamp:
        """The same recording state for `epoch`."""
        return Stamp(epoch)

    def __repr__(self) -> str:
        return f"Stamp({self.epoch})"


class Scope(Stamp):
    """One call of a composite function ("softmax", a module's forward).

    Every node recorded during the call points at the same Scope, so a graph
    drawing can fold them into one box. `parent` is the enclosing call, if any.
    A call that spans a change of values (an optimizer step inside `with scope(...)`)
    goes on in a second Scope with the same name and parent, for the new epoch.
    """

    __slots__ = ("name", "parent")

    def __init__(self, name: str, parent: Scope | None, epoch: int | None = None) -> None:
        self.name = name
        self.parent = parent
        self.epoch = CLOCK.epoch if epoch is None else epoch

    def renewed(self, epoch: int) -> Scope:
        return Scope(self.name, self.parent, epoch)

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


_new_stamp = object.__new__  # a Stamp or Scope without an __init__ frame; slots set after
NEVER = Stamp(0)  # the stamp of a leaf chainrule never changed, and of every constant
# The recording state inside no_grad(): its epoch is never the current one, so the one test
# on the recording fast path (`state.epoch is CLOCK.epoch`) sends it to the slow path.
OFF = Stamp(None)


def _enter_scope(name: str, previous: Stamp) -> Scope:
    """A new call named `name` inside the recording state `previous` (not OFF)."""
    current = _new_stamp(Scope)
    current.name = name
    current.parent = previous if type(previous) is Scope else None
    current.epoch = CLOCK.epoch
    return current


def recording_state() -> Stamp:
    """The current thread's recording state: OFF inside `no_grad()`, else the Stamp or
    innermost Scope that new nodes get, renewed first if values changed since it was made
    (`changed`), so that every node carries the epoch it was recorded in."""
    state = _mode.state
    if state is not OFF and state.epoch is not CLOCK.epoch:
        state = _mode.state = state.renewed(CLOCK.epoch)
    return state


CONSTANT = "constant"  # the _ctx of a leaf made from a plain number (leaves have no op constants)


class _GradMode(threading.local):
    """Per-thread recording state, one attribute so the hot path reads it once.

    `state` is OFF inside `no_grad()`; otherwise the innermost open `Scope`, or the
    thread's top-level `Stamp`. Its epoch may be out of date (values changed since it was
    made): the recording paths test that and call `recording_state`.
    """

    def __init__(self) -> None:
        self.state: Stamp = Stamp(CLOCK.epoch)


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
        current = _mode.state = _enter_scope(self.name, previous)
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
        # _enter_scope written out: a frame fewer, 0.2% of a spiral step
        current = _new_stamp(Scope)
        current.name = type(self).__name__
        current.parent = previous if type(previous) is Scope else None
        current.epoch = CLOCK.epoch
        try:  # the state changes inside: an interrupt anywhere leaves it as it was
            _mode.state = current
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
    primitive needs (an exponent, an axis, an index). Nodes hold references only to
    their parents, so a graph has no reference cycles and is freed by reference counting
    alone.

    `_stamp` (a `Stamp`): for a recorded node, the `Scope` of the call that recorded it
    (or a bare Stamp outside any call), which also says the epoch (`CLOCK.epoch`) it was
    recorded in; for a leaf, the epoch of its last change by chainrule (`NEVER`: none),
    see `check_versions`. One slot for both, so the check costs no memory per node.
    """

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_ctx", "_stamp")

    _EMPTY_GRAD: object = None  # what a grad is reset to before a backward pass

    def _accumulate(self, grad: object) -> None:
        raise NotImplementedError  # pragma: no cover - each engine defines it

    def _accumulate_node(self, grad: object) -> None:
        """Add a gradient node (create_graph) to `.grad`; a number becomes a constant."""
        if not isinstance(grad, Node):
            grad = self._constant_like(grad)
        self.grad = grad if self.grad is None else self.grad + grad

    def _constant_like(self, number: object) -> Node:
        raise NotImplementedError  # pragma: no cover - each engine defines it

    @staticmethod
    def _add_earlier_grads(leaves: list, earlier: list) -> None:
        """Set each leaf's grad to its grad before the call plus what the call found
        (`_add_earlier`); an engine may do its common case faster. On failure the
        caller puts every leaf back."""
        for leaf, old in zip(leaves, earlier):
            leaf.grad = _add_earlier(old, leaf)

    @property
    def is_constant(self) -> bool:
        """True for a leaf that wants no gradient: a Value made from a plain number by an
        operator (`x + 1`), a Tensor without requires_grad. Drawings show no grad for it."""
        return self._op is None and self._ctx is CONSTANT

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
        """The composite-function call ("softmax", a module) that recorded this node, or None."""
        stamp = self._stamp
        return stamp if type(stamp) is Scope else None
