"""nn imports without torch and onnx, and says which extra to install when one is needed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import sys
for name in ("torch", "onnx", "onnxruntime"):
    sys.modules[name] = None  # as if not installed: importing it raises ImportError
import numpy as np
import nn

model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU())
for call, extra in ((lambda: nn.to_torch(model), "torch"),
                    (lambda: nn.torch_state_dict(model), "torch"),
                    (lambda: nn.export_onnx(model, np.ones((1, 2)), "m.onnx"), "onnx"),
                    (lambda: nn.to_onnx(model, np.ones((1, 2))), "onnx")):
    try:
        call()
    except ImportError as error:
        assert f"pip install 'chainrule[{extra}]'" in str(error), error
    else:
        raise AssertionError("no ImportError")
# Loading a PyTorch-layout state dict needs no torch: numpy arrays will do.
state = {"0.weight": np.ones((3, 2)), "0.bias": np.zeros(3)}
nn.load_torch_state_dict(model, state)
assert (model.layers[0].weight.data == 1).all()
print("ok")
"""


def test_nn_imports_and_loads_without_torch_or_onnx(tmp_path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=env)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_importing_nn_does_not_import_torch_or_onnx() -> None:
    code = "import sys, nn; print(sorted({'torch', 'onnx', 'onnxruntime'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.stdout.strip() == "[]", done.stderr
