"""Hand an optimizer to PyTorch with its state, so training continues where it stopped.

chainrule's optimizers follow `torch.optim`'s update rules (`nn.optim`), so an Adam that
has taken 100 steps carries its moments and step count over: the next PyTorch steps
are the ones chainrule would have taken. The state arrays change layout exactly as
the weights do (`nn.torch_layers`: a Linear's moments are transposed too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd import Value
from nn import optim, torch_layers
from nn.extras import require

__all__ = ["to_torch_optimizer", "TORCH_OPTIMIZERS"]


@dataclass(frozen=True)
class TorchOptimizer:
    """torch.optim class name, its hyper-parameters, chainrule state key -> torch's, and
    where torch's per-parameter "step" comes from: None (torch keeps none), "state"
    (chainrule counts per parameter too: Adam) or "calls" (step() calls so far: torch's
    Adagrad and RMSprop count steps, their rules here never read the count)."""

    name: str
    hyper: Callable[[Any], dict[str, Any]]
    state: dict[str, str]
    steps: str | None


TORCH_OPTIMIZERS: dict[type, TorchOptimizer] = {
    optim.SGD: TorchOptimizer("SGD", lambda o: {"lr": o.lr, "momentum": o.momentum},
                              {"momentum": "momentum_buffer"}, steps=None),
    optim.Adam: TorchOptimizer("Adam", lambda o: {"lr": o.lr, "betas": o.betas, "eps": o.eps},
                               {"exp_avg": "exp_avg", "exp_avg_sq": "exp_avg_sq"}, steps="state"),
    optim.Adagrad: TorchOptimizer("Adagrad", lambda o: {"lr": o.lr, "eps": o.eps},
                                  {"sum": "sum"}, steps="calls"),
    optim.RMSprop: TorchOptimizer("RMSprop",
                                  lambda o: {"lr": o.lr, "alpha": o.alpha, "eps": o.eps},
                                  {"square_avg": "square_avg"}, steps="calls"),
}


def to_torch_optimizer(optimizer: optim.Optimizer, model: Any, torch_model: Any) -> Any:
    """The `torch.optim` optimizer over `torch_model`'s parameters, in `optimizer`'s state.

    torch_model is `nn.to_torch(model)`; the optimizer is SGD (momentum), Adam, Adagrad or
    RMSprop over some or all of `model`'s parameters. Its hyper-parameters and per-
    parameter state (moments, Adam's step count) are copied, in PyTorch's layouts. Raises
    ValueError for NNFS learning-rate decay (torch.optim has no such option), for a
    PyTorch tensor built from parameters of which only some are optimized or only some
    have state, and when torch_model's parameters do not match `model`'s.
    """
    torch = require("torch", "nn.to_torch_optimizer")
    kind = TORCH_OPTIMIZERS.get(type(optimizer))
    if kind is None:
        raise TypeError(f"to_torch_optimizer: no torch.optim counterpart for "
                        f"{type(optimizer).__name__} (known: "
                        f"{', '.join(cls.__name__ for cls in TORCH_OPTIMIZERS)})")
    if optimizer.decay:
        raise ValueError(f"to_torch_optimizer: {type(optimizer).__name__} has decay="
                         f"{optimizer.decay} (lr / (1 + decay * t), as in NNFS), which "
                         f"torch.optim has no option for; wrap the result in torch.optim."
                         f"lr_scheduler.LambdaLR with that factor")
    if getattr(optimizer, "velocity", False) and optimizer.momentum:
        raise ValueError("to_torch_optimizer: SGD with velocity=True keeps the book's "
                         "velocity, which torch.optim.SGD has no state for; at a constant "
                         "rate it is the same rule as velocity=False, so train with that")
    named = {name: slot for name, slot in torch_layers.slots(model).items() if not slot.buffer}
    torch_params = dict(torch_model.named_parameters())
    if set(torch_params) != set(named):
        raise ValueError(f"to_torch_optimizer: torch_model's parameters "
                         f"{sorted(torch_params)} are not those of nn.to_torch(model) "
                         f"{sorted(named)}")
    read = _state_reader(optimizer)
    optimized = {id(p) for p in optimizer.params}
    names, states = [], {}
    for name, slot in named.items():
        inside = [id(p) in optimized for p in slot.sources]
        if not any(inside):
            continue
        if not all(inside):
            raise ValueError(f"to_torch_optimizer: {name} is built from parameters of which "
                             f"the optimizer updates only some")
        names.append(name)
        state = _slot_state(name, slot, read, kind, optimizer.steps, torch)
        if state:
            states[len(names) - 1] = state
    if not names:
        raise ValueError("to_torch_optimizer: the optimizer updates none of model's parameters")
    out = getattr(torch.optim, kind.name)([torch_params[n] for n in names], **kind.hyper(optimizer))
    if states:
        saved = out.state_dict()
        saved["state"] = states
        out.load_state_dict(saved)
    return out


def _state_reader(optimizer: optim.Optimizer) -> Callable[[Any, str], Any]:
    """read(param, key): the optimizer's state `key` for one parameter, or None if unset.

    Value parameters share one packed state vector (`nn.optim`), in the order they
    appear among the optimizer's parameters; a Tensor's state is under its index.
    """
    index = {id(p): i for i, p in enumerate(optimizer.params)}
    packed = {id(p): i for i, p in enumerate(p for p in optimizer.params if isinstance(p, Value))}

    def read(param: Any, key: str) -> Any:
        if isinstance(param, Value):
            state = optimizer.state.get("values")
            if state is None:
                return None
            value = state.get(key)
            return value if key == "step" or value is None else value[packed[id(param)]]
        state = optimizer.state.get(index[id(param)])
        return None if state is None else state.get(key)

    return read


def _slot_state(name: str, slot: torch_layers.Slot, read: Callable, kind: TorchOptimizer,
                calls: int, torch: Any) -> dict[str, Any]:
    """One torch parameter's optimizer state, {} when none of its sources has any yet."""
    state = {}
    for key, torch_key in kind.state.items():
        pieces = [read(p, key) for p in slot.sources]
        if all(piece is None for piece in pieces):
            return {}
        if any(piece is None for piece in pieces):
            raise ValueError(f"to_torch_optimizer: {name} is built from parameters of which "
                             f"only some have optimizer state (some never had a gradient)")
        state[torch_key] = torch.tensor(np.ascontiguousarray(slot.to_torch(pieces)))
    if kind.steps is not None:
        counts = {read(p, "step") for p in slot.sources} if kind.steps == "state" else {calls}
        if len(counts) != 1:
            raise ValueError(f"to_torch_optimizer: {name} is built from parameters that took "
                             f"different numbers of steps {sorted(counts)}")
        state["step"] = torch.tensor(float(counts.pop()), dtype=_scalar_dtype(torch))
    return state


def _scalar_dtype(torch: Any) -> Any:
    """The dtype torch.optim itself uses for its step counters."""
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
