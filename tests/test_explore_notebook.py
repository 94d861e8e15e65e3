"""`explore(o)` in a real Jupyter kernel: a notebook executed headless by nbclient, no `dot`."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

CELLS = [
    "import shutil\nassert shutil.which('dot') is None, shutil.which('dot')",
    "import visualize\nfrom autograd import Value\n"
    "x1, w1 = Value(2.0, label='x1'), Value(-3.0, label='w1')\n"
    "o = (x1 * w1).tanh(); o.label = 'o'; o.backward()",
    "visualize.explore(o)",
]


def test_explore_shows_inline_in_a_notebook_without_dot(monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="nbformat not installed (pip install "
                                   "-e '.[ci]'); the notebook test needs it")
    nbclient = pytest.importorskip("nbclient", reason="nbclient not installed (pip install "
                                   "-e '.[ci]'); the notebook test needs it")
    pytest.importorskip("ipykernel", reason="ipykernel not installed (pip install -e '.[ci]')")
    # The kernel inherits this PATH: only folders without a Graphviz `dot` in them, and
    # this Python's own folder first so the kernel is this virtualenv's.
    folders = [str(Path(sys.executable).parent)] + [
        folder for folder in os.environ.get("PATH", "").split(os.pathsep)
        if folder and not shutil.which("dot", path=folder)]
    monkeypatch.setenv("PATH", os.pathsep.join(dict.fromkeys(folders)))
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(Path.cwd())}})
    client.execute()
    (output,) = notebook.cells[-1].outputs
    html = output["data"]["text/html"]
    assert html.startswith("<iframe srcdoc=")
    assert "chainrule explorer: o" in html and "chainrule-data" in html
