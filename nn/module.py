"""`Module`: the base class of every network, plus `save`/`load` of its parameters.

A module finds its parameters by looking through its instance attributes (in the
order they were assigned) and, inside them, through lists, tuples and dicts of
sub-modules and parameters. A parameter is a graph leaf that wants a gradient:
a `Value` leaf, or a `Tensor` leaf with `requires_grad=True`. Names are dotted
paths: `layers.0.weight`, `layers.1.w.3` for element 3 of a list `w`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from autograd import Value
from autograd.graph import Node, replace_data, scoped_call
from nn import archive


def is_parameter(obj: object) -> bool:
    """True for a `Value` leaf or a `Tensor` leaf with requires_grad=True."""
    return (isinstance(obj, Node) and obj._op is None
            and getattr(obj, "requires_grad", True))  # Value has no flag: every leaf counts


def _entries(obj: object) -> Iterator[tuple[str, object]]:
    """(key, member) pairs of a module or container, in a stable order."""
    if isinstance(obj, dict):
        return ((str(key), item) for key, item in obj.items())
    if isinstance(obj, (list, tuple)):
        return ((str(i), item) for i, item in enumerate(obj))
    return iter(vars(obj).items())  # a Module: instance attributes in assignment order


def _walk(root: Module, into_modules: bool = True) -> Iterator[tuple[str, object]]:
    """(dotted name, object) for every sub-module and parameter under `root`, depth first.

    Iterative, and each object is reported once (a shared parameter keeps its first name).
    With `into_modules=False` it stops at the direct sub-modules.
    """
    seen = {id(root)}
    stack = [("", _entries(root))]
    while stack:
        prefix, entries = stack[-1]
        for key, obj in entries:
            if isinstance(obj, Node):
                if is_parameter(obj) and id(obj) not in seen:
                    seen.add(id(obj))
                    yield prefix + key, obj
            elif isinstance(obj, (Module, list, tuple, dict)) and id(obj) not in seen:
                seen.add(id(obj))
                name = prefix + key
                if isinstance(obj, Module):
                    yield name, obj
                    if not into_modules:
                        continue
                stack.append((name + ".", _entries(obj)))
                break
        else:
            stack.pop()


def _parameters(root: Module) -> list[Node]:
    """The parameters `_walk` would name, in the same order, without building names.

    `parameters()` runs in training loops, so it skips the string work (~3x faster).
    """
    out: list[Node] = []
    seen = {id(root)}
    stack = [iter(vars(root).values())]
    while stack:
        for obj in stack[-1]:
            if isinstance(obj, Node):
                if obj._op is None and getattr(obj, "requires_grad", True) \
                        and id(obj) not in seen:
                    seen.add(id(obj))
                    out.append(obj)
            elif isinstance(obj, (Module, list, tuple, dict)) and id(obj) not in seen:
                seen.add(id(obj))
                members = obj.values() if isinstance(obj, dict) else \
                    obj if isinstance(obj, (list, tuple)) else vars(obj).values()
                stack.append(iter(members))
                break
        else:
            stack.pop()
    return out


def _shape(param: Node) -> tuple[int, ...]:
    return () if isinstance(param, Value) else tuple(param.data.shape)


def _dtype(param: Node) -> np.dtype:
    return np.dtype(np.float64) if isinstance(param, Value) else param.data.dtype


def _dtype_problem(name: str, dtype: np.dtype, param: Node) -> str | None:
    if dtype.kind in "biuf":
        return None
    return f"{name}: expected real numbers (for a {_dtype(param)} parameter), got dtype {dtype}"


def _shape_problem(name: str, shape: tuple[int, ...], param: Node) -> str | None:
    if tuple(shape) == _shape(param):
        return None
    return f"shape mismatch for {name}: expected {_shape(param)}, got {tuple(shape)}"


def _value_problem(name: str, array: np.ndarray, param: Node) -> str | None:
    """NaN or inf, or values beyond what the parameter's dtype holds (float32 overflow)."""
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array)
        if bad.any():
            where = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), array.shape))
            return (f"{name}: expected finite numbers, got {float(array[where])!r} at index "
                    f"{where} ({int(bad.sum())} of {array.size} entries)")
    largest = np.finfo(_dtype(param)).max
    if array.size and array.dtype.kind in "iuf" and np.abs(array).max() > largest:
        where = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(array))),
                                                        array.shape))
        return (f"{name}: {float(array[where])!r} at index {where} is too large for the "
                f"{_dtype(param)} parameter (largest: {largest:.4g})")
    return None


