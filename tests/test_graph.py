"""The shared graph core: `topological_order`, `scope` and `no_grad` nesting."""

from __future__ import annotations

import sys
import threading

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Scope, Tensor, Value, is_grad_enabled, no_grad, scope, topological_order


def _reachable(root: object, parents) -> set:
    """Breadth-first closure: an oracle that shares no code with the depth-first order."""
    seen, frontier = {root}, [root]
    while frontier:
        frontier = [p for node in frontier for p in parents(node) if p not in seen]
        seen.update(frontier)
    return seen


def _assert_topological(order: list, root: object, parents) -> None:
    assert order[-1] is root or order[-1] == root
    assert len(order) == len(set(map(id, order)))  # each node once
    assert set(map(id, order)) == set(map(id, _reachable(root, parents)))
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in parents(node):
            assert position[id(parent)] < position[id(node)]


def test_value_diamond_parents_before_children() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    e = c * d + c.tanh()
    order = topological_order(e)
    _assert_topological(order, e, lambda n: n._prev)
    assert sum(node is c for node in order) == 1
    assert {a, b} <= set(order)


def test_custom_parents_callable() -> None:
    edges = {"loss": ["logits", "targets"], "logits": ["x", "w"], "targets": [],
             "x": [], "w": ["init"], "init": []}
    order = topological_order("loss", parents=edges.__getitem__)
    _assert_topological(order, "loss", edges.__getitem__)
    assert len(order) == 6


def test_leaf_root_is_its_own_order() -> None:
    a = Value(3.0)
    assert topological_order(a) == [a]


def test_deep_chain_without_recursion() -> None:
    limit = sys.getrecursionlimit()
    depth = 200_000
    order = topological_order(depth, parents=lambda i: (i - 1,) if i else ())
    assert order == list(range(depth + 1))
    assert sys.getrecursionlimit() == limit


def test_deep_tensor_chain_backward() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = -y
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])  # (-1)^20000


@st.composite
def dags(draw: st.DrawFn) -> dict[int, list[int]]:
    """Random DAGs on 0..n-1 whose edges point from a node to lower-numbered parents."""
    n = draw(st.integers(1, 25))
    return {i: draw(st.lists(st.integers(0, i - 1), max_size=4)) if i else [] for i in range(n)}


@settings(max_examples=80, deadline=None)
@given(dags())
def test_random_dag_orders(graph: dict[int, list[int]]) -> None:
    root = max(graph)
    order = topological_order(root, parents=graph.__getitem__)
    _assert_topological(order, root, graph.__getitem__)


# ---------------------------------------------------------------- scopes
def test_scope_nesting_and_paths() -> None:
    x = Value(1.0)
    outside = x * 2
    with scope("loss") as loss_call:
        a = x * 3
        with scope("softmax") as inner:
            b = a.exp()
            c = b + 1
        d = c.log()
    after = d * 2
    assert isinstance(loss_call, Scope) and isinstance(inner, Scope)
    assert loss_call.path == "loss" and inner.path == "loss/softmax"
    assert inner.parent is loss_call and loss_call.parent is None
    assert a.scope is loss_call and d.scope is loss_call
    assert b.scope is inner and c.scope is inner
    assert outside.scope is None and after.scope is None
    assert repr(inner) == "Scope('loss/softmax')"


def test_each_scope_call_is_a_new_scope_and_exceptions_restore_it() -> None:
    x = Tensor([1.0], requires_grad=True)
    with scope("f"):
        first = x * 2
    with scope("f"):
        second = x * 2
    assert first.scope is not second.scope and first.scope.path == second.scope.path == "f"
    try:
        with scope("broken"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert (x * 2).scope is None


def test_scope_is_per_thread() -> None:
    seen = {}

    def other() -> None:
        seen["scope"] = (Value(1.0) * 2).scope

    with scope("main"):
        worker = threading.Thread(target=other)
        worker.start()
        worker.join(timeout=10)
    assert seen["scope"] is None


def test_no_grad_nesting_both_engines() -> None:
    v, t = Value(2.0), Tensor([2.0], requires_grad=True)
    with no_grad():
        with no_grad():
            pass
        inner_v, inner_t = v * v, t * t
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert inner_v.parents == () and inner_t.parents == () and not inner_t.requires_grad
    assert (v * v).op == "mul" and (t * t).op == "mul"
    with scope("s"), no_grad():
        silent = v * v
    assert silent.scope is None  # nothing recorded, not even a scope
