"""The layer -> `torch.nn` table: one entry per chainrule layer, used by `nn.to_torch`.

An entry says two things about a layer class:

* `build(layer, torch, where)`: the equivalent, freshly made `torch.nn.Module`, in the
  layer's dtype (its weights are loaded afterwards, from the slots);
* `slots(layer)`: for each tensor of that module's `state_dict()` (PyTorch's local
  name, "weight"), a `Slot` naming the chainrule parameters it is made of and the
  change of layout both ways. chainrule's `Linear` keeps its weight as
  (in_features, out_features) so that a batch is `x @ W + b`; PyTorch's is
  (out_features, in_features): the slot transposes. A scalar `Layer`'s weight is
  `nout * nin` separate `Value`s, gathered into one (nout, nin) matrix.

Containers (`Sequential`, the scalar `MLP`) build from their children's entries and
prefix their slots with PyTorch's child names ("0.", "1.", ...). A layer added later
(`LayerNorm`, `Conv2d`, ...) is one more `register` call. Lookup is by exact class: a
subclass may compute something else in its `forward`, so it needs its own entry.
torch is passed in, never imported here, so `nn` imports without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from autograd.graph import Node
from nn.activations import (
    CELU,
    ELU,
    GELU,
    SELU,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    ReLU6,
    SiLU,
    Softplus,
    Softsign,
)
from nn.conv import Conv2d
from nn.embedding import Embedding
from nn.layers import (
    Dropout,
    Flatten,
    Identity,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from nn.norm import BatchNorm1d, LayerNorm
from nn.pool import AvgPool2d, MaxPool2d
from nn.scalar import MLP, Layer, Neuron


@dataclass(frozen=True)
class Slot:
    """One tensor of a PyTorch state dict and the chainrule parameters it is made of.

    to_torch(arrays) gets one array (or float, for a `Value`) per source and returns the
    tensor in PyTorch's layout; from_torch(array) is its inverse: one piece per source.
    """

    sources: tuple[Node, ...]
    to_torch: Callable[[list], np.ndarray]
    from_torch: Callable[[np.ndarray], list]
    buffer: bool = False  # a buffer (running statistics): in the state dict, not optimized


@dataclass(frozen=True)
class TorchLayer:
    """An entry of the table: how to build the torch module, and its parameter slots."""

    build: Callable[[Any, ModuleType, str], Any]
    slots: Callable[[Any], dict[str, Slot]]


TORCH_LAYERS: dict[type, TorchLayer] = {}


def register(cls: type, build: Callable[[Any, ModuleType, str], Any],
             slots: Callable[[Any], dict[str, Slot]] = lambda layer: {}) -> None:
    """Add (or replace) the entry of layer class `cls`; `slots` defaults to no parameters."""
    TORCH_LAYERS[cls] = TorchLayer(build, slots)


def entry(layer: object, where: str) -> TorchLayer:
    """The entry for `layer`'s exact class; TypeError naming the layer if there is none."""
    found = TORCH_LAYERS.get(type(layer))
    if found is None:
        known = ", ".join(sorted(cls.__name__ for cls in TORCH_LAYERS))
        raise TypeError(f"{where} is a {type(layer).__name__}, which has no PyTorch counterpart "
                        f"in nn.torch_layers (known: {known}); add one with "
                        f"nn.torch_layers.register")
    return found


def build(layer: object, torch: ModuleType, where: str = "model") -> Any:
    """The torch.nn.Module for `layer` (weights not loaded), with its training flag."""
    module = entry(layer, where).build(layer, torch, where)
    # This module's flag only (not .train()): its children have set their own.
    module.training = bool(getattr(layer, "training", True))
    return module


def slots(layer: object, where: str = "model") -> dict[str, Slot]:
    """PyTorch state-dict name -> Slot for every parameter tensor of `layer`'s torch module."""
    return entry(layer, where).slots(layer)


def torch_dtype(torch: ModuleType, dtype: np.dtype) -> Any:
    """The torch dtype of a numpy float dtype (float64 -> torch.float64)."""
    return getattr(torch, np.dtype(dtype).name)


# ---------------------------------------------------------------- slots
def _same(source: Node) -> Slot:
    return Slot((source,), lambda arrays: arrays[0], lambda array: [array])