class LoadResult(NamedTuple):
    """What `load_state_dict(strict=False)` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class: subclasses define `forward`; `module(x)` runs it inside a named scope.

    `__init__` is optional for subclasses: the `training` flag has a class default.
    """

    training: bool = True
    # Names of attributes holding buffers: constant Tensors that are state but no
    # parameters (BatchNorm's running statistics). state_dict() saves them too.
    buffer_names: tuple[str, ...] = ()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it."""
        raise TypeError(f"{type(self).__name__} does not define forward()")

    # module(x) runs forward(x) inside a scope named after the class, so that
    # visualize can fold this call's nodes into one box.
    __call__ = scoped_call("forward")

    # ------------------------------------------------------------ discovery
    def named_parameters(self) -> list[tuple[str, Node]]:
        """(dotted name, parameter) pairs in attribute order, each parameter once."""
        return [(name, obj) for name, obj in _walk(self) if not isinstance(obj, Module)]

    def parameters(self) -> list[Node]:
        """Every parameter (Value leaves, requires_grad Tensor leaves), in attribute order."""
        return _parameters(self)

    def named_buffers(self) -> list[tuple[str, Node]]:
        """(dotted name, buffer) of every sub-module's buffers (`buffer_names`), in
        module order: `layers.1.running_mean`."""
        return [(f"{prefix}.{name}" if prefix else name, getattr(module, name))
                for prefix, module in self.named_modules() for name in module.buffer_names
                if getattr(module, name, None) is not None]

    def named_modules(self) -> list[tuple[str, Module]]:
        """("", self) followed by every sub-module with its dotted name."""
        return [("", self)] + [(n, m) for n, m in _walk(self) if isinstance(m, Module)]

    def children(self) -> list[tuple[str, Module]]:
        """The direct sub-modules with their names relative to this module."""
        return [(n, m) for n, m in _walk(self, into_modules=False) if isinstance(m, Module)]

    def num_parameters(self) -> int:
        """Total number of scalars in all parameters."""
        return sum(1 if isinstance(p, Value) else int(p.data.size) for p in self.parameters())

    # ------------------------------------------------------------ training state
    def zero_grad(self) -> None:
        """Reset gradients: a Value's grad to 0.0, a Tensor's grad to None."""
        for param in self.parameters():
            param.grad = 0.0 if isinstance(param, Value) else None

    def train(self, mode: bool = True) -> Module:
        """Set `training` on this module and every sub-module; returns self."""
        for _, module in self.named_modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Same as `train(False)`: Dropout becomes the identity."""
        return self.train(False)

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict[str, np.ndarray]:
        """name -> copy of the parameter's (or buffer's) data as a numpy array (a Value gives
        a 0-d array): the parameters, then the buffers."""
        return {name: np.array(param.data, copy=True)
                for name, param in self.named_parameters() + self.named_buffers()}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> LoadResult:
        """Copy `state` into the parameters, keeping each parameter's dtype.

        Everything is checked before anything is assigned: with strict=True missing and
        unexpected names are errors; a shape mismatch, values that are not real numbers,
        NaN or inf, and values a float32 parameter cannot hold are always errors. On
        error no parameter changes (nor on an interrupt: the assignment is all or none).
        Graphs recorded before the load cannot be backpropagated after it.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a mapping name -> array, "
                            f"got {type(state).__name__}")
        own = dict(self.named_parameters() + self.named_buffers())
        missing = [name for name in own if name not in state]
        unexpected = [str(name) for name in state if name not in own]
        problems = []
        if strict and missing:
            problems.append(f"missing: {', '.join(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected: {', '.join(unexpected)}")
        arrays = {}
        for name, param in own.items():
            if name not in state:
                continue
            entry = state[name]
            array = np.asarray(entry.data if isinstance(entry, Node) else entry)
            problem = (_dtype_problem(name, array.dtype, param)
                       or _shape_problem(name, array.shape, param)
                       or _value_problem(name, array, param))
            if problem:
                problems.append(problem)
            arrays[name] = array
        if problems:
            raise ValueError(f"load_state_dict({type(self).__name__}): nothing was loaded; "
                             + "; ".join(problems))
        new = {name: float(array) if isinstance(own[name], Value)
               else np.array(array, dtype=own[name].data.dtype, copy=True)  # never alias
               for name, array in arrays.items()}
        replace_data([(own[name], data) for name, data in new.items()], "load_state_dict")
        return LoadResult(missing, unexpected)

    # ------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The module's own settings for its repr (`in_features=2, ...`)."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): {module!r}".replace("\n", "\n  ") for name, module in self.children()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def save(module: Module, path: str | PathLike) -> Path:
    """Write `module.state_dict()` to an .npz file (".npz" is appended if missing)."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    np.savez(path, **module.state_dict())
    return path


def load(module: Module, path: str | PathLike, strict: bool = True) -> Module:
    """Load parameters and buffers saved by `save` into `module` (no pickles are read);
    returns module.

    Names, shapes and dtypes are checked against the module from the archive's headers
    before any array is decompressed; then the values (finite, within the parameter's
    dtype). Every error names the file, the entry and what was expected, and leaves the
    parameters as they were: FileNotFoundError for a missing file, ValueError for the rest.
    """
    path = Path(path)
    if not path.exists() and path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    infos = archive.entries(path)
    own = dict(module.named_parameters() + module.named_buffers())
    where = f"nn.load({type(module).__name__}): {path}"
    missing = [name for name in own if name not in infos]
    unexpected = [name for name in infos if name not in own]
    problems = []
    if strict and missing:
        problems.append(f"missing entries: {', '.join(missing)}")
    if strict and unexpected:
        problems.append(f"unexpected entries: {', '.join(unexpected)} (the module has none "
                        "of these names)")
    if problems:  # nothing read past the zip's directory
        raise ValueError(f"{where}: " + "; ".join(problems) + "; nothing was loaded")
    headers = archive.headers(path, {name: infos[name] for name in own if name in infos})
    for name, header in headers.items():
        problem = (_dtype_problem(f"entry {name!r}", header.dtype, own[name])
                   or _shape_problem(f"entry {name!r}", header.shape, own[name]))
        if problem:
            problems.append(problem)
    if problems:  # nothing decompressed
        raise ValueError(f"{where}: " + "; ".join(problems) + "; nothing was loaded")
    state = archive.arrays(path, list(headers.values()))
    for name, array in state.items():
        problem = _value_problem(f"entry {name!r}", array, own[name])
        if problem:
            problems.append(problem)
    if problems:
        raise ValueError(f"{where}: " + "; ".join(problems) + "; nothing was loaded")
    module.load_state_dict(state, strict=strict)
    return module
