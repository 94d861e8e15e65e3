"""`quiet`: run a function with some of numpy's floating-point warnings switched off,
at a fifth of what `np.errstate` costs.

Rules compute IEEE values at poles on purpose (log 0 = -inf, 1 / 0 = inf, exp 1000 = inf;
docs/conventions.md), so numpy's "divide by zero encountered" warnings must stay silent
there. `np.errstate` does that, but it builds numpy's error state anew on every use
(~1.5 us, as much as a small array's whole op; a composed cross-entropy enters three).
`quiet` builds it once and sets numpy's context variable itself, which is all that
`np.errstate.__enter__` does beyond building it (numpy >= 2). The state is rebuilt
whenever the caller's own error state changed (`np.seterr`, an enclosing errstate), so
the caller's settings for the other kinds still hold, exactly as with `np.errstate`.
Where numpy keeps its error state elsewhere (numpy 1.x), `quiet` is `np.errstate`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import numpy as np

try:  # numpy >= 2: the error state is a context variable holding an opaque "extobj"
    from numpy._core._multiarray_umath import _make_extobj
    from numpy._core._ufunc_config import _extobj_contextvar

    _extobj_contextvar.reset(_extobj_contextvar.set(_make_extobj(divide="ignore")))
except Exception:  # pragma: no cover - numpy 1.x, or internals that changed: np.errstate
    _extobj_contextvar = None

F = TypeVar("F", bound=Callable)


def quiet(**ignored: str) -> Callable[[F], F]:
    """Decorator: run the function with numpy's warnings of the kinds given switched to
    "ignore" (`divide`, `over`, `under`, `invalid`; e.g. `@quiet(divide="ignore")`), as
    `@np.errstate(...)` does; the caller's error state is back in force after the call,
    whether it returns or raises."""
    if any(value != "ignore" for value in ignored.values()):
        raise ValueError(f"quiet: only 'ignore' is supported, got {ignored}")

    def decorate(function: F) -> F:
        if _extobj_contextvar is None:  # pragma: no cover - numpy 1.x
            return np.errstate(**ignored)(function)
        get, set_state, reset = (_extobj_contextvar.get, _extobj_contextvar.set,
                                 _extobj_contextvar.reset)
        cache = [(None, None)]  # (the caller's state, ours made from it): one pair, swapped whole

        @functools.wraps(function)
        def run(*args: object, **kwargs: object) -> object:
            outer, state = cache[0]
            if get() is not outer:  # first call, or the caller changed numpy's settings
                outer = get()
                state = _make_extobj(**ignored)
                cache[0] = (outer, state)
            token = set_state(state)
            try:
                return function(*args, **kwargs)
            finally:
                reset(token)

        return run  # type: ignore[return-value]

    return decorate


# A Tensor backward pass: gradients are IEEE arithmetic, as PyTorch's are (0 * inf in a
# rule is nan) without a numpy warning pointing into chainrule's code; an optimizer then
# refuses the NaN gradient, naming the parameter. One switch per walk (0.2% of a spiral
# step, benchmarks/tensor.py); Values compute with Python floats, which never warn.
ieee = quiet(divide="ignore", invalid="ignore", over="ignore")
