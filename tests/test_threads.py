"""BLAS threads: importing autograd leaves numpy's BLAS on one thread unless the user set
a thread count in the environment; blas_threads(n) changes it. Run in fresh processes,
since the limit is process-wide."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_CHOICES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
_PROBE = """
import json, numpy
from threadpoolctl import threadpool_info
def blas():
    return sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})
before = blas()
import autograd
after = blas()
autograd.blas_threads(2)
two = blas()
autograd.blas_threads(None)
print(json.dumps([before, after, two, blas()]))
"""


def _probe(**env: str) -> list:
    clean = {k: v for k, v in os.environ.items() if k not in _CHOICES}
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                          env={**clean, "PYTHONPATH": str(ROOT), **env}, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_import_limits_blas_to_one_thread_and_blas_threads_undoes_it():
    before, after, two, restored = _probe()
    if not before:
        pytest.skip("numpy has no BLAS that threadpoolctl knows here")
    assert after == [1] and two == [2] and restored == before


@pytest.mark.parametrize("name", _CHOICES)
def test_a_thread_count_set_by_the_user_is_kept(name):
    before, after, _, _ = _probe(**{name: "2"})
    assert after == before  # untouched: whatever the user's variable made of it


def test_bad_counts_are_refused():
    import autograd

    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="blas_threads: n must be"):
            autograd.blas_threads(bad)
