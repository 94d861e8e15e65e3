"""The pictures in docs/ are what the code draws today: the README's visualize example
writes docs/neuron.svg byte for byte, and docs/make_examples.py rewrites every SVG there
unchanged (graphviz-pure lays out the same bytes on every machine)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@pytest.fixture(autouse=True)
def default_renderer(monkeypatch):
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)


def visualize_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    (block,) = [b for b in blocks if b.startswith("import visualize") and "neuron.svg" in b]
    return block


def test_the_readme_visualize_example_writes_docs_neuron_svg(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile("from autograd import Value\n" + visualize_block(), "README", "exec"),
         namespace)
    assert (tmp_path / "neuron.svg").read_bytes() == (DOCS / "neuron.svg").read_bytes()
    printed = capsys.readouterr().out
    assert "-> x1*w1 -[+ ×1]-> x1*w1 + x2*w2 -[" in printed  # as the README's comment says


def test_make_examples_reproduces_every_docs_svg(tmp_path):
    spec = importlib.util.spec_from_file_location("make_examples", DOCS / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    written = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert written == sorted(p.name for p in DOCS.glob("*.svg"))
    for name in written:
        assert (tmp_path / name).read_bytes() == (DOCS / name).read_bytes(), name


def test_every_svg_embeds_its_font():
    for path in DOCS.glob("*.svg"):
        text = path.read_text(encoding="utf-8")
        assert "@font-face" in text and 'font-family:"chainrule sans"' in text, path.name
