"""Gradient-descent optimizers for `Value` and `Tensor` parameters: SGD, Adagrad, RMSprop, Adam.

Every update rule is written once, on numpy arrays. A Tensor parameter is its own
array (updated in place, so `param.data` keeps its identity and dtype); all Value
parameters are packed into one float64 vector per step, updated together and
written back as Python floats. That keeps the per-step Python work for hundreds of
scalar parameters to a few list passes.

A step is all or nothing. Everything is checked first (gradients real, finite and of
the right shape; parameters writable and of the shape their state was made for); the
new values and states are then computed apart, and only a last commit, which assigns
values and cannot fail, writes them: an interrupt during the commit is held until it is
done (`autograd.graph.finish`). The parameters are marked as changed
(`autograd.graph.changed`), so a backward pass through a graph recorded before the step
raises instead of mixing old and new values.

Defaults are PyTorch's (torch.optim), so runs can be compared number for number:
SGD lr=1e-3, momentum=0; Adagrad lr=1e-2, eps=1e-10; RMSprop lr=1e-2, alpha=0.99,
eps=1e-8; Adam lr=1e-3, betas=(0.9, 0.999), eps=1e-8.

`decay` is learning-rate decay as in Neural Networks from Scratch (not PyTorch's L2
weight_decay): step t (counted from 0) uses lr_t = lr / (1 + decay * t).
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable
from itertools import repeat
from operator import attrgetter, mul, sub
from typing import Any

import numpy as np

from autograd import Tensor, Value
from autograd.graph import changed, finish, next_epoch
from autograd.sums import surely_finite

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam"]

_PARAM_TYPES = (Value, Tensor)
_DATA, _GRAD = attrgetter("data"), attrgetter("grad")
_VALUES = "values"  # state key of the packed Value parameters
_ARRAY = np.ndarray


# ---------------------------------------------------------------- argument checks
def _real(value: object, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a real number, got {type(value).__name__} "
                        f"{value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{where}: {name} must be finite, got {value!r}")
    return float(value)


def _at_least_zero(value: object, name: str, where: str) -> float:
    out = _real(value, name, where)
    if out < 0:
        raise ValueError(f"{where}: {name} must be >= 0, got {value!r}")
    return out


def _unit(value: object, name: str, where: str) -> float:
    """A coefficient in [0, 1): momentum, beta, alpha."""
    out = _real(value, name, where)
    if not 0.0 <= out < 1.0:
        raise ValueError(f"{where}: {name} must be in [0, 1), got {value!r}")
    return out


def _collect(params: object, where: str) -> tuple[list, list[str]]:
    """(parameters, names) from a Module-like object or an iterable, deduplicated.

    Names come from `named_parameters()` when the object has it, else from labels.
    """
    if isinstance(params, _PARAM_TYPES):
        raise TypeError(f"{where}: params must be an iterable of parameters or a module, "
                        f"got a single {type(params).__name__}; wrap it in a list")
    names: dict[int, str] = {}
    if callable(getattr(params, "named_parameters", None)):
        pairs = list(params.named_parameters())
        names = {id(p): name for name, p in pairs}
        params = [p for _, p in pairs]
    elif callable(getattr(params, "parameters", None)):
        params = params.parameters()
    try:
        items = list(params)
    except TypeError:
        raise TypeError(f"{where}: params must be an iterable of Value/Tensor or an object "
                        f"with .parameters(), got {type(params).__name__}") from None
    out, seen = [], set()
    for index, p in enumerate(items):
        if not isinstance(p, _PARAM_TYPES):
            raise TypeError(f"{where}: parameter {index} is a {type(p).__name__} ({p!r:.60}), "
                            f"expected Value or Tensor")
        if p._prev:
            raise ValueError(f"{where}: parameter {index}{_name(p)} is computed by "
                             f"'{p.op}', not a leaf; only leaves can be optimized")
        if not isinstance(p, Value) and not np.issubdtype(p.data.dtype, np.floating):
            raise TypeError(f"{where}: parameter {index}{_name(p)} has dtype {p.data.dtype}, "
                            f"expected a floating dtype")
        if id(p) not in seen:  # a shared (tied) parameter is updated once
            seen.add(id(p))
            out.append(p)
    if not out:
        raise ValueError(f"{where}: params is empty; nothing to optimize")
    return out, [names.get(id(p), p.label) for p in out]


def _first_non_finite(flat: np.ndarray) -> int | None:
    """Flat index of the first NaN/inf in the 1-D array `flat`, or None."""
    bad = np.flatnonzero(~np.isfinite(flat))
    return int(bad[0]) if bad.size else None


def _name(p: Any, name: str = "") -> str:
    name = name or p.label
    return f" ({name!r})" if name else ""


# ---------------------------------------------------------------- the base class
class Optimizer(ABC):
    """Base optimizer: `step()` applies `_update` to every parameter, `zero_grad()` resets."""

    def __init__(self, params: Iterable | Any, lr: float, decay: float = 0.0) -> None:
        where = type(self).__name__
        self.lr = _at_least_zero(lr, "lr", where)
        self.decay = _at_least_zero(decay, "decay", where)
        self.params, self.names = _collect(params, where)
        self._values = [p for p in self.params if isinstance(p, Value)]
        self._value_index = [i for i, p in enumerate(self.params) if isinstance(p, Value)]
        self._tensors = [(i, p) for i, p in enumerate(self.params) if not isinstance(p, Value)]
        self.steps = 0  # completed step() calls
        self._cause = f"{where}.step"  # what changed the parameters, for stale graphs
        # Per-slot state arrays: key "values" for the packed Values, else the param index.
        self.state: dict[object, dict[str, Any]] = {}

    @property
    def current_lr(self) -> float:
        """Learning rate the next step uses: lr / (1 + decay * steps)."""
        return self.lr / (1.0 + self.decay * self.steps)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Value grads -> 0.0; Tensor grads -> None (or a fresh zero array if not set_to_none)."""
        for p in self._values:
            p.grad = 0.0
        if set_to_none:
            for _, p in self._tensors:
                p.grad = None
            return
        for _, p in self._tensors:
            # Fresh zeros rather than in place: the old array may be shared or read-only.
            p.grad = None if p.grad is None else np.zeros_like(p.data)

    def step(self) -> None:
        """One update of every parameter that has a gradient (Tensor grad None: skipped).

        Nothing changes unless everything does: a gradient that is NaN/inf, complex, or of
        the wrong shape, a read-only parameter, or one resized since its state was made
        raises ValueError/TypeError naming the parameter, and no parameter or state has
        been touched; an interrupt (Ctrl-C) lands before the step or after all of it.
        """
        values = self._values
        value_grads = self._value_grads() if values else None
        lr = self.current_lr
        # Check every Tensor parameter first, then compute the new values and states apart:
        # a refusal comes before any arithmetic on the gradients (which could warn, or
        # raise under np.seterr(all="raise")), and nothing is written before the commit.
        checked = self._checked_tensor_grads()
        states = self.state
        new_states: dict[object, dict[str, Any]] = {}
        writes = []  # (array, its new values)
        moved = []  # the parameters that get a new value
        update, init_state = self._update, self._init_state
        for index, p, data, grad, state in checked:
            new, new_states[index] = update(
                init_state(data) if state is None else state, data, grad, lr)
            writes.append((data, new))
            moved.append(p)
        value_updates = None
        if value_grads is not None:
            value_updates = self._update_values(value_grads, lr, new_states)
            moved += values
        epoch = next_epoch(self._cause)
        steps = self.steps + 1

        def commit() -> None:  # assignments only, idempotent; an interrupt waits for its end
            for data, new in writes:
                data[...] = new  # in place: the array keeps its identity
            if value_updates is not None:
                for p, new in zip(values, value_updates):
                    p.data = new
            states.update(new_states)
            changed(moved, epoch)
            self.steps = steps

        finish(commit)

    # -------------------------------------------------------------- helpers
    def _update_values(self, grads: list[float], lr: float,
                       new_states: dict[object, dict[str, Any]]) -> list[float]:
        """The Value parameters' new floats: packed into one vector, updated by `_update`;
        their new state goes into `new_states`."""
        data = self._value_data()
        state = self.state.get(_VALUES)
        new, new_states[_VALUES] = self._update(
            self._init_state(data) if state is None else state, data,
            np.array(grads, dtype=np.float64), lr)
        return new.tolist()

    def _value_data(self) -> np.ndarray:
        """The Value parameters' data as one float64 vector; TypeError naming a bad one."""
        datas = list(map(_DATA, self._values))
        try:
            return np.array(datas, dtype=np.float64)
        except (TypeError, ValueError):
            for k, d in enumerate(datas):
                if type(d) is not float and (not isinstance(d, numbers.Real)
                                             or isinstance(d, bool)):
                    name = _name(self._values[k], self.names[self._value_index[k]])
                    raise TypeError(f"{type(self).__name__}.step: parameter "
                                    f"{self._value_index[k]}{name} holds {d!r}, not a real "
                                    "number; no parameter was updated") from None
            raise

    def _value_grads(self) -> list[float]:
        """The Value parameters' gradients as floats; raises naming a non-real or
        non-finite one."""
        grads = list(map(_GRAD, self._values))
        try:  # NaN/inf survive a sum, so one sum screens them all
            total = sum(grads)
        except TypeError:
            total = None
        if type(total) is Value:  # grads from backward(create_graph=True): use their values
            grads = [g.data if type(g) is Value else g for g in grads]
            total = sum(grads)
        if type(total) is not float or not math.isfinite(total):  # complex, None, NaN, ...
            for k, g in enumerate(grads):
                if not isinstance(g, numbers.Real) or isinstance(g, bool):
                    self._refuse(self._value_index[k], f"is a {type(g).__name__} ({g!r}), not "
                                                       "a real number")
                if not math.isfinite(g):
                    self._refuse(self._value_index[k], f"is not finite ({g!r})")
        return grads

    def _checked_tensor_grads(self) -> list[tuple[int, Tensor, np.ndarray, np.ndarray,
                                                 dict[str, Any] | None]]:
        """(index, parameter, data, gradient array, state or None) of every Tensor
        parameter with a gradient; raises naming the first parameter whose gradient is
        not a real array of its shape or has a NaN/inf, or that cannot be updated
        (read-only, resized since its state was made)."""
        checked = []
        states = self.state
        for index, p in self._tensors:
            grad = p.grad
            if grad is None:
                continue
            data = p.data
            # The usual case in one test; anything else (a Tensor gradient, float32
            # gradients of float64 parameters, all that must be refused) the full check.
            if not (type(grad) is _ARRAY and type(data) is _ARRAY and grad.dtype is data.dtype
                    and data.dtype.kind == "f" and grad.shape == data.shape
                    and data.flags.writeable):
                grad = self._checked_grad(index, data, grad)
            state = states.get(index)
            if state:
                self._check_state(index, data, state)
            if not surely_finite(grad):  # else NaN/inf, or huge squares: search exactly
                self._refuse_non_finite(index, grad)
            checked.append((index, p, data, grad, state))
        return checked

    def _refuse_non_finite(self, index: int, grad: np.ndarray) -> None:
        """Refuse parameter `index` if its gradient array holds a NaN/inf, naming the first."""
        flat = grad.ravel()
        bad = _first_non_finite(flat)
        if bad is not None:
            self._refuse(index, f"is not finite ({float(flat[bad])!r} at flat position {bad})")

    def _checked_grad(self, index: int, data: object, grad: object) -> np.ndarray:
        """The gradient array to step with, for a parameter outside `step`'s usual case:
        a Tensor gradient (from backward(create_graph=True)) gives its values; raises
        naming the parameter if the gradient is not a real array of its shape, or the
        parameter is not a writable float array."""
        if type(grad) is Tensor:
            grad = grad.data
        if type(grad) is not np.ndarray:
            self._refuse(index, f"is a {type(grad).__name__}, not a numpy array of "
                                f"shape {np.shape(data)}")
        if grad.dtype.kind not in "biuf":
            self._refuse(index, f"has dtype {grad.dtype}"
                         + (": complex gradients are not supported"
                            if grad.dtype.kind == "c" else ", not real numbers"))
        if type(data) is not np.ndarray or data.dtype.kind != "f":
            self._refuse(index, "holds "
                         + (f"an array of dtype {data.dtype}" if isinstance(data, np.ndarray)
                            else f"a {type(data).__name__}") + ", not a float array",
                         what="")
        if grad.shape != data.shape:
            self._refuse(index, f"has shape {grad.shape}, but the parameter has "
                                f"shape {data.shape}")
        if not data.flags.writeable:
            self._refuse(index, "is read-only (its array's flags.writeable is False)",
                         what="")
        return grad

    def _check_state(self, index: int, data: np.ndarray, state: dict[str, Any]) -> None:
        """Refuse a parameter resized since its optimizer state was made."""
        for key, value in state.items():
            if isinstance(value, np.ndarray) and value.shape != data.shape:
                self._refuse(index, f"has shape {data.shape}, but its optimizer "
                                    f"state {key!r} was made for shape {value.shape} "
                                    "(resized after a step? make a new optimizer)",
                             what="")

    def _refuse(self, index: int, problem: str, what: str = "gradient of ") -> None:
        name = _name(self.params[index], self.names[index])
        error = TypeError if "dtype" in problem or problem.startswith(("is a ", "holds")) \
            else ValueError
        raise error(f"{type(self).__name__}.step: {what}parameter {index}{name} {problem}; no "
                    "parameter was updated")

    # -------------------------------------------------------------- the rule
    def _init_state(self, data: np.ndarray) -> dict[str, Any]:
        """Fresh per-slot state for a parameter array like `data`."""
        return {}

    @abstractmethod
    def _update(self, state: dict[str, Any], data: np.ndarray, grad: np.ndarray,
                lr: float) -> tuple[np.ndarray, dict[str, Any]]:
        """(new data, new state) from `data`, `grad` and `state` with learning rate `lr`.

        Must not modify its arguments (they are the parameter's array and its state until
        the step commits): return new arrays and a new state dict.
        """

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr}, {len(self.params)} parameters)"


