"""`autograd.quiet`: numpy's warnings off for one call, exactly as np.errstate would do it
(the kinds asked for ignored, the caller's settings for the others kept, the caller's
state back after the call, whether it returns or raises, in every thread)."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

from autograd import Tensor
from autograd.quiet import _extobj_contextvar, quiet


@quiet(divide="ignore")
def _log(a: np.ndarray) -> np.ndarray:
    return np.log(a)


@quiet(divide="ignore")
def _log_then_fail(a: np.ndarray) -> None:
    np.log(a)
    raise KeyError("inside")


def test_numpy_has_the_fast_path() -> None:
    # Fails if a numpy upgrade moves its error state: quiet would then be np.errstate
    # (right, but ~5x slower); look again at how numpy >= 2 keeps it.
    assert _extobj_contextvar is not None


def test_the_kinds_asked_for_are_silent_and_the_state_comes_back() -> None:
    with np.errstate(divide="warn"), warnings.catch_warnings():
        before = np.geterr()
        warnings.simplefilter("error")
        assert _log(np.array([0.0]))[0] == -np.inf
        assert np.geterr() == before
        with pytest.raises(RuntimeWarning, match="divide by zero"):
            np.log(np.array([0.0]))  # outside the call numpy warns again


def test_the_callers_other_settings_hold_inside_and_are_back_after() -> None:
    with np.errstate(all="raise"):
        assert _log(np.array([0.0]))[0] == -np.inf
        with pytest.raises(FloatingPointError, match="invalid"):
            _log(np.array([-1.0]))  # invalid was not asked for: the caller's "raise" holds
        assert np.geterr()["divide"] == "raise"
    with np.errstate(invalid="ignore"):  # a new caller state: quiet's cached one is rebuilt
        assert np.isnan(_log(np.array([-1.0]))[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="invalid"):
            _log(np.array([-1.0]))


def test_the_state_comes_back_when_the_function_raises() -> None:
    before = np.geterr()
    with pytest.raises(KeyError):
        _log_then_fail(np.array([0.0]))
    assert np.geterr() == before


def test_each_thread_keeps_its_own_settings() -> None:
    results = {}

    def worker(kind: str) -> None:
        with np.errstate(invalid=kind):
            for _ in range(200):
                try:
                    _log(np.array([-1.0, 0.0]))
                    results.setdefault(kind, "quiet")
                except FloatingPointError:
                    results.setdefault(kind, "raised")

    threads = [threading.Thread(target=worker, args=(k,)) for k in ("raise", "ignore")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {"raise": "raised", "ignore": "quiet"}


def test_only_ignore_is_offered() -> None:
    with pytest.raises(ValueError, match="only 'ignore'"):
        quiet(divide="raise")


def test_the_engines_stay_silent_at_poles_under_warnings_as_errors() -> None:
    x = Tensor(np.array([0.0, 1.0, 800.0]), requires_grad=True)
    grads = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for term in (x.log(), x.exp(), x ** -1.0, x.sqrt()):
            x.grad = None
            term.sum().backward()
            grads.append(x.grad[[0, 2]].tolist())
    assert grads == [[np.inf, 1 / 800], [1.0, np.inf], [-np.inf, -1 / 800 ** 2],
                     [np.inf, 0.5 / 800 ** 0.5]]
