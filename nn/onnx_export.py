"""`export_onnx`: the forward pass of a model, any graph of Tensor primitives, as ONNX.

The model is called on the example input (made a Tensor that records its graph), and
the graph under the output is read back through autograd's public view of it
(`topological_order`, `op`, `parents`, `data`, `_ctx`); each primitive becomes ONNX
nodes through the table in `nn.onnx_ops`, each parameter an initializer named as in
`named_parameters()`. Netron shows those names and the modules (node names carry the
module path, e.g. `Sequential/Linear/linear_3`).

What depends on the input is found by calling the model a second time, on other rows
of the example (perturbed by 0.1%, and a different number of them when the batch axis
is dynamic): both calls must record the same primitives; a constant that differs
between them was computed from the input outside the graph and is exported only if
`nn.onnx_ops.CONSTANT_RULES` can compute it in ONNX (softmax's shift, a mean's count);
otherwise the export refuses, naming it. Needs the `onnx` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from autograd import Tensor, is_grad_enabled
from nn.extras import require
from nn.layers import Linear, ReLU, Sequential
from nn.module import Module
from nn.onnx_emit import Emitter
from nn.onnx_ops import OPSET
from nn.onnx_trace import ExportError, match, trace, variant
from nn.scalar import MLP, Layer, Neuron

__all__ = ["export_onnx", "to_onnx", "ExportError", "OPSET"]


def export_onnx(model: Any, example_input: Any, path: str | PathLike, *,
                dynamic_batch: bool = True, input_names: Sequence[str] | None = None,
                output_name: str = "output") -> Path:
    """Write the ONNX model of `model`'s forward pass to `path`; returns the path.

    See `to_onnx` for the arguments and errors; OSError if the file cannot be written.
    """
    onnx = require("onnx", "nn.export_onnx")
    proto = to_onnx(model, example_input, dynamic_batch=dynamic_batch,
                    input_names=input_names, output_name=output_name)
    path = Path(path)
    onnx.save(proto, path)
    return path


def to_onnx(model: Any, example_input: Any, *, dynamic_batch: bool = True,
            input_names: Sequence[str] | None = None, output_name: str = "output") -> Any:
    """The `onnx.ModelProto` (opset `OPSET`) computing `model(example_input)` for any input.

    model: a Module or any function of Tensors returning a Tensor (a scalar `MLP`,
    `Layer` or `Neuron` is first turned into the equivalent Linear/ReLU `Sequential`).
    Modules are traced in eval mode (Dropout off) and left in the mode they were in.
    example_input: an array (N, ...) of floats, or a tuple of arrays for a function of
    several inputs (rows aligned); dtypes are kept (float32 stays float32, ints become
    float64). dynamic_batch: axis 0 of every input is named "batch" and may have any size.
    Raises ExportError (a ValueError) naming the primitive or constant that cannot be
    exported, TypeError for an output that is not a Tensor, ImportError without onnx.
    The result passes `onnx.checker.check_model(full_check=True)`.
    """
    onnx = require("onnx", "nn.to_onnx")
    if not is_grad_enabled():
        raise ExportError("to_onnx: called inside no_grad(), where no graph is recorded; "
                          "call it outside")
    if isinstance(model, (MLP, Layer, Neuron)):
        model = tensor_equivalent(model)
    arrays = _example(example_input, dynamic_batch)
    names = list(input_names) if input_names is not None else (
        ["input"] if len(arrays) == 1 else [f"input_{i}" for i in range(len(arrays))])
    if len(names) != len(arrays) or len(set(names)) != len(names):
        raise ValueError(f"to_onnx: input_names {names} must be {len(arrays)} distinct names")
    first = trace(model, arrays, names)
    second = trace(model, variant(arrays, dynamic_batch), names, retry=True)
    match(first, second)
    emitter = Emitter(onnx, first, second, _parameter_names(model), output_name)
    graph = emitter.graph(names, dynamic_batch)
    opset = [onnx.helper.make_opsetid("", OPSET)]
    proto = onnx.helper.make_model(graph, opset_imports=opset, producer_name="chainrule",
                                   ir_version=onnx.helper.find_min_ir_version_for(opset))
    proto = onnx.shape_inference.infer_shapes(proto, strict_mode=True)  # edge shapes in Netron
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _example(example: Any, dynamic_batch: bool) -> list[np.ndarray]:
    """The example input(s) as float arrays, checked."""
    items = list(example) if isinstance(example, tuple) else [example]
    if not items:
        raise ValueError("to_onnx: example_input is an empty tuple")
    arrays = []
    for i, item in enumerate(items):
        array = Tensor(item.data if isinstance(item, Tensor) else item).data
        where = "example_input" + (f"[{i}]" if len(items) > 1 else "")
        if dynamic_batch and array.ndim == 0:
            raise ValueError(f"to_onnx: {where} is 0-d, so it has no batch axis; give a "
                             f"batch (N, ...) or pass dynamic_batch=False")
        if not np.isfinite(array).all():
            raise ValueError(f"to_onnx: {where} contains NaN or inf")
        arrays.append(array)
    if dynamic_batch and len({len(a) for a in arrays}) > 1:
        raise ValueError(f"to_onnx: the inputs' batch sizes differ "
                         f"{[len(a) for a in arrays]}; axis 0 is the batch axis of each")
    return arrays


def _parameter_names(model: Any) -> dict[int, str]:
    if isinstance(model, Module):
        return {id(p): name for name, p in model.named_parameters()}
    return {}


def tensor_equivalent(model: MLP | Layer | Neuron) -> Sequential:
    """A tensor-engine Sequential of Linear (+ ReLU) computing what the scalar model does,
    with copies of its weights (float64); a batch (N, nin) in, (N, nout) out."""
    layers = model.layers if isinstance(model, MLP) else [model]
    modules: list[Module] = []
    for layer in layers:
        neurons = [layer] if isinstance(layer, Neuron) else layer.neurons
        if len({neuron.nonlin for neuron in neurons}) != 1:
            raise ValueError(f"{type(layer).__name__}: its neurons mix nonlin=True and False")
        linear = Linear(len(neurons[0].w), len(neurons), seed=0)
        linear.weight.data = np.array([[w.data for w in n.w] for n in neurons]).T.copy()
        linear.bias.data = np.array([n.b.data for n in neurons])
        modules += [linear, ReLU()] if neurons[0].nonlin else [linear]
    return Sequential(*modules)