# ---------------------------------------------------------------- the optimizers
class SGD(Optimizer):
    """Stochastic gradient descent, with momentum and lr decay.

    Momentum follows PyTorch by default: b = momentum * b + g; p -= lr_t * b (b starts
    at 0); with decay == 0 this is torch.optim.SGD exactly. velocity=True keeps the
    velocity of Neural Networks from Scratch (chapter 10) instead: v = momentum * v -
    lr_t * g; p += v. The two are the same rule at a constant rate (v = -lr * b); under
    decay they differ, since the book's velocity keeps the past steps' larger rates.
    Raises TypeError/ValueError for a non-number or out-of-range lr, momentum or decay.
    """

    def __init__(self, params: Iterable | Any, lr: float = 1e-3, momentum: float = 0.0,
                 decay: float = 0.0, velocity: bool = False) -> None:
        super().__init__(params, lr, decay)
        self.momentum = _unit(momentum, "momentum", "SGD")
        if not isinstance(velocity, bool):
            raise TypeError(f"SGD: velocity must be True or False, got {velocity!r}")
        self.velocity = velocity

    def _init_state(self, data: np.ndarray) -> dict[str, Any]:
        if not self.momentum:
            return {}
        return {"velocity" if self.velocity else "momentum": np.zeros_like(data)}

    def _update(self, state: dict[str, Any], data: np.ndarray, grad: np.ndarray,
                lr: float) -> tuple[np.ndarray, dict[str, Any]]:
        if self.momentum:
            if self.velocity:  # the book's v = momentum v - lr g; p += v
                v = state["velocity"] * self.momentum
                v -= lr * grad
                return data + v, {"velocity": v}
            buf = state["momentum"] * self.momentum
            buf += grad
            state, grad = {"momentum": buf}, buf
        return data - lr * grad, state

    def _update_values(self, grads: list[float], lr: float,
                       new_states: dict[object, dict[str, Any]]) -> list[float]:
        if self.momentum:
            return super()._update_values(grads, lr, new_states)
        # Plain SGD needs no state: d - lr * g on the floats themselves, no packing into
        # numpy (3x less overhead), in C-level maps (no Python frame per parameter).
        try:
            new = list(map(sub, map(_DATA, self._values), map(mul, repeat(lr), grads)))
        except TypeError:  # some data is not a number: _value_data names it
            new = None
        if new is None or type(sum(new)) is not float:  # not all floats (ints would be)
            new = (self._value_data() - lr * np.array(grads, dtype=np.float64)).tolist()
        return new


