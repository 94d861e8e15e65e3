"""Values changed after the forward pass (docs/conventions.md, "Values changed after the
forward pass"): chainrule's own changes (optimizer steps, load_state_dict, nn.load) make a
backward pass through a graph recorded before them raise, naming the leaf and the change,
before any gradient changes; graphs recorded after them, and graphs that never read a
changed leaf, are untouched. The same rule in both engines."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import nn
from autograd import Tensor, Value, grad, scope
from autograd.graph import Node
from nn.optim import SGD, Adam
from nn.to_torch import torch_arrays


def _tensor(values: list[float], label: str = "") -> Tensor:
    return Tensor(np.array(values), requires_grad=True, label=label)


ENGINES = {
    "Value": lambda: Value(1.5, label="w"),
    "Tensor": lambda: _tensor([1.5, -0.5], label="w"),
}


def _total(node: Value | Tensor) -> Value | Tensor:
    return node if isinstance(node, Value) else node.sum()


def _grad_copy(node: Value | Tensor) -> object:
    return None if node.grad is None else np.array(node.grad, copy=True)


@pytest.mark.parametrize("engine", ENGINES)
def test_backward_through_a_graph_older_than_a_step_raises_and_changes_no_grad(engine: str):
    w = ENGINES[engine]()
    loss = _total(w ** 3)
    loss.backward()
    SGD([w], lr=0.1).step()
    before = _grad_copy(w)
    with pytest.raises(RuntimeError, match=r"'w'.*changed by SGD\.step.*No gradient was changed"):
        loss.backward()
    np.testing.assert_array_equal(_grad_copy(w), before)


@pytest.mark.parametrize("engine", ENGINES)
def test_an_old_subgraph_reused_in_a_new_graph_raises(engine: str):
    # The root is new, but it reads a node recorded before the step: the "mixed" graph.
    w = ENGINES[engine]()
    hidden = w * 2.0  # recorded at the old epoch; reads w
    _set_grad(w)
    SGD([w], lr=0.1).step()
    new_loss = _total(hidden * 3.0)  # recorded after the step
    with pytest.raises(RuntimeError, match=r"changed by SGD\.step.*in 'mul'"):
        new_loss.backward()


def _set_grad(w: Value | Tensor) -> None:
    """A gradient for the optimizer to step with, without a backward pass."""
    w.grad = 1.0 if isinstance(w, Value) else np.ones_like(w.data)


@pytest.mark.parametrize("engine", ENGINES)
def test_an_old_subgraph_that_reads_no_changed_leaf_is_fine(engine: str):
    # Nodes recorded before a step are only a problem if what they read changed.
    w, c = ENGINES[engine](), ENGINES[engine]()
    old = c * 2.0  # reads c only, which the step does not touch
    _set_grad(w)
    optimizer = SGD([w], lr=0.1)
    optimizer.step()
    optimizer.zero_grad()
    loss = _total(old * w)
    loss.backward()
    np.testing.assert_allclose(w.grad, np.asarray(c.data) * 2.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_training_loop_never_raises_and_steps_like_plain_python(engine: str):
    w = ENGINES[engine]()
    optimizer = Adam([w], lr=0.05)
    reference = np.array(w.data, dtype=float)
    m = v = np.zeros_like(reference)
    for t in range(1, 6):
        optimizer.zero_grad()
        _total(w * w).backward()  # a fresh graph each step
        optimizer.step()
        g = 2 * reference
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        reference = reference - 0.05 * (m / (1 - 0.9 ** t)) / (
            np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(np.array(w.data, dtype=float), reference, rtol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_load_state_dict_counts_as_a_change(engine: str):
    make = (lambda: nn.MLP(2, [1], seed=0)) if engine == "Value" else \
        (lambda: nn.Linear(2, 1, seed=0))
    model, other = make(), make()
    x = [0.5, -1.0] if engine == "Value" else Tensor(np.array([[0.5, -1.0]]))
    out = model(x)
    loss = out if isinstance(out, Value) else out.sum()
    model.load_state_dict(other.state_dict())
    with pytest.raises(RuntimeError, match="changed by load_state_dict"):
        loss.backward()


def test_nn_load_counts_as_a_change(tmp_path):
    model = nn.Linear(2, 1, seed=0)
    nn.save(model, tmp_path / "m.npz")
    loss = model(Tensor(np.ones((1, 2)))).sum()
    nn.load(model, tmp_path / "m.npz")
    with pytest.raises(RuntimeError, match="changed by"):
        loss.backward()


@pytest.mark.parametrize("engine", ["Value", "Tensor"])
def test_load_torch_state_dict_counts_as_a_change(engine: str):
    model = nn.MLP(2, [1], seed=0) if engine == "Value" else nn.Linear(2, 1, seed=0)
    x = [0.5, -1.0] if engine == "Value" else Tensor(np.array([[0.5, -1.0]]))
    out = model(x)
    loss = out if isinstance(out, Value) else out.sum()
    nn.load_torch_state_dict(model, torch_arrays(model))  # numpy arrays: no torch needed
    with pytest.raises(RuntimeError, match="changed by load_torch_state_dict"):
        loss.backward()


@pytest.mark.parametrize("engine", ENGINES)
def test_functional_grad_and_create_graph_see_the_change_too(engine: str):
    w = ENGINES[engine]()
    loss = _total(w ** 3)
    _set_grad(w)
    SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="changed by SGD.step"):
        loss.backward(create_graph=True)
    # `grad` returns gradients without touching .grad; it must not mix values either.
    with pytest.raises(RuntimeError, match="changed by SGD.step"):
        grad(loss, [w])


@pytest.mark.parametrize("engine", ENGINES)
def test_only_the_changed_leaf_is_named(engine: str):
    a, b = ENGINES[engine](), ENGINES[engine]()
    b.label = "bias"
    loss = _total(a * b)
    _set_grad(b)
    SGD([b], lr=0.1).step()
    with pytest.raises(RuntimeError, match="'bias'"):
        loss.backward()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("old_first", [True, False])
def test_a_stale_node_is_found_wherever_the_walk_meets_it(engine: str, old_first: bool):
    # The walk places a node either when it finishes the node's parents, or at once when
    # they are all placed already (w * w after w): both places must see the old epoch.
    w = ENGINES[engine]()
    old = w * w  # recorded before the step
    _set_grad(w)
    SGD([w], lr=0.1).step()
    new = w * 3.0
    loss = _total(old + new if old_first else new + old)
    with pytest.raises(RuntimeError, match=r"changed by SGD\.step.*in 'mul'"):
        loss.backward()


# ---------------------------------------------------------------- where the epoch is kept
# A node's epoch lives on its stamp (its Scope, or the thread's top-level Stamp), shared by
# the nodes of one call and epoch. A recording state made before a change must never stamp
# a node recorded after it with the old epoch: that would be a false alarm.
@pytest.mark.parametrize("engine", ENGINES)
def test_a_training_loop_inside_a_scope_and_a_module_call_never_raises(engine: str):
    w = ENGINES[engine]()
    opt = SGD([w], lr=0.1)
    with scope("training"):
        for _ in range(3):
            first = _total(w * w)  # recorded in the scope's state made before the step
            opt.zero_grad()
            first.backward()
            opt.step()
            inner = _total(w * 3.0)  # same scope, after the step: the new epoch
            opt.zero_grad()
            inner.backward()
            opt.step()
    after = _total(w * 2.0)  # back at the top level, whose state is older than the steps
    after.backward()
    assert inner.scope.name == "training" and after.scope is None
    with pytest.raises(RuntimeError, match="changed by SGD.step"):
        first.backward()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_thread_that_records_after_another_thread_steps_sees_no_false_alarm(engine: str):
    w = ENGINES[engine]()
    opt = SGD([w], lr=0.1)
    ready, stepped, errors = threading.Event(), threading.Event(), []

    def worker() -> None:
        try:
            _total(w * 1.0)  # the thread's recording state exists before the step
            with scope("worker"):
                ready.set()
                stepped.wait(10)
                loss = _total(w * w)  # recorded after the other thread's step
            loss.backward()
            _total(w * 2.0).backward()  # and at the worker's top level
        except BaseException as error:  # noqa: BLE001 - reported to the main thread
            errors.append(error)

    thread = threading.Thread(target=worker)
    thread.start()
    ready.wait(10)
    _set_grad(w)
    opt.step()
    stepped.set()
    thread.join(10)
    assert errors == []


@pytest.mark.parametrize("engine", ENGINES)
def test_create_graph_backward_inside_a_scope_after_a_step_raises_nothing(engine: str):
    w = ENGINES[engine]()
    opt = SGD([w], lr=0.1)
    with scope("outer"):
        _set_grad(w)
        opt.step()
        (g,) = grad(_total(w ** 3), [w], create_graph=True)
        _total(g).backward()
    assert g.scope.name == "pow_const backward" and g.scope.parent.parent.name == "outer"


def test_the_nodes_of_one_call_and_epoch_share_one_stamp():
    # The epoch costs no memory per node: it is on the shared stamp, not in a slot.
    a, b = Value(1.0), Tensor(np.ones(2), requires_grad=True)
    x, y, t = a * 2.0, a + 1.0, b * 2.0
    assert x._stamp is y._stamp is t._stamp
    assert len(Node.__slots__) == 7 and "_version" not in Node.__slots__
    with scope("call") as call:
        z = a * x
    assert z._stamp is call and call.epoch is x._stamp.epoch