def _transposed(source: Node) -> Slot:
    return Slot((source,), lambda arrays: arrays[0].T, lambda array: [array.T])


def _matrix(sources: Sequence[Node], shape: tuple[int, ...]) -> Slot:
    """Scalar `Value`s, row-major, as one float64 array of `shape`."""
    return Slot(tuple(sources), lambda values: np.reshape(np.asarray(values, np.float64), shape),
                lambda array: array.ravel().tolist())


def _prefixed(prefix: str, named: dict[str, Slot]) -> dict[str, Slot]:
    return {f"{prefix}.{name}": slot for name, slot in named.items()}


# ---------------------------------------------------------------- tensor layers
def _linear(layer: Linear, torch: ModuleType, where: str) -> Any:
    return torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None,
                           dtype=torch_dtype(torch, layer.weight.data.dtype))


def _linear_slots(layer: Linear) -> dict[str, Slot]:
    named = {"weight": _transposed(layer.weight)}
    if layer.bias is not None:
        named["bias"] = _same(layer.bias)
    return named


register(Linear, _linear, _linear_slots)
register(Identity, lambda layer, torch, where: torch.nn.Identity())
register(ReLU, lambda layer, torch, where: torch.nn.ReLU())
register(Tanh, lambda layer, torch, where: torch.nn.Tanh())
register(Sigmoid, lambda layer, torch, where: torch.nn.Sigmoid())
register(Softmax, lambda layer, torch, where: torch.nn.Softmax(dim=layer.axis))
register(Dropout, lambda layer, torch, where: torch.nn.Dropout(p=layer.p))
register(LeakyReLU, lambda layer, torch, where: torch.nn.LeakyReLU(layer.negative_slope))
register(ELU, lambda layer, torch, where: torch.nn.ELU(layer.alpha))
register(CELU, lambda layer, torch, where: torch.nn.CELU(layer.alpha))
register(SELU, lambda layer, torch, where: torch.nn.SELU())
register(SiLU, lambda layer, torch, where: torch.nn.SiLU())
register(GELU, lambda layer, torch, where: torch.nn.GELU(layer.approximate))
# PyTorch's Softplus returns x where beta x > threshold (20 by default), ~2e-9 off the exact
# value chainrule computes; at 40, exp(-40) ~ 4e-18 is below float64's resolution.
register(Softplus, lambda layer, torch, where: torch.nn.Softplus(layer.beta, threshold=40.0))
register(LogSigmoid, lambda layer, torch, where: torch.nn.LogSigmoid())
register(Softsign, lambda layer, torch, where: torch.nn.Softsign())
register(Hardtanh, lambda layer, torch, where: torch.nn.Hardtanh(layer.min_val, layer.max_val))
register(ReLU6, lambda layer, torch, where: torch.nn.ReLU6())
register(Sequential,
         lambda layer, torch, where: torch.nn.Sequential(
             *(build(child, torch, f"{where}.layers.{i}") for i, child in enumerate(layer))),
         lambda layer: {name: slot for i, child in enumerate(layer)
                        for name, slot in _prefixed(str(i), slots(child)).items()})


def _weight_and_bias(layer: object) -> dict[str, Slot]:
    """weight and bias in the same layout in both libraries (either may be None)."""
    return {name: _same(getattr(layer, name)) for name in ("weight", "bias")
            if getattr(layer, name) is not None}


def _dtype(torch: ModuleType, layer: object) -> Any:
    return torch_dtype(torch, layer.weight.data.dtype)


def _conv2d(layer: Conv2d, torch: ModuleType, where: str) -> Any:
    return torch.nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                           stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                           bias=layer.bias is not None, dtype=_dtype(torch, layer))


def _batch_norm(layer: BatchNorm1d, torch: ModuleType, where: str) -> Any:
    dtype = (layer.weight if layer.weight is not None else layer.running_mean)
    return torch.nn.BatchNorm1d(
        layer.num_features, eps=layer.eps, momentum=layer.momentum,
        affine=layer.weight is not None, track_running_stats=layer.running_mean is not None,
        dtype=None if dtype is None else torch_dtype(torch, dtype.data.dtype))


