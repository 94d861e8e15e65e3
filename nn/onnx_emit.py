"""The ONNX graph builder behind `nn.to_onnx`: what the entries of `nn.onnx_ops` call.

It walks the first traced graph in topological order and asks the table for each
primitive's ONNX nodes; it compares each node with its twin in the second trace (the
same position) to decide what is fixed and what depends on the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nn.onnx_ops import CONSTANT_RULES, ONNX_OPS
from nn.onnx_trace import ExportError, Trace


class Emitter:
    """Collects ONNX nodes and initializers for the graph of `first` (twin: `second`)."""

    def __init__(self, onnx: Any, first: Trace, second: Trace, parameter_names: dict[int, str],
                 output_name: str) -> None:
        self.onnx, self.helper = onnx, onnx.helper
        self.first, self.second = first, second
        self.parameter_names = parameter_names
        self.output_name = output_name
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.values: dict[int, str] = {}  # position -> ONNX value name
        self.taken: set[str] = {output_name}  # every value name in the graph, each once
        self.cache: dict[tuple, str] = {}  # small integer constants, shared
        self.position = -1  # the node being emitted
        self.parts = 0  # ONNX nodes emitted for it so far
        self.made: set[str] = set()  # the values those nodes output

    # -------------------------------------------------------------- the walk
    def graph(self, input_names: list[str], dynamic_batch: bool) -> Any:
        """The onnx GraphProto: every node of the first trace, then the output."""
        order = self.first.order
        self.taken.update(input_names)
        for k, node in enumerate(order):
            kind = self.first.kinds[k]
            if kind[0] == "input":
                self.values[k] = input_names[kind[1]]
            elif kind[0] == "parameter":
                self.values[k] = self.initializer(node)
            elif kind[0] == "op":
                self.position, self.parts, self.made = k, 0, set()
                emit = ONNX_OPS.get(node.op)
                if emit is None:
                    raise self.error(node, f"the primitive {node.op!r} has no ONNX counterpart "
                                           f"(no entry in nn.onnx_ops.ONNX_OPS)")
                self.values[k] = emit(self, node)
        root = self._output()
        inputs = [self._value_info(name, x.data, self.second.inputs[i].data, dynamic_batch)
                  for i, (name, x) in enumerate(zip(input_names, self.first.inputs,
                                                    strict=True))]
        output = self._value_info(root, order[-1].data, self.second.order[-1].data, True)
        return self.helper.make_graph(self.nodes, "chainrule", inputs, [output],
                                      self.initializers)

    def _output(self) -> str:
        """Name the root's value `output_name`: rename it where the root's own nodes made
        it, else (a leaf, or an entry that passed a parent's value on) add an Identity."""
        name = self.values[len(self.first.order) - 1]
        if name in self.made:  # the root is the last node: `made` holds its values
            for node in self.nodes:
                if name in node.output:
                    node.output[list(node.output).index(name)] = self.output_name
                    return self.output_name
        self.nodes.append(self.helper.make_node("Identity", [name], [self.output_name]))
        return self.output_name

    def _value_info(self, name: str, data: np.ndarray, twin: np.ndarray, dynamic: bool) -> Any:
        """Type and shape of a graph input/output: axes that differ between the calls are
        symbolic ("batch" when they follow the batch size)."""
        batch = (len(self.first.inputs[0].data), len(self.second.inputs[0].data)) \
            if self.first.inputs[0].data.ndim else None
        shape: list[int | str] = []
        for i, (a, b) in enumerate(zip(data.shape, twin.shape, strict=True)):
            if dynamic and (a, b) == batch:
                shape.append("batch")
            else:
                shape.append(a if a == b else f"{name}_dim{i}")
        return self.helper.make_tensor_value_info(name, self.onnx_type(data.dtype), shape)

    # -------------------------------------------------------------- for the table's entries
    def op(self, op_type: str, inputs: list[str], **attributes: Any) -> str:
        """Add one ONNX node; returns the name of its (single) output."""
        node = self.first.order[self.position]
        base = f"{node.op}_{self.position}"
        out = self._unique(base if self.parts == 0 else f"{base}.{self.parts}")
        scope = getattr(node, "scope", None)
        prefix = f"{scope.path}/" if scope is not None else ""
        self.nodes.append(self.helper.make_node(op_type, inputs, [out],
                                                name=f"{prefix}{out}", **attributes))
        self.parts += 1
        self.made.add(out)
        return out

    def inputs(self, node: Any) -> list[str]:
        """Value names of node's parents, each cast to node's dtype if numpy promoted it."""
        names = []
        for j, parent in enumerate(node.parents):
            name = self._constant(node, j) if self.is_constant(parent) else self.value(parent)
            if parent.data.dtype != node.data.dtype and parent.data.dtype.kind == "f":
                name = self.op("Cast", [name], to=self.onnx_type(node.data.dtype))
            names.append(name)
        return names

    def value(self, node: Any) -> str:
        """The ONNX value of an input, parameter or computed node (not a constant)."""
        return self.values[self.first.position[node]]

    def ctx(self, node: Any) -> Any:
        """node's constants; ExportError if they differ in the second call."""
        twin = self.twins(node)[1]
        if not _same(node._ctx, twin._ctx):
            raise self.error(node, f"its constants ({_short(node._ctx)}) change with the input "
                                   f"(with the batch size, usually), which ONNX cannot follow; "
                                   f"export with dynamic_batch=False to fix the batch size")
        return node._ctx

    def reshape_target(self, node: Any) -> list[int]:
        """reshape's target shape, with a batch-sized entry as 0 (copy that axis of the
        input) or -1 (infer it): the only entries ONNX can let vary."""
        twin = self.twins(node)[1]
        shape, other = list(node._ctx), list(twin._ctx)
        if 0 in shape:
            raise self.error(node, f"reshape to {tuple(shape)}: ONNX reads 0 as 'copy this axis'")
        if len(shape) != len(other):
            return self.ctx(node)  # raises
        before, after = node.parents[0].data.shape, twin.parents[0].data.shape
        for i, (a, b) in enumerate(zip(shape, other, strict=True)):
            if a == b:
                continue
            if i < len(before) and (before[i], after[i]) == (a, b):
                shape[i] = 0
            elif -1 not in shape:
                shape[i] = -1
            else:
                raise self.error(node, f"reshape to {tuple(shape)}, then {tuple(other)}: more "
                                       f"than one size follows the batch")
        return shape

    def twins(self, node: Any) -> tuple[Any, Any]:
        """(node, the node at its position in the second call)."""
        return node, self.second.order[self.first.position[node]]

    def is_constant(self, node: Any) -> bool:
        return self.first.kinds[self.first.position[node]][0] == "constant"

    def unchanged(self, node: Any) -> bool:
        """A constant whose array is the same in both calls."""
        a, b = (n.data for n in self.twins(node))
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)

    def initializer(self, node: Any) -> str:
        """The initializer of a parameter or constant leaf (one per leaf)."""
        k = self.first.position[node]
        if k not in self.values:
            name = self.parameter_names.get(id(node)) or node.label or (
                f"param_{k}" if self.first.kinds[k][0] == "parameter" else f"constant_{k}")
            self.values[k] = self._add_initializer(name, node.data)
        return self.values[k]

    def constant(self, array: np.ndarray) -> str:
        return self._add_initializer(f"constant_{self.position}", np.asarray(array))

    def scalar(self, value: float, dtype: np.dtype) -> str:
        return self._add_initializer(f"constant_{self.position}", np.asarray(value, dtype))

    def ints(self, values: Any) -> str:
        """An int64 constant (axes, shapes, indices), shared between nodes."""
        array = np.asarray(values, dtype=np.int64)
        key = (array.shape, array.tobytes())
        if key not in self.cache:
            self.cache[key] = self._add_initializer("ints", array)
        return self.cache[key]

    def onnx_type(self, dtype: Any) -> int:
        return self.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def error(self, node: Any, message: str) -> ExportError:
        k = self.first.position[node]
        scope = getattr(node, "scope", None)
        where = f", in {scope.path}" if scope is not None else ""
        return ExportError(f"to_onnx: node {k} of {len(self.first.order)} ('{node.op}'{where}): "
                           f"{message}")

    # -------------------------------------------------------------- helpers
    def _constant(self, node: Any, j: int) -> str:
        for rule in CONSTANT_RULES:
            name = rule(self, node, j)
            if name is not None:
                return name
        shape = node.parents[j].data.shape
        raise self.error(node, f"its input {j} is a constant of shape {shape} that changes with "
                               f"the input: it was computed from the input's values outside the "
                               f"graph (or is random, as Dropout in training), so ONNX cannot "
                               f"compute it")

    def _unique(self, hint: str) -> str:
        name, n = hint, 1
        while name in self.taken:
            name, n = f"{hint}_{n}", n + 1
        self.taken.add(name)
        return name

    def _add_initializer(self, hint: str, array: np.ndarray) -> str:
        name = self._unique(hint)
        # np.array, not np.ascontiguousarray: that makes a 0-d array 1-d
        self.initializers.append(self.onnx.numpy_helper.from_array(np.array(array, order="C"),
                                                                   name))
        return name


def _same(a: Any, b: Any) -> bool:
    """Deep equality of primitive constants: tuples, slices, arrays, dataclasses, numbers."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, slice):
        return _same((a.start, a.stop, a.step), (b.start, b.stop, b.step))
    if hasattr(a, "__dataclass_fields__"):  # the fused loss's targets: compare what it reads
        keys = [k for k in a.__dataclass_fields__ if k not in ("softmax", "flat", "shape")]
        return all(_same(getattr(a, k), getattr(b, k)) for k in keys)
    return bool(a == b)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
