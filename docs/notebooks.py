"""Run the tutorial notebooks and store them with their outputs.

Each tutorial in docs/tutorials is a pair kept in step by jupytext: `name.py` (the
"percent" script: the cells as plain Python, what you edit and review) and
`name.ipynb` (the same cells with their outputs, for reading on a code host and on
the documentation site). Edit either one in Jupyter with jupytext installed and it
saves both; or edit the `.py` and run

    python docs/notebooks.py                   # every tutorial
    python docs/notebooks.py backpropagation   # one

which executes each `.py` top to bottom in a fresh Jupyter kernel (nbclient) and
writes its `.ipynb`. The test suite (tests/test_docs_notebooks.py) executes them the
same way and fails if a cell raises, e.g. an `assert` on a published number.
"""

from __future__ import annotations

import sys
from pathlib import Path

TUTORIALS = Path(__file__).resolve().parent / "tutorials"


def tutorials() -> list[Path]:
    """The `.py` side of every tutorial pair, sorted by name."""
    return sorted(TUTORIALS.glob("*.py"))


def execute(source: Path, timeout: int = 600, cells: int | None = None) -> object:
    """Run the notebook of `source` (a jupytext `.py` or an `.ipynb`) in a new kernel.

    Returns the notebook (nbformat) with its outputs; runs only the first `cells`
    cells when given. Streams are merged with carriage returns applied (a progress bar
    is stored as its last state), and no timing metadata is recorded, so a rerun
    changes only what the code prints. Raises nbclient's CellExecutionError, naming
    the cell, when a cell fails.
    """
    import jupytext
    import nbclient

    notebook = jupytext.read(source)
    if cells is not None:
        notebook.cells = notebook.cells[:cells]
    client = nbclient.NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", coalesce_streams=True,
        record_timing=False, resources={"metadata": {"path": str(source.parent)}})
    client.execute()
    return notebook


def main(names: list[str]) -> int:
    """Execute the named tutorials (all when none) and write their `.ipynb` files."""
    import jupytext

    sources = [TUTORIALS / f"{name.removesuffix('.py')}.py" for name in names] or tutorials()
    missing = [str(path) for path in sources if not path.is_file()]
    if missing:
        print(f"notebooks.py: no such tutorial: {', '.join(missing)}", file=sys.stderr)
        return 2
    for source in sources:
        print(f"executing {source.name} ...", flush=True)
        jupytext.write(execute(source), source.with_suffix(".ipynb"))
        print(f"wrote {source.with_suffix('.ipynb')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