class Adagrad(Optimizer):
    """Adagrad: s += g**2; p -= lr_t * g / (sqrt(s) + eps)  (torch.optim.Adagrad)."""

    def __init__(self, params: Iterable | Any, lr: float = 1e-2, eps: float = 1e-10,
                 decay: float = 0.0) -> None:
        super().__init__(params, lr, decay)
        self.eps = _at_least_zero(eps, "eps", "Adagrad")

    def _init_state(self, data: np.ndarray) -> dict[str, Any]:
        return {"sum": np.zeros_like(data)}

    def _update(self, state: dict[str, Any], data: np.ndarray, grad: np.ndarray,
                lr: float) -> tuple[np.ndarray, dict[str, Any]]:
        total = state["sum"] + grad * grad
        return data - lr * grad / (np.sqrt(total) + self.eps), {"sum": total}


class RMSprop(Optimizer):
    """RMSprop: s = alpha * s + (1 - alpha) * g**2; p -= lr_t * g / (sqrt(s) + eps)."""

    def __init__(self, params: Iterable | Any, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, decay: float = 0.0) -> None:
        super().__init__(params, lr, decay)
        self.alpha = _unit(alpha, "alpha", "RMSprop")
        self.eps = _at_least_zero(eps, "eps", "RMSprop")

    def _init_state(self, data: np.ndarray) -> dict[str, Any]:
        return {"square_avg": np.zeros_like(data)}

    def _update(self, state: dict[str, Any], data: np.ndarray, grad: np.ndarray,
                lr: float) -> tuple[np.ndarray, dict[str, Any]]:
        avg = state["square_avg"] * self.alpha
        avg += (1.0 - self.alpha) * (grad * grad)
        return data - lr * grad / (np.sqrt(avg) + self.eps), {"square_avg": avg}


