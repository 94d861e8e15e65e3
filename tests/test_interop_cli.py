"""`chainrule train --export model.onnx --export-torch model.pt`, run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd import Tensor, no_grad
from chainrule import training
from chainrule.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "chainrule", "train", *args, "--no-progress"],
                          capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


@pytest.mark.parametrize("engine, hidden", [("tensor", [16, 16]), ("scalar", [4])])
def test_train_exports_onnx_and_a_torch_state_dict(engine, hidden, tmp_path) -> None:
    onnxruntime = pytest.importorskip("onnxruntime")
    torch = pytest.importorskip("torch")
    done = _run("--engine", engine, "--hidden", ",".join(map(str, hidden)), "--epochs", "3",
                "--samples", "10", "--save", "m.npz", "--export", "m.onnx",
                "--export-torch", "m.pt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote m.onnx (ONNX opset 18" in done.stdout and "wrote m.pt" in done.stdout
    # The same trained model, rebuilt from the .npz the run saved beside the exports.
    x, _ = training.load_data("spiral", 10, 3, 0)
    model = nn.load(training.build_model(engine, 2, hidden, 3, 0), tmp_path / "m.npz")
    if engine == "scalar":
        with no_grad():
            want = np.array([[v.data for v in model(row)] for row in x.tolist()])
    else:
        want = model(Tensor(x)).data
    session = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"),
                                           providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x})[0]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
    module = nn.to_torch(model)
    module.load_state_dict(torch.load(tmp_path / "m.pt", weights_only=True))
    with torch.no_grad():
        np.testing.assert_allclose(module(torch.from_numpy(x)).numpy(), want, rtol=1e-12,
                                   atol=1e-12 * np.abs(want).max())


@pytest.mark.parametrize("option", ["--export", "--export-torch"])
def test_a_bad_export_path_is_refused_before_training(option, tmp_path, capsys) -> None:
    assert main(["train", option, str(tmp_path / "missing" / "m.out"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"chainrule train: error: {option}: the directory ")
    assert err[-1].endswith("missing does not exist")
    assert main(["train", option, str(tmp_path), "--epochs", "1"]) == 2
    assert "is a directory, not a file name" in capsys.readouterr().err


@pytest.mark.parametrize("option, package", [("--export", "onnx"), ("--export-torch", "torch")])
def test_a_missing_package_is_one_line_before_training(option, package, tmp_path) -> None:
    code = (f"import sys; sys.modules[{package!r}] = None\n"
            "from chainrule.__main__ import main\n"
            f"sys.exit(main(['train', {option!r}, 'out', '--epochs', '1']))")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"chainrule train: error: {option} needs the {package} package: "
        f"pip install 'chainrule[{package}]'")
    assert "data:" not in done.stdout  # nothing was trained
