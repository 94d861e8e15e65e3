"""The README's code runs as written and prints what the README says it prints."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run every python block of the README in order, in one namespace, in a temp dir."""
    namespace: dict = {}
    directory = tmp_path_factory.mktemp("readme")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(directory)
        for number, block in enumerate(python_blocks()):
            exec(compile(block, f"README python block {number}", "exec"), namespace)
    namespace["__directory__"] = directory
    return namespace


def test_the_readme_has_the_tour() -> None:
    assert len(python_blocks()) >= 5


def test_value_quick_start_gradients(tour: dict) -> None:
    # c = tanh(a*b + a**2) at a=2, b=-3: t = tanh(-2); dc/da = (1-t^2)(b + 2a), dc/db = (1-t^2) a
    t = math.tanh(-2.0)
    assert tour["a"].grad == pytest.approx((1 - t * t) * (-3 + 4), rel=1e-12)
    assert tour["c"].data == pytest.approx(t, rel=1e-12)


def test_nnfs_numbers_as_printed_in_the_readme(tour: dict) -> None:
    expected = [[-0.1, 0.0333, 0.0667], [0.0333, -0.1667, 0.1333], [0.0067, -0.0333, 0.0267]]
    np.testing.assert_allclose(np.round(tour["z"].grad, 4), expected)


def test_spiral_training_accuracy_as_stated(tour: dict) -> None:
    assert tour["history"].accuracy[-1] >= 0.95


def test_digits_cnn_test_accuracy_as_stated(tour: dict) -> None:
    assert tour["test_accuracy"] >= 0.95


def test_neuron_svg_written_and_chain_total(tour: dict) -> None:
    assert (tour["__directory__"] / "neuron.svg").read_text().lstrip().startswith("<?xml")
    assert tour["w1"].grad == pytest.approx(1.0, rel=1e-9)  # micrograd's neuron: dw1 = x1 * 0.5


def test_the_readme_images_exist() -> None:
    for path in re.findall(r"\]\((docs/[^)]+)\)", README.read_text(encoding="utf-8")):
        assert (README.parent / path).is_file(), path


def test_own_primitive_and_second_derivative_as_stated(tour: dict) -> None:
    assert tour["waves"].op == "my_sin"
    x, w = 0.5, -1.5
    t = math.tanh(x * w)
    assert tour["d2y_dx2"] == pytest.approx(-2 * w * w * t * (1 - t * t), rel=1e-12)
    assert tour["d2y_dx2"] == pytest.approx(1.705, abs=1e-3)  # as the README prints
    assert isinstance(tour["x"].grad, tour["Value"])
    np.testing.assert_allclose(tour["jacobian"](tour["F"].softmax, np.log([0.7, 0.1, 0.2])),
                               [[0.21, -0.07, -0.14], [-0.07, 0.09, -0.02],
                                [-0.14, -0.02, 0.16]], atol=1e-12)


@pytest.mark.parametrize("number", range(len(python_blocks())))
def test_every_block_runs_pasted_alone(number, tmp_path, monkeypatch):
    # A learner copies one block into a fresh session: it brings its own imports. A block
    # that continues the one before says so in its first line, and runs after it.
    blocks = python_blocks()
    namespace: dict = {}
    monkeypatch.chdir(tmp_path)
    if blocks[number].startswith("# continues the block above"):
        exec(compile(blocks[number - 1], f"README python block {number - 1}", "exec"), namespace)
    exec(compile(blocks[number], f"README python block {number}", "exec"), namespace)
