"""`chainrule` output files: the format follows the extension, path errors are one line
before any work, and `graph` from a fresh non-editable install, on a PATH without `dot`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chainrule.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"
NEURON = ["graph", "tanh(a*b + c)", "--var", "a=2", "--var", "b=-3", "--var", "c=1"]


def one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err  # no usage block, no traceback
    assert captured.out == ""  # nothing ran before the check
    return lines[0]


# ---------------------------------------------------------------- graph --out
@pytest.mark.parametrize("name, check", [
    ("g.svg", lambda data: ET.fromstring(data).tag.endswith("svg")),
    ("g.PNG", lambda data: data.startswith(PNG)),
    ("g.dot", lambda data: data.startswith(b"digraph {")),
])
def test_graph_writes_the_format_of_the_extension(name, check, tmp_path, capsys):
    out = tmp_path / name
    assert main([*NEURON, "--out", str(out)]) == 0
    assert check(out.read_bytes())
    assert f"wrote {out}" in capsys.readouterr().out


@pytest.mark.parametrize("make, words", [
    (lambda d: d / "g.jpg", "extension '.jpg'; the format follows the extension, one of .dot"),
    (lambda d: d / "g", "no extension"),
    (lambda d: d / "missing" / "g.svg", "folder"),
    (lambda d: (d / "taken.svg").mkdir() or d / "taken.svg", "is a folder"),
    (lambda d: (d / "file").write_text("x") and d / "file" / "g.svg", "is not a folder"),
])
def test_graph_path_errors_are_one_line_before_any_work(make, words, tmp_path, capsys):
    assert main([*NEURON, "--out", str(make(tmp_path))]) == 2
    line = one_line_error(capsys)
    assert line.startswith("chainrule graph: error: --out") and words in line


def test_an_unwritable_path_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # root may write anywhere
    assert main([*NEURON, "--out", str(tmp_path / "g.svg")]) == 2
    assert "permission denied" in one_line_error(capsys)


# ---------------------------------------------------------------- train --plot, demo --out
@pytest.mark.parametrize("suffix, signature", [(".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_train_plot_follows_the_extension(suffix, signature, tmp_path, capsys):
    plot = tmp_path / f"p{suffix}"
    assert main(["train", "--samples", "10", "--hidden", "4", "--epochs", "2",
                 "--no-progress", "--plot", str(plot)]) == 0
    assert plot.read_bytes().startswith(signature)


@pytest.mark.parametrize("make, words", [
    (lambda d: d / "p.jpg", "extension '.jpg'"),
    (lambda d: d / "nowhere" / "p.png", "does not exist"),
])
def test_train_plot_path_is_checked_before_training(make, words, tmp_path, capsys):
    assert main(["train", "--no-progress", "--plot", str(make(tmp_path))]) == 2
    line = one_line_error(capsys)  # out is empty: training never started
    assert line.startswith("chainrule train: error: --plot") and words in line


def test_demo_out_must_be_a_folder(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main(["demo", "--out", str(tmp_path / "file"), "--no-progress"]) == 2
    assert "a file is in the way" in one_line_error(capsys)


# ---------------------------------------------------------------- a fresh install
@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """chainrule built and installed (not editable) into a folder of its own."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in ("autograd", "nn", "visualize", "chainrule"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    target = base / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(source)], check=True, timeout=600)
    assert (target / "visualize" / "fonts" / "chainrule-sans.woff2").is_file()
    return target


def run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    path = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and not os.path.exists(os.path.join(d, "dot"))]
    env = dict(os.environ, PYTHONPATH=str(site), PATH=os.pathsep.join(path))
    env.pop("CHAINRULE_RENDERER", None)
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env=env)


def test_graph_from_a_fresh_install_draws_a_101_term_shared_sum(installed, tmp_path):
    # 33 s before (one edge per use, WebAssembly); its time is in benchmarks/render.py.
    expr = "+".join("ab"[i % 2] for i in range(101))
    done = run_installed(installed, tmp_path, "graph", "--var", "a=1", "--var", "b=1",
                         "--out", "sum.png", "--", expr)
    assert done.returncode == 0, done.stderr
    assert "d out / d a = 51" in done.stdout and "d out / d b = 50" in done.stdout
    assert (tmp_path / "sum.png").read_bytes().startswith(PNG)
    where = subprocess.run([sys.executable, "-c", "import visualize; print(visualize.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path,
                           env=dict(os.environ, PYTHONPATH=str(installed)))
    assert where.stdout.strip().startswith(str(installed))  # the installed copy ran


def test_graph_from_a_fresh_install_writes_svg_with_its_font(installed, tmp_path):
    done = run_installed(installed, tmp_path, *NEURON)
    assert done.returncode == 0, done.stderr
    svg = (tmp_path / "graph.svg").read_text(encoding="utf-8")
    assert "@font-face" in svg and ET.fromstring(svg).tag.endswith("svg")


def test_demo_without_a_renderer_says_so_in_one_line_and_still_plots(tmp_path, capsys,
                                                                    monkeypatch):
    from visualize import render as rnd
    monkeypatch.setattr(rnd, "available", lambda name: False)
    code = main(["demo", "--out", str(tmp_path), "--epochs", "2", "--samples", "10",
                 "--hidden", "4", "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    errors = captured.err.strip().splitlines()
    assert len(errors) == 2 and all("no Graphviz found" in line for line in errors)
    assert errors[0].startswith("chainrule demo: cannot draw neuron.svg: ")
    assert (tmp_path / "spiral.png").read_bytes().startswith(PNG)
    assert not (tmp_path / "neuron.svg").exists()
