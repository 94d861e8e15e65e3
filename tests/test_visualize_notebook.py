"""visualize in Jupyter: a notebook executed headless (nbclient) with no `dot` on PATH.

The kernel's PATH also leaves out this Python's own scripts folder, as when a
notebook runs a virtualenv's kernel without activating it: graphviz-pure must
still be found.
"""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

CELLS = [
    "import shutil\nfrom autograd import Value, Tensor\nimport numpy as np\nimport visualize\n"
    "from nn import functional as F\n"
    "assert shutil.which('dot') is None, shutil.which('dot')",
    # micrograd's neuron; the cell ends in the drawing, as in micrograd's notebook
    "x1, w1 = Value(2.0, label='x1'), Value(-3.0, label='w1')\n"
    "o = (x1 * w1 + 1.0).tanh(); o.backward()\n"
    "visualize.draw(o, show_local_grads=True)",
    "z = Tensor(np.array([[2.0, 1.0, 0.1]]), requires_grad=True, label='z')\n"
    "fused = F.cross_entropy(z, [0], fused=True)\n"
    "composed = F.cross_entropy(Tensor(z.data, requires_grad=True, label='z'), [0])\n"
    "visualize.compare(fused, composed)",
    # micrograd's habit: render to a file by format, no system Graphviz
    "path = visualize.draw(o).render('g', format='svg')\n"
    "print(path, open(path).read().startswith('<?xml'))",
]


def _path_without_dot() -> str:
    scripts = os.path.realpath(sysconfig.get_path("scripts"))
    keep = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and not os.path.exists(os.path.join(d, "dot"))
            and os.path.realpath(d) != scripts]
    return os.pathsep.join(keep)


def test_draw_and_compare_display_inline_without_system_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _path_without_dot())
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)
    # The kernel must import this checkout's packages whether or not they are installed.
    root = str(Path(__file__).resolve().parent.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()

    for cell in notebook.cells:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, "\n".join(errors[0].traceback)
    for number in (1, 2):
        outputs = notebook.cells[number].outputs
        assert len(outputs) == 1 and outputs[0].output_type == "execute_result"
        svg = outputs[0].data["image/svg+xml"]
        assert "<svg" in svg and "</svg>" in svg
    assert ">x1<" in notebook.cells[1].outputs[0].data["image/svg+xml"]
    assert "composed: " in notebook.cells[2].outputs[0].data["image/svg+xml"]
    assert notebook.cells[3].outputs[0].text.split() == ["g.svg", "True"]
    assert (tmp_path / "g.svg").read_text(encoding="utf-8").startswith("<?xml")
    assert (tmp_path / "g").read_text(encoding="utf-8").startswith("digraph")
