"""BLAS on one thread, unless the user chose otherwise.

chainrule's matrices are small (a batch of 32 times a 144 x 64 kernel, a 300 x 64 layer):
a multi-threaded BLAS spends more time waking and syncing its threads than multiplying.
On this project's 2-core machines the digits CNN of the README trains 8-10x slower with
OpenBLAS's default threads than with one when the cores are busy (0.8 s against 6.7-7.6 s
for 3 epochs), and no faster when they are idle. So importing `autograd` limits the BLAS
that numpy loaded to one thread, through threadpoolctl (scikit-learn's library for this),
for the whole process. A user who set OPENBLAS_NUM_THREADS, OMP_NUM_THREADS,
MKL_NUM_THREADS or BLIS_NUM_THREADS has chosen: nothing is changed. `blas_threads(n)`
changes it later (None: back to the BLAS's own default).
"""

from __future__ import annotations

import os

_USER_CHOICES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                 "BLIS_NUM_THREADS")
_limiter = None  # the threadpoolctl limit in force, so that it can be undone


def blas_threads(n: int | None) -> None:
    """Run numpy's BLAS on `n` threads (None: its own default, as before the limit).

    Process-wide: it also applies to numpy code outside chainrule. Raises ValueError for
    n < 1.
    """
    global _limiter
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"blas_threads: n must be an int >= 1 or None, got {n!r}")
    from threadpoolctl import threadpool_limits

    if _limiter is not None:
        _limiter.restore_original_limits()
        _limiter = None
    if n is not None:
        _limiter = threadpool_limits(n, user_api="blas")


def limit_unless_chosen() -> None:
    """One BLAS thread, unless an environment variable already says how many."""
    if any(os.environ.get(name) for name in _USER_CHOICES):
        return
    blas_threads(1)
