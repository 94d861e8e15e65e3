"""Hand a model to PyTorch and take one back: `to_torch`, and state dicts both ways.

`to_torch(model)` builds the equivalent `torch.nn.Module` (through the table in
`nn.torch_layers`) with copies of the weights; `torch_state_dict(model)` gives the
weights alone under PyTorch's names and layouts (`0.weight` of shape (out, in) for a
`Linear`, where chainrule's `layers.0.weight` is (in, out)), so that
`torch_model.load_state_dict(nn.torch_state_dict(model))` works, and
`load_torch_state_dict(model, torch_model.state_dict())` brings weights trained in
PyTorch back. Needs the `torch` extra (`pip install 'chainrule[torch]'`), except for
loading, which also takes numpy arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograd import Value
from autograd.graph import replace_data
from nn import torch_layers
from nn.extras import require

__all__ = ["to_torch", "torch_state_dict", "load_torch_state_dict"]


def to_torch(model: Any) -> Any:
    """The `torch.nn.Module` computing what `model` computes, with copies of its weights.

    model: a tensor `Sequential` of Linear, ReLU, Tanh, Sigmoid, Softmax, Dropout, Conv2d,
    MaxPool2d, AvgPool2d, Flatten, LayerNorm, BatchNorm1d (running statistics included),
    Embedding (and nested Sequentials), one such layer, or a scalar `MLP`/`Layer`/`Neuron`, which
    becomes Linear layers with ReLU between them (float64). Each layer keeps its dtype
    and its training flag (Dropout). The torch module takes a batch (N, in) where the
    scalar engine takes one sample, and returns (N, 1) where an MLP with one output
    returns a bare Value. Raises ImportError without torch, TypeError naming a layer
    that has no PyTorch counterpart.
    """
    torch = require("torch", "nn.to_torch")
    module = torch_layers.build(model, torch)
    module.load_state_dict(torch_state_dict(model))
    return module


def torch_state_dict(model: Any) -> dict[str, Any]:
    """PyTorch name -> torch.Tensor (a copy) of every parameter, in PyTorch's layouts.

    The names and shapes are those of `to_torch(model).state_dict()`.
    """
    torch = require("torch", "nn.torch_state_dict")
    return {name: torch.tensor(np.array(array, order="C"))  # 0-d stays 0-d (a batch count)
            for name, array in torch_arrays(model).items()}


def torch_arrays(model: Any, read: Any = None) -> dict[str, np.ndarray]:
    """PyTorch name -> numpy array in PyTorch's layout, built from `read(param)` for each
    parameter (its `.data` by default, buffers included; another `read`, such as one giving
    gradients, is asked about parameters only)."""
    slots = torch_layers.slots(model).items()
    if read is None:
        return {name: slot.to_torch([p.data for p in slot.sources]) for name, slot in slots}
    return {name: slot.to_torch([read(p) for p in slot.sources])
            for name, slot in slots if not slot.buffer}


def load_torch_state_dict(model: Any, state_dict: Mapping[str, Any]) -> Any:
    """Copy a PyTorch state dict (torch tensors or numpy arrays) into `model`; returns model.

    The names must be exactly those of `torch_state_dict(model)`, each tensor must have
    PyTorch's shape for it and the dtype of the parameter it fills (no silent casts: a
    float32 PyTorch model loads into a float32 chainrule model). Everything is checked
    before anything is written: on any problem a ValueError (TypeError for a mapping
    that is not one) lists every problem and no parameter changes, even if interrupted.
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"load_torch_state_dict: expected a mapping name -> tensor (a "
                        f"state_dict()), got {type(state_dict).__name__}")
    named = torch_layers.slots(model)
    expected = torch_arrays(model)
    missing = [name for name in named if name not in state_dict]
    problems = [f"missing: {', '.join(missing)}"] if missing else []
    unexpected = [str(name) for name in state_dict if name not in named]
    if unexpected:
        problems.append(f"unexpected: {', '.join(unexpected)}")
    arrays, hint = {}, ""
    for name, want in expected.items():
        if name not in state_dict:
            continue
        array, problem = _as_array(state_dict[name], want.dtype.kind)
        if problem is None and array.shape != want.shape:
            problem = f"expected shape {want.shape}, got {array.shape}" + _layout_hint(want, array)
        if problem is None and array.dtype != want.dtype:
            problem = f"expected dtype {want.dtype}, got {array.dtype}"
            hint = " (convert the PyTorch model first: .double() for float64, .float() for float32)"
        if problem is not None:
            problems.append(f"{name}: {problem}")
        arrays[name] = array
    if problems:
        problems[-1] += hint
        raise ValueError(f"load_torch_state_dict({type(model).__name__}): nothing was loaded; "
                         + "; ".join(problems))
    updates = []
    for name, slot in named.items():
        for param, piece in zip(slot.sources, slot.from_torch(arrays[name]), strict=True):
            if isinstance(param, Value):
                updates.append((param, float(piece)))
            else:  # a fresh array: never alias the caller's tensor
                updates.append((param, np.array(piece, dtype=param.data.dtype, order="C")))
    replace_data(updates, "load_torch_state_dict")  # as load_state_dict does
    return model


def _as_array(value: object, kind: str = "f") -> tuple[np.ndarray | None, str | None]:
    """(numpy array, None) for a torch tensor or array-like, else (None, the problem);
    `kind` "i" for an integer buffer (a BatchNorm's num_batches_tracked)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch.Tensor, without torch
        try:
            value = value.detach().cpu().numpy()
        except (TypeError, RuntimeError) as error:
            return None, f"cannot be read as a numpy array ({error})"
    array = np.asarray(value)
    if array.dtype.kind != kind:
        expected = "an integer" if kind == "i" else "a floating-point"
        return None, f"expected {expected} tensor, got dtype {array.dtype}"
    return array, None


def _layout_hint(want: np.ndarray, got: np.ndarray) -> str:
    if want.ndim == 2 and got.shape == want.shape[::-1]:
        return (" (PyTorch's Linear weight is (out_features, in_features); chainrule's "
                "own state_dict() has it transposed: load that with model.load_state_dict)")
    return ""
