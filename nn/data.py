"""Classification data sets (numpy only): spirals, two moons, vertical clusters (toys made
on the spot), and real handwritten digits shipped with chainrule (`digits`, `nn.digits`).

Every generator returns `(X, y)`: `X` float64 of shape (n, 2), `y` int64 class labels
of shape (n,), ordered class by class (shuffle in the training loop). The same seed
gives the same arrays; `seed=None` draws fresh randomness.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from nn.digits import digits

__all__ = ["spiral", "moons", "vertical", "digits"]

# One spiral arm sweeps this many radians of "angle parameter" per class, and the
# parameter is scaled by _TURN when turned into an angle: arms of 4 * 2.5 = 10 rad.
_SWEEP = 4.0
_TURN = 2.5


def _count(value: object, name: str, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{where}: {name} must be >= {minimum}, got {value!r}")
    return int(value)


def _noise(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: noise must be a real number, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{where}: noise must be finite and >= 0, got {value!r}")
    return float(value)


def _rng(seed: object, where: str) -> np.random.Generator:
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{where}: seed must be None, an int >= 0 or a numpy Generator, "
                         f"got {seed!r}")
    return np.random.default_rng(int(seed))


def spiral(samples: int, classes: int, noise: float = 0.2,
           seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`classes` interleaved spiral arms of `samples` points each: X (samples*classes, 2), y.

    Point i of arm k has radius r_i = i / (samples - 1) (exactly: noise only moves
    the angle) and angle 2.5 * (t_i + noise * N(0, 1)), with t_i evenly spaced over
    [4k, 4(k + 1)]; its coordinates are r * (sin(angle), cos(angle)).
    """
    samples = _count(samples, "samples", "spiral")
    classes = _count(classes, "classes", "spiral")
    noise = _noise(noise, "spiral")
    rng = _rng(seed, "spiral")
    radius = np.linspace(0.0, 1.0, samples)
    x = np.empty((samples * classes, 2))
    for k in range(classes):
        t = np.linspace(_SWEEP * k, _SWEEP * (k + 1), samples)
        angle = _TURN * (t + noise * rng.standard_normal(samples))
        rows = slice(k * samples, (k + 1) * samples)
        x[rows, 0] = radius * np.sin(angle)
        x[rows, 1] = radius * np.cos(angle)
    y = np.repeat(np.arange(classes, dtype=np.int64), samples)
    return x, y


def moons(n: int, noise: float = 0.1,
          seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (like sklearn's make_moons): X (n, 2), y in {0, 1}.

    Class 0 (n // 2 points) lies on the upper unit half circle (cos a, sin a), a in
    [0, pi]; class 1 (the other n - n // 2) on the lower unit half circle centred at
    (1, 0.5): (1 - cos a, 0.5 - sin a). Gaussian noise of
    standard deviation `noise` is added to both coordinates.
    """
    n = _count(n, "n", "moons", minimum=2)
    noise = _noise(noise, "moons")
    rng = _rng(seed, "moons")
    outer = n // 2
    inner = n - outer
    a_out = np.linspace(0.0, math.pi, outer)
    a_in = np.linspace(0.0, math.pi, inner)
    x = np.empty((n, 2))
    x[:outer, 0], x[:outer, 1] = np.cos(a_out), np.sin(a_out)
    x[outer:, 0], x[outer:, 1] = 1.0 - np.cos(a_in), 0.5 - np.sin(a_in)
    x += noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(outer, np.int64), np.ones(inner, np.int64)])
    return x, y


def vertical(samples: int, classes: int, noise: float = 0.1,
             seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Vertical Gaussian clusters side by side: X (samples*classes, 2), y.

    Class k is centred at (k / 3, 0.5) with standard deviation `noise` in both
    coordinates (NNFS's "vertical data").
    """
    samples = _count(samples, "samples", "vertical")
    classes = _count(classes, "classes", "vertical")
    noise = _noise(noise, "vertical")
    rng = _rng(seed, "vertical")
    centres = np.stack([np.arange(classes) / 3.0, np.full(classes, 0.5)], axis=1)
    x = np.repeat(centres, samples, axis=0) + noise * rng.standard_normal((samples * classes, 2))
    y = np.repeat(np.arange(classes, dtype=np.int64), samples)
    return x, y
