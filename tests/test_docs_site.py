"""The documentation site (mkdocs.yml, docs/): built in strict mode, where any warning
(a broken link or anchor, a page missing from the nav, a docstring mkdocstrings cannot
read, a notebook link the hook cannot resolve) is an error; and the pages the README
points to, with the code they show."""

from __future__ import annotations

import html
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autograd

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    for name in ("mkdocs", "material", "mkdocstrings_handlers.python", "mkdocs_jupyter"):
        pytest.importorskip(name, reason=f"{name} not installed: pip install -e '.[docs]' "
                            "(or '.[ci]') builds the documentation site")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                          str(ROOT / "mkdocs.yml"), "-d", str(out)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "WARNING" not in run.stderr, run.stderr[-3000:]
    return out


def _page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def test_the_tutorials_are_pages_with_their_outputs_and_links(site):
    chapter = _page(site, "tutorials/backpropagation")
    assert "0.38506088005216804" in chapter
    assert chapter.count("chainrule explorer: ") >= 2 and "srcdoc=" in chapter
    assert "<svg" in chapter and "data:image/png;base64" in chapter
    # the notebooks' file links became page links (docs/hooks/notebook_links.py)
    assert 'href="../../book_parity/"' in chapter and 'href="../from_micrograd/"' in chapter
    assert not re.search(r'href="[^":]+\.(md|ipynb)["#]', chapter)
    assert "645.5773" in _page(site, "tutorials/from_micrograd")


def test_the_api_reference_reads_the_docstrings(site):
    autograd = _page(site, "api/autograd")
    assert "One backward pass per output element" in autograd  # jacobian's docstring
    nn_page = _page(site, "api/nn")
    for name in ("L1Loss", "velocity", "CrossEntropyLoss", "spiral"):
        assert name in nn_page, name
    assert "explore_compare" in _page(site, "api/visualize")


def test_the_benchmarks_page_is_the_readmes_tables(site):
    page = _page(site, "benchmarks")
    assert "Scalar engine vs micrograd" in page and "<table>" in page
    assert "--8&lt;--" not in page and "--8<--" not in page


def test_the_site_needs_no_network_to_read(site):
    # No script, style sheet or font is fetched from elsewhere when a page is opened.
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        found = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?:[^"]+)"', text)
        assert not found, (page, found)


def test_every_autograd_member_shows_its_docstring(site):
    # Functions made by a factory (`sin = _primitive(...)`) are read by the static analysis
    # as attributes, shown as their assignment: each member must show its own docstring.
    members = re.findall(r"^(?: {8}- |::: autograd\.\w+\.)(\w+)$",
                         (DOCS / "api" / "autograd.md").read_text("utf-8"), re.M)

    def letters(text: str) -> str:  # markup and typography aside
        return re.sub(r"[\W_]+", "", text)

    text = letters(html.unescape(re.sub(r"<[^>]+>", "", _page(site, "api/autograd"))))
    missing = []
    for name in members:
        first = letters(inspect.getdoc(getattr(autograd, name)) or "")[:40]
        if first not in text:
            missing.append((name, first))
    assert len(members) > 80 and not missing, missing
    ops = _page(site, "ops")
    assert ops.count("<table>") == 9 and "identity" in ops
