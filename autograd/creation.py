"""Making tensors: zeros, ones, full, eye, arange, linspace, rand, randn and their *_like
forms, with PyTorch's names and numpy's numbers.

Every function takes `dtype=` (a float type; float64 by default, as `Tensor`) and
`requires_grad=` (True makes a parameter). The random ones draw from
`generator=` (a `numpy.random.Generator`), or from a fresh one seeded with `seed=`, or
else from chainrule's default generator, which `manual_seed(n)` resets; so
`randn(3, 4, seed=0)` is the same array on every run and every machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd.tensor import Tensor
from autograd.tensor_args import _unpack

_default = {"generator": np.random.default_rng()}


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the default generator (what rand/randn use without seed= or generator=) to
    `seed`, as torch.manual_seed; returns it."""
    _default["generator"] = np.random.default_rng(seed)
    return _default["generator"]


def default_generator() -> np.random.Generator:
    """The generator rand/randn draw from when given neither seed= nor generator=."""
    return _default["generator"]


def _shape(size: tuple, op: str) -> tuple[int, ...]:
    size = _unpack(size)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0
               for n in size):
        raise ValueError(f"{op}: sizes must be non-negative ints, got {size}")
    return tuple(int(n) for n in size)


def _tensor(data: np.ndarray, dtype: object, requires_grad: bool) -> Tensor:
    return Tensor(data, requires_grad=requires_grad, dtype=np.float64 if dtype is None else dtype)


def _generator(seed: int | None, generator: np.random.Generator | None,
               op: str) -> np.random.Generator:
    if seed is not None and generator is not None:
        raise ValueError(f"{op}: give seed= or generator=, not both")
    if generator is not None:
        if not isinstance(generator, np.random.Generator):
            raise TypeError(f"{op}: generator must be a numpy.random.Generator "
                            f"(np.random.default_rng(seed)), got {type(generator).__name__}")
        return generator
    return _default["generator"] if seed is None else np.random.default_rng(seed)


# ---------------------------------------------------------------- constants
def zeros(*size: int, dtype: object = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    return _tensor(np.zeros(_shape(size, "zeros")), dtype, requires_grad)


def ones(*size: int, dtype: object = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ones(2, 3) or ones((2, 3))."""
    return _tensor(np.ones(_shape(size, "ones")), dtype, requires_grad)


def full(size: int | Sequence[int], fill_value: float, dtype: object = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of `size` (an int or a tuple) holding fill_value everywhere."""
    shape = _shape((size,) if isinstance(size, (int, np.integer)) else (tuple(size),), "full")
    return _tensor(np.full(shape, float(fill_value)), dtype, requires_grad)


def eye(n: int, m: int | None = None, dtype: object = None,
        requires_grad: bool = False) -> Tensor:
    """The n x m (default n x n) identity matrix."""
    n, m = _shape((n, n if m is None else m), "eye")
    return _tensor(np.eye(n, m), dtype, requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: object = None,
           requires_grad: bool = False) -> Tensor:
    """start, start + step, ... up to but excluding end (arange(n) is 0..n-1), as numpy;
    made from integers it also serves as an index. ValueError for step 0."""
    if step == 0:
        raise ValueError("arange: step must not be 0")
    values = np.arange(start, step=step) if end is None else np.arange(start, end, step)
    return Tensor(values, requires_grad=requires_grad, dtype=dtype)


def linspace(start: float, end: float, steps: int, dtype: object = None,
             requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced numbers from start to end, both included."""
    (steps,) = _shape((steps,), "linspace")
    return _tensor(np.linspace(float(start), float(end), steps), dtype, requires_grad)


# ---------------------------------------------------------------- random
def rand(*size: int, dtype: object = None, requires_grad: bool = False,
         seed: int | None = None, generator: np.random.Generator | None = None) -> Tensor:
    """Uniform samples from [0, 1)."""
    rng = _generator(seed, generator, "rand")
    return _tensor(rng.random(_shape(size, "rand")), dtype, requires_grad)


def randn(*size: int, dtype: object = None, requires_grad: bool = False,
          seed: int | None = None, generator: np.random.Generator | None = None) -> Tensor:
    """Samples from the standard normal distribution N(0, 1)."""
    rng = _generator(seed, generator, "randn")
    return _tensor(rng.standard_normal(_shape(size, "randn")), dtype, requires_grad)


# ---------------------------------------------------------------- *_like
def _like(t: object, dtype: object) -> tuple[tuple[int, ...], object]:
    data = t.data if isinstance(t, Tensor) else np.asarray(t)
    if dtype is None and data.dtype.kind == "f":
        dtype = data.dtype
    return data.shape, dtype


def zeros_like(t: object, dtype: object = None, requires_grad: bool = False) -> Tensor:
    """Zeros of t's shape and (float) dtype."""
    shape, dtype = _like(t, dtype)
    return zeros(shape, dtype=dtype, requires_grad=requires_grad)


def ones_like(t: object, dtype: object = None, requires_grad: bool = False) -> Tensor:
    """Ones of t's shape and (float) dtype."""
    shape, dtype = _like(t, dtype)
    return ones(shape, dtype=dtype, requires_grad=requires_grad)


def full_like(t: object, fill_value: float, dtype: object = None,
              requires_grad: bool = False) -> Tensor:
    """fill_value in t's shape and (float) dtype."""
    shape, dtype = _like(t, dtype)
    return full(shape, fill_value, dtype=dtype, requires_grad=requires_grad)


def rand_like(t: object, dtype: object = None, requires_grad: bool = False,
              seed: int | None = None, generator: np.random.Generator | None = None) -> Tensor:
    """Uniform samples from [0, 1) in t's shape and (float) dtype."""
    shape, dtype = _like(t, dtype)
    return rand(shape, dtype=dtype, requires_grad=requires_grad, seed=seed, generator=generator)


def randn_like(t: object, dtype: object = None, requires_grad: bool = False,
               seed: int | None = None, generator: np.random.Generator | None = None) -> Tensor:
    """Standard normal samples in t's shape and (float) dtype."""
    shape, dtype = _like(t, dtype)
    return randn(shape, dtype=dtype, requires_grad=requires_grad, seed=seed,
                 generator=generator)