class Adam(Optimizer):
    """Adam with bias correction (torch.optim.Adam), t counted per parameter from 1.

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g**2;
    p -= lr_t * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps).
    """

    def __init__(self, params: Iterable | Any, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 decay: float = 0.0) -> None:
        super().__init__(params, lr, decay)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_unit(betas[0], "betas[0]", "Adam"), _unit(betas[1], "betas[1]", "Adam"))
        self.eps = _at_least_zero(eps, "eps", "Adam")

    def _init_state(self, data: np.ndarray) -> dict[str, Any]:
        return {"step": 0, "exp_avg": np.zeros_like(data), "exp_avg_sq": np.zeros_like(data)}

    def _update(self, state: dict[str, Any], data: np.ndarray, grad: np.ndarray,
                lr: float) -> tuple[np.ndarray, dict[str, Any]]:
        beta1, beta2 = self.betas
        t = state["step"] + 1
        m = state["exp_avg"] * beta1
        m += (1.0 - beta1) * grad
        v = state["exp_avg_sq"] * beta2
        v += (1.0 - beta2) * (grad * grad)
        m_hat = m / (1.0 - beta1 ** t)
        v_hat = v / (1.0 - beta2 ** t)
        return (data - lr * m_hat / (np.sqrt(v_hat) + self.eps),
                {"step": t, "exp_avg": m, "exp_avg_sq": v})
