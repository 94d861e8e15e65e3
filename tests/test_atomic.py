"""All or nothing: a backward pass, an optimizer step and a load either happen completely or
change nothing, whatever fails, Ctrl-C included (docs/conventions.md, "All or nothing").

The interrupts are injected at every line the code runs (a trace function raises
KeyboardInterrupt at the k-th line, for every k), so no window between two statements is
left untried; one test sends a real SIGINT (`_thread.interrupt_main`) into a backward pass
through a 300,000-node chain. The optimizers are found in `nn.optim`, so one added later
is checked too.
"""

from __future__ import annotations

import _thread
import copy
import inspect
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd import Tensor, Value, graph
from nn import optim

ROOT = Path(__file__).resolve().parent.parent
TRACED = (str(ROOT / "autograd"), str(ROOT / "nn"))


def interrupted_at(k: int, action: Callable[[], object]) -> bool:
    """Run `action`, raising KeyboardInterrupt at the k-th line run in autograd/ or nn/.
    Returns whether the interrupt reached the caller (False: fewer than k lines ran)."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if not frame.f_code.co_filename.startswith(TRACED):
            return None
        if event == "line":
            count += 1
            if count == k:
                raise KeyboardInterrupt(f"injected at line {k}")
        return tracer

    state = graph._mode.state
    sys.settrace(tracer)
    try:
        action()
    except KeyboardInterrupt:
        return True
    finally:
        sys.settrace(None)
        # A line-level injection can land on the first line of a `finally:` clause (the
        # one putting the recording scope back), where a real signal cannot: CPython runs
        # signal handlers only at calls and backward jumps. Put it back for the next test.
        graph._mode.state = state
    return False


def every_line(action: Callable[[], object], state: Callable[[], object],
               expected_after: object, reset: Callable[[], None]) -> int:
    """Interrupt `action` at each line in turn: every interrupted run must leave `state()`
    as before or as `expected_after`. Returns how many runs were interrupted."""
    runs = 0
    for k in range(1, 100_000):
        reset()
        before = state()
        if not interrupted_at(k, action):
            assert _equal(state(), expected_after)
            return runs
        runs += 1
        after = state()
        assert _equal(after, before) or _equal(after, expected_after), f"half done at line {k}"
    raise AssertionError("the action never finished")


def _equal(a: object, b: object) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_equal(a[k], b[k])
                                                                   for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b, equal_nan=True)
    return a == b or (a != a and b != b)


# ---------------------------------------------------------------- backward
def _value_graph():
    p, q, r = Value(0.5, label="p"), Value(-1.5, label="q"), Value(2.0, label="r")
    leaves = (p, q, r)
    out = ((p * q).tanh() + r.exp() * p + (q ** 2).relu()) * r
    return leaves, out


def _tensor_graph():
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal((3, 2)), requires_grad=True, label="w")
    b = Tensor(rng.standard_normal(2), requires_grad=True, label="b")
    x = Tensor(rng.standard_normal((4, 3)))
    out = ((x @ w + b).tanh() * b).sum()
    return (w, b), out


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("make", [_value_graph, _tensor_graph], ids=["Value", "Tensor"])
def test_backward_interrupted_anywhere_changes_no_grad_or_all(make, create_graph) -> None:
    leaves, out = make()
    earlier = [1.5 if isinstance(leaf, Value) else np.full(leaf.shape, 1.5) for leaf in leaves]

    def reset() -> None:
        for leaf, grad in zip(leaves, earlier):
            leaf.grad = copy.copy(grad)

    def grads() -> list:
        return [np.array(getattr(leaf.grad, "data", leaf.grad), dtype=float) for leaf in leaves]

    reset()
    out.backward(create_graph=create_graph)
    expected = grads()
    runs = every_line(lambda: out.backward(create_graph=create_graph), grads, expected, reset)
    assert runs > 20


def test_a_grad_that_cannot_be_added_changes_no_grad() -> None:
    p, q = Value(2.0), Value(3.0)
    p.grad, q.grad = 5.0, None
    with pytest.raises(TypeError, match="No gradient was changed"):
        (p * q).backward()
    assert p.grad == 5.0 and q.grad is None


def test_sigint_during_a_long_backward_keeps_earlier_grads() -> None:
    """A real SIGINT (as Ctrl-C sends), at several moments of a backward pass through a
    300,000-node chain: the leaf's earlier gradient survives or the pass completes."""
    if threading.current_thread() is not threading.main_thread():
        pytest.fail("signals are delivered to the main thread only")
    x = Value(0.5, label="x")
    node = x
    for _ in range(300_000):
        node = node * 1.0
    armed = threading.Event()

    def handler(signum, frame):
        if armed.is_set():
            armed.clear()
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    outcomes = set()
    try:
        for delay in (0.0, 0.05, 0.2, 0.5, 1.0):
            x.grad = 7.0
            timer = threading.Timer(delay, _thread.interrupt_main)
            try:
                armed.set()
                timer.start()
                node.backward()
                armed.clear()
            except KeyboardInterrupt:  # during backward, or just after it returned
                pass
            finally:
                armed.clear()
                timer.cancel()
                timer.join()
            assert x.grad in (7.0, 8.0)
            outcomes.add("finished" if x.grad == 8.0 else "interrupted")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert "interrupted" in outcomes