def _batch_norm_slots(layer: BatchNorm1d) -> dict[str, Slot]:
    named = _weight_and_bias(layer)
    if layer.running_mean is not None:
        for name in ("running_mean", "running_var"):
            named[name] = Slot((getattr(layer, name),), lambda arrays: arrays[0],
                               lambda array: [array], buffer=True)
        # PyTorch counts batches in an int64; chainrule's buffers are float Tensors
        named["num_batches_tracked"] = Slot(
            (layer.num_batches_tracked,), lambda arrays: np.asarray(arrays[0], np.int64),
            lambda array: [np.asarray(array, np.float64)], buffer=True)
    return named


register(Conv2d, _conv2d, _weight_and_bias)
register(MaxPool2d, lambda layer, torch, where: torch.nn.MaxPool2d(
    layer.kernel_size, layer.stride, layer.padding, layer.dilation))
register(AvgPool2d, lambda layer, torch, where: torch.nn.AvgPool2d(
    layer.kernel_size, layer.stride, layer.padding, count_include_pad=layer.count_include_pad))
register(Flatten, lambda layer, torch, where: torch.nn.Flatten(layer.start_dim, layer.end_dim))
register(LayerNorm, lambda layer, torch, where: torch.nn.LayerNorm(
    layer.normalized_shape, eps=layer.eps, elementwise_affine=layer.weight is not None,
    bias=layer.bias is not None, dtype=None if layer.weight is None else _dtype(torch, layer)),
    _weight_and_bias)
register(BatchNorm1d, _batch_norm, _batch_norm_slots)
register(Embedding, lambda layer, torch, where: torch.nn.Embedding(
    layer.num_embeddings, layer.embedding_dim, padding_idx=layer.padding_idx,
    dtype=_dtype(torch, layer)), lambda layer: {"weight": _same(layer.weight)})


# ---------------------------------------------------------------- the scalar engine
# A Neuron or Layer is Linear (+ ReLU when nonlin); an MLP is Linear, ReLU, ..., Linear
# flattened into one Sequential, as a PyTorch user would write it.
def _neurons(layer: Neuron | Layer) -> list[Neuron]:
    neurons = [layer] if isinstance(layer, Neuron) else layer.neurons
    if len({neuron.nonlin for neuron in neurons}) != 1:
        raise ValueError(f"{type(layer).__name__}: its neurons mix nonlin=True and False, "
                         f"which no torch.nn.Linear + ReLU can express")
    return neurons


def _scalar_modules(layer: Neuron | Layer, torch: ModuleType) -> list[Any]:
    neurons = _neurons(layer)
    linear = torch.nn.Linear(len(neurons[0].w), len(neurons), dtype=torch.float64)
    return [linear, torch.nn.ReLU()] if neurons[0].nonlin else [linear]


def _scalar_slots(layer: Neuron | Layer) -> dict[str, Slot]:
    neurons = _neurons(layer)
    weights = [w for neuron in neurons for w in neuron.w]
    return {"weight": _matrix(weights, (len(neurons), len(neurons[0].w))),
            "bias": _matrix([neuron.b for neuron in neurons], (len(neurons),))}


def _scalar_build(layer: Neuron | Layer, torch: ModuleType, where: str) -> Any:
    modules = _scalar_modules(layer, torch)
    return modules[0] if len(modules) == 1 else torch.nn.Sequential(*modules)


def _scalar_layer_slots(layer: Neuron | Layer) -> dict[str, Slot]:
    named = _scalar_slots(layer)
    return _prefixed("0", named) if _neurons(layer)[0].nonlin else named


def _mlp_build(mlp: MLP, torch: ModuleType, where: str) -> Any:
    return torch.nn.Sequential(*(m for layer in mlp.layers for m in _scalar_modules(layer, torch)))


def _mlp_slots(mlp: MLP) -> dict[str, Slot]:
    named, index = {}, 0
    for layer in mlp.layers:
        named.update(_prefixed(str(index), _scalar_slots(layer)))
        index += 2 if _neurons(layer)[0].nonlin else 1
    return named


register(Neuron, _scalar_build, _scalar_layer_slots)
register(Layer, _scalar_build, _scalar_layer_slots)
register(MLP, _mlp_build, _mlp_slots)
