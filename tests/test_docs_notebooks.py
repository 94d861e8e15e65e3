"""The tutorials (docs/tutorials): each executed headless in a fresh Jupyter kernel on a
PATH without Graphviz's `dot`, as `python docs/notebooks.py` runs them; each `.ipynb` holds
the cells of its `.py` with the outputs of a complete run; and a wrong number fails."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "docs" / "tutorials"
NAMES = sorted(path.stem for path in TUTORIALS.glob("*.py"))


def _runner():
    spec = importlib.util.spec_from_file_location("docs_notebooks", ROOT / "docs" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tools():
    for name in ("jupytext", "nbclient", "nbformat", "ipykernel"):
        pytest.importorskip(name, reason=f"{name} not installed: pip install -e '.[dev]'")


@pytest.fixture
def no_system_graphviz(monkeypatch):
    """The kernel inherits a PATH of folders without a `dot`, this Python's own first."""
    folders = [str(Path(sys.executable).parent)] + [
        folder for folder in os.environ.get("PATH", "").split(os.pathsep)
        if folder and not shutil.which("dot", path=folder)]
    monkeypatch.setenv("PATH", os.pathsep.join(dict.fromkeys(folders)))
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)


def _outputs(notebook, kind: str) -> list:
    return [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs if kind in output.get("data", {})
            or output.get("name") == kind]


def _text(notebook) -> str:
    return "".join(output["text"] for output in _outputs(notebook, "stdout"))


def test_there_are_the_two_tutorials():
    assert NAMES == ["backpropagation", "from_micrograd"]


@pytest.mark.parametrize("name", NAMES)
def test_ipynb_has_the_cells_of_its_py_and_a_complete_run(name):
    _tools()
    import jupytext

    script, stored = jupytext.read(TUTORIALS / f"{name}.py"), jupytext.read(
        TUTORIALS / f"{name}.ipynb")
    assert [(c.cell_type, c.source) for c in stored.cells] == \
        [(c.cell_type, c.source) for c in script.cells], \
        f"{name}.ipynb is not {name}.py: run `python docs/notebooks.py {name}`"
    assert stored.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    code = [cell for cell in stored.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]


def test_the_chapter_runs_headless_with_its_pictures(no_system_graphviz):
    _tools()
    notebook = _runner().execute(TUTORIALS / "backpropagation.py")
    text = _text(notebook)
    assert "0.38506088005216804" in text and "5.985" in text
    assert "combined is" in text and "(the book: about 6.9x)" in text
    assert len(_outputs(notebook, "image/svg+xml")) == 4  # neuron, layer, softmax, compare
    assert len(_outputs(notebook, "image/png")) == 1  # the training plot
    explorers = [o["data"]["text/html"] for o in _outputs(notebook, "text/html")]
    assert len(explorers) == 2 and all(h.startswith("<iframe srcdoc=") for h in explorers)
    (bar,) = [o["text"] for o in _outputs(notebook, "stderr") if "fit:" in o["text"]]
    assert "1000/1000" in bar and "acc=" in bar and "\r" not in bar  # the bar's last state


def test_the_micrograd_notebook_runs_headless(no_system_graphviz):
    _tools()
    notebook = _runner().execute(TUTORIALS / "from_micrograd.py")
    text = _text(notebook)
    assert text.startswith("24.7041\n138.8338\n645.5773\n")
    assert "number of parameters 337" in text and "step 99 loss" in text
    assert "Tensor engine:" in text and len(_outputs(notebook, "image/png")) == 3


@pytest.mark.parametrize("name, right, wrong", [
    ("backpropagation", "[-0.07, 0.09, -0.02]", "[-0.07, 0.08, -0.02]"),
    ("backpropagation", "[0.0333, -0.1667, 0.1333]", "[0.0333, -0.1667, 0.1433]"),
    ("from_micrograd", "'645.5773'", "'645.5774'"),
])
def test_a_wrong_number_fails_the_notebook(name, right, wrong, tmp_path, no_system_graphviz):
    _tools()
    import jupytext
    import nbclient

    notebook = jupytext.read(TUTORIALS / f"{name}.py")
    (index,) = [i for i, cell in enumerate(notebook.cells) if right in cell.source]
    notebook.cells[index].source = notebook.cells[index].source.replace(right, wrong)
    notebook.cells = notebook.cells[:index + 1]
    changed = tmp_path / f"{name}.ipynb"
    jupytext.write(notebook, changed)
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="AssertionError"):
        _runner().execute(changed)


def test_notebooks_script_names_a_missing_tutorial(capsys):
    assert _runner().main(["no_such_tutorial"]) == 2
    assert "no such tutorial" in capsys.readouterr().err
