"""The `chainrule` command line, in-process (`main([...])`) and as `python -m chainrule`."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chainrule.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd or ROOT, env=env)


def _svg_root(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    return root


# ---------------------------------------------------------------- help and usage errors
@pytest.mark.parametrize("command", ["demo", "train", "graph", "check"])
def test_every_command_has_help_with_examples(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert f"chainrule {command}" in out and "examples:" in out


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "COMMAND" in err and "chainrule --help" in err


@pytest.mark.parametrize("args, words", [
    (["graph", "a*b", "--var", "a2.0"], "NAME=NUMBER"),
    (["graph", "a", "--var", "a=x"], "not a number"),
    (["graph", "a", "--var", "exp=1"], "function name"),
    (["train", "--hidden", "4,,4"], "widths"),
    (["train", "--epochs", "0"], ">= 1"),
    (["check", "--tolerance", "-1"], ">= 0"),
])
def test_bad_option_values_are_usage_errors(args, words, capsys):
    assert main(args) == 2
    captured = capsys.readouterr()
    # One line: the error, and where the options are explained.
    assert words in captured.err and captured.err.count("\n") == 1
    assert f"chainrule {args[0]} --help" in captured.err and captured.out == ""


@pytest.mark.parametrize("expr, words", [
    ("__import__('os')", "unknown function '__import__'"),
    ("a.__class__", "attribute access"),
    ("(lambda: a)()", "lambdas"),
    ("a * zz", "unknown name zz"),
    ("a +", "syntax error"),
])
def test_graph_rejects_unsafe_or_unknown_input(expr, words, tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["graph", expr, "--var", "a=1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert words in err and "line 1, column" in err
    assert not out.exists()


def test_graph_lists_every_missing_variable(capsys):
    assert main(["graph", "a*b + c", "--var", "b=1"]) == 2
    assert "unknown names a, c" in capsys.readouterr().err


def test_graph_domain_error_is_a_usage_error(tmp_path, capsys):
    assert main(["graph", "log(a)", "--var", "a=-1", "--out", str(tmp_path / "g.svg")]) == 2
    assert "cannot evaluate" in capsys.readouterr().err


def test_graph_rejects_import_as_subprocess(tmp_path):
    result = _run("graph", "__import__('os').system('echo pwned')", "--out",
                  str(tmp_path / "g.svg"))
    assert result.returncode == 2
    assert "pwned" not in result.stdout and "error" in result.stderr


# ---------------------------------------------------------------- graph
def test_graph_writes_svg_and_prints_gradients(tmp_path, capsys):
    out = tmp_path / "g.svg"
    code = main(["graph", "a*b + a", "--var", "a=3", "--var", "b=4", "--out", str(out),
                 "--local-grads"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "= 15" in printed  # 3*4 + 3
    assert "d out / d a = 5" in printed and "d out / d b = 3" in printed  # b + 1, a
    assert str(out) in printed
    _svg_root(out)


def test_graph_as_subprocess(tmp_path):
    out = tmp_path / "t.svg"
    result = _run("graph", "tanh(x)", "--var", "x=0", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "d out / d x = 1" in result.stdout  # tanh'(0) = 1
    _svg_root(out)


# ---------------------------------------------------------------- check
def test_check_agrees_on_both_engines(capsys):
    assert main(["check", "--batch", "4", "--classes", "3"]) == 0
    out = capsys.readouterr().out
    assert "fused" in out and "composed" in out and "gradcheck PASS" in out
    assert main(["check", "--engine", "scalar", "--batch", "2", "--classes", "3"]) == 0
    assert main(["check", "--dtype", "float32", "--batch", "3", "--classes", "4"]) == 0


@pytest.mark.parametrize("shape", [("8", "5"), ("1", "2")])  # 1 x 2: often bit-identical
def test_check_fails_with_impossible_tolerance(shape, capsys):
    assert main(["check", "--batch", shape[0], "--classes", shape[1], "--tolerance", "0"]) == 1
    assert "DISAGREE" in capsys.readouterr().out


def test_check_exit_codes_as_subprocess():
    assert _run("check", "--batch", "3", "--classes", "2").returncode == 0
    failed = _run("check", "--batch", "3", "--classes", "2", "--tolerance", "0")
    assert failed.returncode == 1 and "DISAGREE" in failed.stdout


def test_check_usage_errors(capsys):
    assert main(["check", "--classes", "1"]) == 2
    assert main(["check", "--engine", "scalar", "--dtype", "float32"]) == 2
    assert "float32" in capsys.readouterr().err


# ---------------------------------------------------------------- train
@pytest.mark.parametrize("engine, extra", [
    ("tensor", ["--hidden", "16", "--epochs", "40", "--loss", "composed"]),
    ("scalar", ["--hidden", "4", "--epochs", "3", "--samples", "5"]),
])
def test_train_saves_model_and_plot(engine, extra, tmp_path, capsys):
    model, plot = tmp_path / "m.npz", tmp_path / "p.png"
    code = main(["train", "--engine", engine, "--data", "moons", "--samples", "20",
                 "--save", str(model), "--plot", str(plot), "--no-progress", *extra])
    out = capsys.readouterr().out
    assert code == 0
    assert "final loss" in out and "accuracy" in out
    assert model.exists() and plot.read_bytes().startswith(PNG_SIGNATURE)


def test_train_learns_vertical_clusters(capsys):
    # Three well separated clusters: any working training loop gets them nearly all right.
    assert main(["train", "--data", "vertical", "--samples", "30", "--hidden", "16",
                 "--epochs", "150", "--optimizer", "adam", "--no-progress"]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if "final loss" in s)
    assert float(line.split("accuracy ")[1].split("%")[0]) >= 90.0


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adagrad"])
def test_train_every_optimizer_runs(optimizer, capsys):
    assert main(["train", "--optimizer", optimizer, "--samples", "10", "--hidden", "8",
                 "--epochs", "5", "--no-progress"]) == 0


def test_train_moons_with_three_classes_is_a_usage_error(capsys):
    assert main(["train", "--data", "moons", "--classes", "3"]) == 2
    assert "moons" in capsys.readouterr().err


# ---------------------------------------------------------------- demo
def test_demo_writes_svgs_and_png(tmp_path, capsys):
    out = tmp_path / "demo"
    code = main(["demo", "--out", str(out), "--epochs", "5", "--samples", "20",
                 "--hidden", "8", "--no-progress"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "accuracy" in printed and "fused" in printed and "composed" in printed
    for name in ("neuron.svg", "fused_vs_composed.svg", "spiral.png"):
        assert str(out / name) in printed
    _svg_root(out / "neuron.svg")
    _svg_root(out / "fused_vs_composed.svg")
    assert (out / "spiral.png").read_bytes().startswith(PNG_SIGNATURE)


def test_demo_as_subprocess_in_default_directory(tmp_path):
    result = _run("demo", "--epochs", "3", "--samples", "10", "--hidden", "4", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "chainrule-out").iterdir())
    assert written == ["fused_vs_composed.svg", "neuron.svg", "spiral.png"]


def test_demo_neuron_gradients_match_closed_form():
    from chainrule.drawings import neuron

    out, leaves = neuron()
    v = {name: leaf.data for name, leaf in leaves.items()}
    t = math.tanh(v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["b"])
    assert out.data == pytest.approx(t)
    for w, x in (("w1", "x1"), ("w2", "x2")):
        assert leaves[w].grad == pytest.approx((1 - t * t) * v[x])
        assert leaves[x].grad == pytest.approx((1 - t * t) * v[w])
    assert leaves["b"].grad == pytest.approx(1 - t * t)


# Every error a user can cause, from argparse or from a command's own checks: one line
# (the usage block argparse would print first hides it), exit status 2, no traceback.
@pytest.mark.parametrize("args", [
    ["bogus"],
    ["train", "--bogus"],
    ["train", "--model", "cnn"],
    ["train", "--data", "moons", "--classes", "3"],
    ["train", "--export", "/no/such/folder/model.onnx"],
    ["train", "--export-torch", "/no/such/folder/model.pt"],
    ["train", "--plot", "/no/such/folder/p.png"],
    ["train", "--save", "/no/such/folder/m.npz"],  # before training, not a traceback after
    ["train", "--save", "weights.txt"],  # not silently weights.txt.npz
    ["graph", "a*exp(", "--var", "a=1"],
    ["graph", "a", "--var", "a=1", "--var", "a=2"],
    ["graph", "a", "--var", "a=1", "--out", "/no/such/folder/g.svg"],
    ["check", "--classes", "1"],
    ["check", "--dtype", "float32", "--engine", "scalar"],
])
def test_every_error_is_one_line(args, capsys):
    assert main(args) == 2
    captured = capsys.readouterr()
    first, *excerpt = captured.err.splitlines()
    assert first.startswith("chainrule") and "error:" in first, captured.err
    # Only a syntax error adds lines: the expression, and a caret under the fault.
    assert excerpt == [] or (len(excerpt) == 2 and excerpt[1].strip() == "^"), captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_graph_with_only_html_writes_only_the_page(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["graph", "a*b", "--var", "a=2", "--var", "b=3", "--html", "g.html"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.html"]
    assert main(["graph", "a*b", "--var", "a=2", "--var", "b=3"]) == 0  # the default stays
    assert (tmp_path / "graph.svg").exists()