# ---------------------------------------------------------------- optimizers
OPTIMIZERS = sorted(name for name, cls in vars(optim).items()
                    if inspect.isclass(cls) and issubclass(cls, optim.Optimizer)
                    and cls is not optim.Optimizer)


def _make(name: str, params: list):
    kwargs = {"lr": 0.1}
    if "momentum" in inspect.signature(getattr(optim, name)).parameters:
        kwargs["momentum"] = 0.9
    return getattr(optim, name)(params, **kwargs)


def _params():
    a = Tensor(np.array([1.0, -2.0]), requires_grad=True, label="a")
    b = Tensor(np.array([[0.5, 0.25], [1.0, -1.0]]), requires_grad=True, label="b")
    v, w = Value(0.75, label="v"), Value(-0.5, label="w")
    return [a, b, v, w]


def _set_grads(params, scale: float = 1.0) -> None:
    a, b, v, w = params
    a.grad, b.grad = np.array([0.5, -1.0]) * scale, np.array([[1.0, 2.0], [0.1, -0.3]]) * scale
    v.grad, w.grad = 0.3 * scale, -0.7 * scale


def _snapshot(opt, params) -> tuple:
    return ([np.array(p.data, copy=True) for p in params], copy.deepcopy(opt.state), opt.steps,
            [p._stamp.epoch for p in params])


def test_every_optimizer_is_checked() -> None:
    assert {"SGD", "Adam", "Adagrad", "RMSprop"} <= set(OPTIMIZERS)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_interrupted_anywhere_changes_nothing_or_everything(name: str) -> None:
    params = _params()
    opt = _make(name, params)
    _set_grads(params)
    opt.step()  # so that there is state to keep whole
    start = (_snapshot(opt, params), copy.deepcopy(opt.state))
    _set_grads(params, 2.0)
    opt.step()
    expected = _snapshot(opt, params)

    def reset() -> None:
        data, state, steps, versions = start[0]
        for p, d, version in zip(params, data, versions):
            p.data = d.copy() if isinstance(p, Tensor) else float(d)
            p._stamp = graph.Stamp(version)
        opt.state, opt.steps = copy.deepcopy(start[1]), steps
        _set_grads(params, 2.0)

    def state() -> tuple:
        data, state, steps, _ = _snapshot(opt, params)
        return data, state, steps

    runs = every_line(opt.step, state, expected[:3], reset)
    assert runs > 20


BAD_GRADS = {
    "complex": lambda a, b: setattr(b, "grad", b.grad.astype(complex) + 1j),
    "NaN": lambda a, b: b.grad.__setitem__((1, 1), np.nan),
    "inf": lambda a, b: b.grad.__setitem__((0, 0), -np.inf),
    "a list": lambda a, b: setattr(b, "grad", b.grad.tolist()),
    "wrong shape": lambda a, b: setattr(b, "grad", np.ones(3)),
    "a read-only parameter": lambda a, b: setattr(b.data.flags, "writeable", False),
    "a resized parameter": lambda a, b: (setattr(b, "data", np.ones((3, 2))),
                                         setattr(b, "grad", np.ones((3, 2)))),
    "a complex Value grad": lambda a, b: None,
}


@pytest.mark.parametrize("bad", sorted(BAD_GRADS))
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_step_that_cannot_be_made_changes_nothing(name: str, bad: str) -> None:
    params = _params()
    opt = _make(name, params)
    _set_grads(params)
    opt.step()
    _set_grads(params, 2.0)
    a, b, v, w = params
    BAD_GRADS[bad](a, b)
    if bad == "a complex Value grad":
        w.grad = 1 + 2j
    if bad == "a resized parameter" and not any(isinstance(x, np.ndarray)
                                                for x in opt.state.get(1, {}).values()):
        b.data = b.data.copy()  # no state of b's shape to disagree with: a fair step
        return
    before = _snapshot(opt, params)
    with pytest.raises((ValueError, TypeError)) as info:
        opt.step()
    message = str(info.value)
    assert message.startswith(f"{name}.step") and "no parameter was updated" in message
    assert "parameter 1 ('b')" in message or "parameter 3 ('w')" in message
    after = _snapshot(opt, params)
    assert _equal(after, before)


def test_messages_say_what_is_wrong() -> None:
    p = Tensor(np.zeros((2, 2)), requires_grad=True)
    p.grad = [[0, 0], [0, 0]]
    with pytest.raises(TypeError, match=r"is a list, not a numpy array of shape \(2, 2\)"):
        optim.SGD([p], lr=0.1).step()
    p.grad = np.zeros((2, 2), dtype=complex)
    with pytest.raises(TypeError, match="complex gradients are not supported"):
        optim.Adam([p], lr=0.1).step()


# ---------------------------------------------------------------- loading
def test_load_state_dict_interrupted_anywhere_loads_all_or_nothing() -> None:
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU(), nn.Linear(3, 1, seed=1))
    original = model.state_dict()
    new = {name: array + 1.0 for name, array in original.items()}

    def reset() -> None:
        model.load_state_dict(original)

    runs = every_line(lambda: model.load_state_dict(new), model.state_dict, new, reset)
    assert runs > 10
