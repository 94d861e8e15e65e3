"""Tracing a model for ONNX export: record its graph, twice, and check the two agree.

A graph is read only through autograd's public view: `topological_order`, `node.op`
("" for a leaf), `node.parents`, `node.data`, `node.requires_grad` (a leaf that wants a
gradient is a parameter, one that does not a constant) and `node._ctx`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd import Tensor, Value, topological_order
from nn.module import Module

_PERTURBATION = 1e-3  # relative change of the second call's input values
_EXTRA_ROWS = 2  # the second call's batch is this much larger when the batch axis is dynamic


class ExportError(ValueError):
    """A model, or a part of its graph, that cannot be written as ONNX."""


@dataclass
class Trace:
    """One recorded call: its input leaves, its nodes (root last), each node's position."""

    inputs: list[Tensor]
    order: list[Any]
    position: dict[Any, int] = field(default_factory=dict)
    kinds: list[tuple] = field(default_factory=list)


def trace(model: Any, arrays: list[np.ndarray], names: list[str], retry: bool = False) -> Trace:
    """Call `model` on Tensors made from `arrays` (in eval mode for a Module); its graph.

    retry marks the second call: a failure there is reported as the model not accepting
    another input of the same kind (another batch size, usually).
    """
    inputs = [Tensor(a, requires_grad=True, label=n) for a, n in zip(arrays, names, strict=True)]
    modes = [(m, m.training) for _, m in model.named_modules()] if isinstance(model, Module) else []
    try:
        for module, _ in modes:
            module.training = False
        out = model(*inputs)
    except Exception as error:
        if not retry:
            raise
        shapes = [a.shape for a in arrays]
        raise ExportError(f"to_onnx: the model fails on a second input of shape(s) {shapes}, "
                          f"called to find what depends on the input ({type(error).__name__}: "
                          f"{error}); an ONNX graph must work for every input of that kind: "
                          f"pass dynamic_batch=False if it only works for one batch size") \
            from error
    finally:
        for module, mode in modes:
            module.training = mode
    if isinstance(out, (Value, list)):
        raise TypeError("to_onnx: the model returned Values (the scalar engine); only "
                        "Tensor graphs export (nn.MLP, Layer and Neuron are converted)")
    if not isinstance(out, Tensor):
        raise TypeError(f"to_onnx: the model must return one Tensor, got {type(out).__name__}")
    order = topological_order(out, lambda node: node.parents)
    if not out.requires_grad:
        raise ExportError("to_onnx: the model's output does not depend on its input or "
                          "parameters (it is a constant): there is no graph to export")
    result = Trace(inputs, order, {node: k for k, node in enumerate(order)})
    where = {id(x): i for i, x in enumerate(inputs)}
    for node in order:
        if id(node) in where:
            result.kinds.append(("input", where[id(node)]))
        elif node.op:
            result.kinds.append(("op", node.op))
        elif node.requires_grad:
            result.kinds.append(("parameter", id(node)))
        else:
            result.kinds.append(("constant",))
    return result


def variant(arrays: list[np.ndarray], dynamic_batch: bool) -> list[np.ndarray]:
    """Other rows of the example (the same rows of every input), each value changed by up
    to 0.1% (signs and zeros kept); `_EXTRA_ROWS` more rows if the batch axis is dynamic."""
    rng = np.random.default_rng(0)
    if dynamic_batch:
        n = len(arrays[0])
        rows = rng.integers(0, n, n + _EXTRA_ROWS)
        arrays = [a[rows] for a in arrays]
    return [a * (1 + _PERTURBATION * rng.uniform(-1.0, 1.0, a.shape)).astype(a.dtype)
            for a in arrays]


def match(first: Trace, second: Trace) -> None:
    """Raise ExportError unless both calls recorded the same primitives on the same inputs."""
    if len(first.order) != len(second.order):
        raise ExportError(f"to_onnx: the model records {len(first.order)} nodes for one "
                          f"input and {len(second.order)} for another: its graph depends on "
                          f"the input's values or batch size, and ONNX needs one graph")
    for k, (a, b) in enumerate(zip(first.order, second.order, strict=True)):
        same_parents = ([first.position[p] for p in a.parents]
                        == [second.position[p] for p in b.parents])
        if first.kinds[k][0] == second.kinds[k][0] == "parameter" and a is not b:
            raise ExportError(f"to_onnx: node {k} is a different parameter in each call: a "
                              f"Tensor with requires_grad=True made inside the model; make it "
                              f"once, outside, or make it a constant")
        if first.kinds[k] != second.kinds[k] or not same_parents:
            raise ExportError(f"to_onnx: the model's graph depends on its input: node {k} is "
                              f"{_describe(first.kinds[k])} in one call and "
                              f"{_describe(second.kinds[k])} in another, or has other parents")


def _describe(kind: tuple) -> str:
    if kind[0] == "op":
        return f"primitive {kind[1]!r}"
    return f"input {kind[1]}" if kind[0] == "input" else f"a {kind[0]}"
