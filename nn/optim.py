"""Gradient-descent optimizers for `Value` and `Tensor` parameters: SGD, Adagrad, RMSprop, Adam.

Every update rule is written once, on numpy arrays. A Tensor parameter is its own
array (updated in place, so `param.data` keeps its identity and dtype); all Value
parameters are packed into one float64 vector per step, updated together and
written back as Python floats. That keeps the per-step Python work for hundreds of
scalar parameters to a few list passes.

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
from operator import attrgetter
from typing import Any

import numpy as np

from autograd import Tensor, Value

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam"]

_PARAM_TYPES = (Value, Tensor)
_DATA, _GRAD = attrgetter("data"), attrgetter("grad")
_VALUES = "values"  # state key of the packed Value parameters


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
        for _, p in self._tensors:
            # Fresh zeros rather than in place: the old array may be shared or read-only.
            p.grad = None if set_to_none or p.grad is None else np.zeros_like(p.data)

    def step(self) -> None:
        """One update of every parameter that has a gradient (Tensor grad None: skipped).

        All gradients are checked first: a NaN/inf (or a grad of the wrong shape) raises
        ValueError naming the parameter, and no parameter or state has been touched.
        """
        value_grads = self._value_grads()
        tensor_grads = self._checked_tensor_grads()
        lr = self.current_lr
        if value_grads is not None:
            self._step_values(value_grads, lr)
        states = self.state
        for index, data, grad in tensor_grads:
            state = states.get(index)
            if state is None:
                state = self._slot(index, data)
            self._update(state, data, grad, lr)
        self.steps += 1

    # -------------------------------------------------------------- helpers
    def _slot(self, key: object, data: np.ndarray) -> dict[str, Any]:
        state = self.state.get(key)
        if state is None:
            state = self.state[key] = self._init_state(data)
        return state

    def _value_grads(self) -> list[float] | None:
        if not self._values:
            return None
        grads = list(map(_GRAD, self._values))
        try:  # as in _first_non_finite: NaN/inf survive a sum, so one sum screens them all
            total = sum(grads)
        except TypeError:
            total = None
        if type(total) is Value:  # grads from backward(create_graph=True): use their values
            grads = [g.data if type(g) is Value else g for g in grads]
            total = sum(grads)
        if total is None or not math.isfinite(total):
            for k, g in enumerate(grads):
                if not isinstance(g, numbers.Real) or isinstance(g, bool):
                    self._refuse(self._value_index[k], f"is a {type(g).__name__}, not a float")
                if not math.isfinite(g):
                    self._refuse(self._value_index[k], f"is not finite ({g!r})")
        return grads

    def _step_values(self, grads: list[float], lr: float) -> None:
        """Pack the Value parameters into one vector, update it, write floats back."""
        data = np.array(list(map(_DATA, self._values)), dtype=np.float64)
        self._update(self._slot(_VALUES, data), data, np.array(grads, dtype=np.float64), lr)
        for p, new in zip(self._values, data.tolist()):
            p.data = new

    # The finiteness test below squares numbers: silence numpy's overflow warning for
    # entries above ~1e154 (decorated, not `with`: one Python frame fewer per step).
    @np.errstate(over="ignore", invalid="ignore")
    def _checked_tensor_grads(self) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(index, data, grad) of every Tensor parameter with a gradient; raises naming the
        first parameter whose gradient has the wrong shape or a NaN/inf."""
        out = []
        for index, p in self._tensors:
            grad = p.grad
            if grad is None:
                continue
            if type(grad) is Tensor:  # from backward(create_graph=True): its values
                grad = grad.data
            data = p.data
            if not isinstance(grad, np.ndarray) or grad.shape != data.shape:
                self._refuse(index, f"has shape {np.shape(grad)}, but the parameter has "
                                    f"shape {data.shape}")
            # NaN and inf always survive the dot product g.g (its terms are squares: no
            # inf - inf), which BLAS computes at about half the cost of a ufunc sum. Finite
            # entries above ~1e154 overflow it, hence the exact search after.
            flat = grad.ravel()
            if not math.isfinite(flat.dot(flat)):
                bad = _first_non_finite(flat)
                if bad is not None:
                    self._refuse(index, f"is not finite ({float(flat[bad])!r} at flat "
                                        f"position {bad})")
            out.append((index, data, grad))
        return out

    def _refuse(self, index: int, problem: str) -> None:
        name = _name(self.params[index], self.names[index])
        raise ValueError(f"{type(self).__name__}.step: gradient of parameter {index}{name} "
                         f"{problem}; no parameter was updated")

    # -------------------------------------------------------------- the rule
    def _init_state(self, data: np.ndarray) -> dict[str, Any]:
        """Fresh per-slot state for a parameter array like `data`."""
        return {}

    @abstractmethod
    def _update(self, state: dict[str, Any], data: np.ndarray, grad: np.ndarray,
                lr: float) -> None:
        """Update `data` in place from `grad` (never modified) with learning rate `lr`."""

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
                lr: float) -> None:
        if not self.momentum:
            data -= lr * grad
        elif self.velocity:
            v = state["velocity"]
            v *= self.momentum
            v -= lr * grad
            data += v
        else:
            buf = state["momentum"]
            buf *= self.momentum
            buf += grad
            data -= lr * buf

    def _step_values(self, grads: list[float], lr: float) -> None:
        if self.momentum:
            super()._step_values(grads, lr)
        else:  # plain SGD needs no state: skip packing into numpy (3x less overhead)
            for p, grad in zip(self._values, grads):
                p.data -= lr * grad


class Adagrad(Optimizer):
    """Adagrad: s += g**2; p -= lr_t * g / (sqrt(s) + eps)  (torch.optim.Adagrad)."""

    def __init__(self, params: Iterable | Any, lr: float = 1e-2, eps: float = 1e-10,
                 decay: float = 0.0) -> None:
        super().__init__(params, lr, decay)
        self.eps = _at_least_zero(eps, "eps", "Adagrad")

    def _init_state(self, data: np.ndarray) -> dict[str, Any]:
        return {"sum": np.zeros_like(data)}

    def _update(self, state: dict[str, Any], data: np.ndarray, grad: np.ndarray,
                lr: float) -> None:
        total = state["sum"]
        total += grad * grad
        data -= lr * grad / (np.sqrt(total) + self.eps)


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
                lr: float) -> None:
        avg = state["square_avg"]
        avg *= self.alpha
        avg += (1.0 - self.alpha) * (grad * grad)
        data -= lr * grad / (np.sqrt(avg) + self.eps)


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
                lr: float) -> None:
        beta1, beta2 = self.betas
        state["step"] = t = state["step"] + 1
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1.0 - beta1) * grad
        v *= beta2
        v += (1.0 - beta2) * (grad * grad)
        m_hat = m / (1.0 - beta1 ** t)
        v_hat = v / (1.0 - beta2 ** t)
        data -= lr * m_hat / (np.sqrt(v_hat) + self.eps)
