"""PyTorch's argument names beside numpy's: `dim=` for `axis=`, `keepdim=` for `keepdims=`.

chainrule's reductions and joins take numpy's names (`x.sum(axis=1, keepdims=True)`);
learners coming from PyTorch write `x.sum(dim=1, keepdim=True)`, as PyTorch itself
accepts numpy's. The functions wrapped here take either; both at once is a TypeError.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_PAIRS = (("dim", "axis"), ("keepdim", "keepdims"))


def torch_names(function: F) -> F:
    """`function`, also accepting dim= for axis= and keepdim= for keepdims=."""
    @functools.wraps(function)
    def accepting(*args: Any, **kwargs: Any) -> Any:
        if "dim" in kwargs or "keepdim" in kwargs:
            kwargs = _numpy_names(function.__name__, kwargs)
        return function(*args, **kwargs)
    return accepting  # type: ignore[return-value]


def _numpy_names(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(kwargs)
    for torch_name, numpy_name in _PAIRS:
        if torch_name in kwargs:
            if numpy_name in kwargs:
                raise TypeError(f"{name}: got both {torch_name}= and {numpy_name}=, PyTorch's "
                                f"and numpy's names for the same argument; give one")
            kwargs[numpy_name] = kwargs.pop(torch_name)
    return kwargs
