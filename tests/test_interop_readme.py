"""The README's hand-over section runs as written and prints what it says.

Its code blocks are fenced as ```py (not ```python), so that tests/test_readme.py, which
runs every ```python block without the optional packages, leaves them to this test.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def section_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Outgrowing chainrule"):]
    section = section[:section.index("\n## ", 1)]
    return re.findall(r"```py\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def handover(tmp_path_factory: pytest.TempPathFactory) -> dict:
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    namespace: dict = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("handover"))
        for number, block in enumerate(section_blocks()):
            exec(compile(block, f"README hand-over block {number}", "exec"), namespace)
    return namespace


def test_the_section_has_its_two_blocks() -> None:
    assert len(section_blocks()) == 2


def test_training_continued_in_pytorch_as_stated(handover: dict) -> None:
    import torch

    assert round(handover["loss"].item(), 3) == 0.647  # "0.647 (75% ...) after the 200 steps"
    assert round(handover["torch_loss"].item(), 3) == 0.154
    model, X, y = handover["model"], handover["X"], handover["y"]
    from autograd import Tensor

    assert round(float((model(Tensor(X)).data.argmax(1) == y).mean()), 3) == 0.967
    # loaded back: chainrule's weights are PyTorch's, bit for bit
    for name, tensor in handover["torch_model"].state_dict().items():
        assert torch.equal(handover["nn"].torch_state_dict(model)[name], tensor)


def test_the_onnx_file_computes_the_model(handover: dict) -> None:
    from autograd import Tensor

    want = handover["model"](Tensor(handover["X"][:5])).data
    np.testing.assert_allclose(handover["logits"], want, rtol=1e-12,
                               atol=1e-12 * np.abs(want).max())
