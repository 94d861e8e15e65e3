"""The documentation's pages without building the site: every relative link of the README
and of docs/*.md reaches a file, the README points to the tutorials, book parity and the
site, every page is in the site's nav, and the code on the book-parity page runs and
prints the book's first line."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _relative_links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return [target.split("#")[0] for target in LINK.findall(text)
            if not re.match(r"[a-z]+:", target) and not target.startswith("#")]


@pytest.mark.parametrize("page", [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_reach_files(page):
    missing = [t for t in _relative_links(page) if not (page.parent / t).exists()]
    assert not missing, missing


def test_the_readme_links_to_the_tutorials_book_parity_and_the_site():
    links = set(_relative_links(ROOT / "README.md"))
    assert {"docs/tutorials/backpropagation.ipynb", "docs/tutorials/from_micrograd.ipynb",
            "docs/book_parity.md"} <= links
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "mkdocs build --strict" in readme and "pip install -e '.[docs]'" in readme
    assert "<!-- --8<-- [start:benchmarks] -->" in readme  # the site's benchmarks page


def _nav_entries() -> set[str]:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text.split("\nnav:\n", 1)[1].split("\n\n", 1)[0]
    active = [line for line in nav.splitlines() if not line.lstrip().startswith("#")]
    return set(re.findall(r"([\w/]+\.(?:md|ipynb))", "\n".join(active)))


def test_every_page_is_in_the_nav():
    pages = {str(p.relative_to(DOCS)) for p in [*DOCS.rglob("*.md"), *DOCS.rglob("*.ipynb")]}
    assert pages == _nav_entries()


def test_the_conventions_page_joins_the_nav_when_it_lands():
    # docs/conventions.md (issue 14) is the table of values at non-differentiable points;
    # mkdocs.yml holds its nav entry commented out until the file exists.
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "conventions.md" in nav
    if (DOCS / "conventions.md").exists():
        assert "conventions.md" in _nav_entries()
        assert "docs/conventions.md" in _relative_links(ROOT / "README.md")


def test_the_book_parity_code_prints_the_books_first_line():
    text = (DOCS / "book_parity.md").read_text(encoding="utf-8")
    (code,) = [block for block in re.findall(r"```python\n(.*?)```", text, re.S)
               if "RandomState" in block]
    assert "range(10001)" in code
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code.replace("range(10001)", "range(1)"), {})  # noqa: S102 - the page's own code
    assert printed.getvalue() == "epoch: 0, acc: 0.360, loss: 1.099, lr: 1.0\n"


@pytest.mark.parametrize("package", ["autograd", "nn", "visualize", "chainrule"])
def test_the_readmes_layout_names_every_module(package):
    # A module the layout does not name is one a reader cannot find: this fails when one
    # is added without a word in README.md's "Project layout".
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Project layout", 1)[1].split("```", 2)[1]
    section = layout.split(f"\n{package}/", 1)[1]
    section = re.split(r"\n\w+/ ", section, maxsplit=1)[0]  # up to the next package
    named = set(re.findall(r"([\w*]+)\.py", section))
    modules = {p.stem for p in (ROOT / package).glob("*.py")} - {"__init__", "__main__"}
    missing = {m for m in modules
               if m not in named and not any(n.endswith("*") and m.startswith(n[:-1])
                                             for n in named)}
    assert not missing, f"README's layout does not name {package}/: {sorted(missing)}"
