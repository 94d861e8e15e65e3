"""The UCI 8x8 handwritten digits, shipped with chainrule: real images, no download.

1,797 grey-scale images of the digits 0-9 (about 180 of each), 8x8 pixels of 0..16,
from E. Alpaydin and C. Kaynak's "Optical Recognition of Handwritten Digits" (UCI
Machine Learning Repository, CC BY 4.0); the file is the copy scikit-learn ships
(`nn/datasets/DIGITS.txt` says where it comes from and how it was made).
"""

from __future__ import annotations

import functools
import numbers
from pathlib import Path

import numpy as np

__all__ = ["digits", "DIGITS_FILE", "SPLITS"]

DIGITS_FILE = Path(__file__).parent / "datasets" / "digits.csv.gz"
SPLITS = ("train", "test", "all")


@functools.cache
def _table() -> np.ndarray:
    """The file's (1797, 65) integers, read once per process (read-only)."""
    table = np.loadtxt(DIGITS_FILE, delimiter=",", dtype=np.int64)
    table.flags.writeable = False
    return table


def digits(split: str = "train", test_fraction: float = 0.2, seed: int = 0,
           flatten: bool = False, dtype: object = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The handwritten digits as (X, y): X (n, 1, 8, 8) images with pixels scaled to
    [0, 1] (pixel / 16), or (n, 64) rows with flatten=True; y (n,) int64 digits 0..9.

    split: "train", "test" or "all" (every image, in the file's order). The split is
    stratified: `test_fraction` of each digit's images, drawn with `seed`, form the test
    set, the rest the training set (in a shuffled order), so the same seed and fraction
    always give the same two disjoint sets. Raises ValueError for an unknown split or a
    fraction outside (0, 1).
    """
    if split not in SPLITS:
        raise ValueError(f"digits: split must be one of {SPLITS}, got {split!r}")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real) \
            or not 0 < test_fraction < 1:
        raise ValueError(f"digits: test_fraction must be a number in (0, 1), "
                         f"got {test_fraction!r}")
    table = _table()
    labels = table[:, -1]
    if split == "all":
        rows = np.arange(len(table))
    else:
        rng = np.random.default_rng(seed)
        test, train = [], []
        for digit in range(10):
            members = rng.permutation(np.flatnonzero(labels == digit))
            cut = round(test_fraction * len(members))
            test.append(members[:cut])
            train.append(members[cut:])
        rows = rng.permutation(np.concatenate(test if split == "test" else train))
    x = (table[rows, :64] / 16.0).astype(dtype)
    return (x if flatten else x.reshape(-1, 1, 8, 8)), labels[rows].copy()
