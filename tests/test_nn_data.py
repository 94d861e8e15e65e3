"""nn.data: shapes, labels, seeds, and the geometry each generator promises."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn import data

GENERATORS = [
    ("spiral", lambda seed: data.spiral(50, 3, seed=seed), 150, 3),
    ("vertical", lambda seed: data.vertical(40, 4, seed=seed), 160, 4),
    ("moons", lambda seed: data.moons(101, seed=seed), 101, 2),
]


@pytest.mark.parametrize("name, make, n, classes", GENERATORS)
def test_shapes_dtypes_and_label_counts(name, make, n, classes):
    X, y = make(0)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == classes
    assert counts.max() - counts.min() <= 1  # balanced (moons: odd n splits 50/51)
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name, make, n, classes", GENERATORS)
def test_deterministic_for_a_seed_and_different_across_seeds(name, make, n, classes):
    X1, y1 = make(7)
    X2, y2 = make(7)
    X3, _ = make(8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


def test_spiral_radius_is_index_fraction_within_each_class():
    samples = 25
    X, y = data.spiral(samples, 3, noise=0.3, seed=1)
    for k in range(3):
        radius = np.hypot(*X[y == k].T)
        # Noise only turns the angle: the radius is exactly i / (samples - 1).
        np.testing.assert_allclose(radius, np.arange(samples) / (samples - 1), atol=1e-12)
        assert np.all(np.diff(radius) > 0)


def test_spiral_without_noise_has_the_stated_angles():
    X, y = data.spiral(5, 2, noise=0.0, seed=0)
    # Point i of arm 1: t = 4 + 4 i / 4, angle = 2.5 t, radius i / 4.
    i = np.arange(5)
    angle = 2.5 * (4 + i)
    expected = np.stack([i / 4 * np.sin(angle), i / 4 * np.cos(angle)], axis=1)
    np.testing.assert_allclose(X[y == 1], expected, atol=1e-12)


def test_spiral_angle_noise_has_the_stated_spread():
    samples, noise = 4000, 0.2
    X, y = data.spiral(samples, 1, noise=noise, seed=4)
    t = np.linspace(0.0, 4.0, samples)[1:]  # point 0 sits at the origin: no angle
    angle = np.arctan2(X[1:, 0], X[1:, 1])  # x = r sin(angle), y = r cos(angle)
    deviation = np.angle(np.exp(1j * (angle - 2.5 * t)))  # wrapped to (-pi, pi]
    assert abs(deviation.mean()) < 0.03
    np.testing.assert_allclose(deviation.std(), 2.5 * noise, rtol=0.05)


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = data.moons(200, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_moons_class_centres():
    # Mean of a uniform half circle (cos a, sin a), a in [0, pi]: (0, 2 / pi).
    X, y = data.moons(4000, noise=0.1, seed=3)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [0.0, 2 / math.pi], atol=0.02)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [1.0, 0.5 - 2 / math.pi], atol=0.02)


def test_vertical_class_centres_and_spread():
    X, y = data.vertical(3000, 3, noise=0.1, seed=2)
    for k in range(3):
        np.testing.assert_allclose(X[y == k].mean(axis=0), [k / 3, 0.5], atol=0.01)
        np.testing.assert_allclose(X[y == k].std(axis=0), [0.1, 0.1], rtol=0.05)


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: data.spiral(0, 3), ValueError, "samples must be >= 1, got 0"),
    (lambda: data.spiral(10, 2.0), TypeError, "classes must be an int"),
    (lambda: data.spiral(10, True), TypeError, "classes must be an int"),
    (lambda: data.spiral(10, 2, noise=-0.1), ValueError, "noise must be finite and >= 0"),
    (lambda: data.spiral(10, 2, noise=math.nan), ValueError, "noise"),
    (lambda: data.spiral(10, 2, seed=-1), ValueError, "seed"),
    (lambda: data.moons(1), ValueError, "n must be >= 2, got 1"),
    (lambda: data.moons(10, noise="x"), TypeError, "noise must be a real number"),
    (lambda: data.vertical(5, 0), ValueError, "classes must be >= 1"),
    (lambda: data.vertical(5, 2, seed="a"), ValueError, "seed"),
])
def test_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_seed_none_gives_fresh_data():
    assert not np.array_equal(data.moons(50)[0], data.moons(50)[0])
