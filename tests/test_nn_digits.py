"""The handwritten digits shipped with chainrule, and learning them from the command line.

Reaching >= 95% test accuracy is a test of learning, not of speed (the time per step is
measured in benchmarks/cnn.py).
"""

from __future__ import annotations

import gzip
import re

import numpy as np
import pytest
from test_cli import PNG_SIGNATURE, _run

import nn
from chainrule.__main__ import main
from nn.digits import DIGITS_FILE


def test_the_data_set_is_the_uci_test_set_with_its_attribution() -> None:
    x, y = nn.data.digits("all")
    assert x.shape == (1797, 1, 8, 8) and y.shape == (1797,) and x.dtype == np.float64
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert x.min() == 0.0 and x.max() == 1.0 and np.all(x * 16 == np.round(x * 16))
    with gzip.open(DIGITS_FILE, "rt") as f:  # the first row of the file, unchanged
        first = [int(v) for v in f.readline().split(",")]
    np.testing.assert_array_equal(x[0].ravel() * 16, first[:64])
    assert y[0] == first[64] == 0
    notice = (DIGITS_FILE.parent / "DIGITS.txt").read_text()
    assert "CC BY 4.0" in notice and "Alpaydin" in notice and "Kaynak" in notice


def test_train_and_test_are_a_stratified_split() -> None:
    x_train, y_train = nn.data.digits("train", seed=3, flatten=True)
    x_test, y_test = nn.data.digits("test", seed=3, flatten=True)
    assert x_train.shape == (1438, 64) and x_test.shape == (359, 64)
    counts = np.bincount(y_test, minlength=10) / np.bincount(nn.data.digits("all")[1])
    assert np.all(np.abs(counts - 0.2) < 0.01)  # 20% of every digit
    everything = np.concatenate([x_train, x_test])
    assert len({row.tobytes() for row in everything}) == len(
        {row.tobytes() for row in nn.data.digits("all", flatten=True)[0]})
    again = nn.data.digits("test", seed=3, flatten=True)[0]
    np.testing.assert_array_equal(again, x_test)
    assert not np.array_equal(nn.data.digits("test", seed=4, flatten=True)[0], x_test)
    assert nn.data.digits("test", dtype=np.float32)[0].dtype == np.float32


@pytest.mark.parametrize("kwargs, words", [
    ({"split": "validation"}, "split must be one of"),
    ({"test_fraction": 1.0}, r"test_fraction must be a number in \(0, 1\)"),
    ({"test_fraction": True}, "test_fraction"),
])
def test_bad_arguments_are_refused(kwargs, words) -> None:
    with pytest.raises(ValueError, match=words):
        nn.data.digits(**kwargs)


def _test_accuracy(output: str) -> float:
    found = re.search(r"test accuracy (\d+\.\d)%", output)
    assert found, output
    return float(found.group(1)) / 100


def test_the_cli_trains_a_cnn_on_the_digits(tmp_path) -> None:
    """`chainrule train --data digits --model cnn`, run as users run it: >= 95% on the
    held-out images, and a picture of the misclassified ones."""
    plot = tmp_path / "digits.png"
    result = _run("train", "--data", "digits", "--model", "cnn", "--plot", str(plot))
    assert result.returncode == 0, result.stderr
    assert _test_accuracy(result.stdout) >= 0.95
    assert "Conv2d(1, 16, 3)" in result.stdout
    assert plot.read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_mlp_learns_the_digits_too(seed, capsys) -> None:
    assert main(["train", "--data", "digits", "--seed", str(seed), "--no-progress"]) == 0
    assert _test_accuracy(capsys.readouterr().out) >= 0.95


@pytest.mark.parametrize("args, words", [
    (["--model", "cnn"], "--model cnn needs images"),
    (["--data", "digits", "--classes", "3"], "--classes does not apply"),
    (["--data", "digits", "--engine", "scalar"], "tensor engine"),
])
def test_options_that_do_not_fit_are_usage_errors(args, words, capsys) -> None:
    assert main(["train", *args]) == 2
    assert words in capsys.readouterr().err
