"""visualize.explore without a browser: what the page holds, its errors, and the CLI's --html.

The page's behaviour is tested in Chromium (tests/test_explore_browser.py); here the
numbers it carries are checked against the graph, and the page against anything
that would make it reach the network.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nn
import visualize
from autograd import Tensor, Value, topological_order
from chainrule.__main__ import main
from visualize.explore_data import MATRIX_LIMIT, array

ROOT = Path(__file__).resolve().parent.parent


def _data(explorer: visualize.Explorer) -> dict:
    text = re.search(r'<script type="application/json" id="chainrule-data">(.*?)</script>',
                     explorer.html, re.S).group(1)
    return json.loads(text)


def _views(pane: dict) -> list[str]:
    return [view["svg"] if "svg" in view else
            gzip.decompress(base64.b64decode(view["gz"])).decode("utf-8")
            for view in pane["views"]]


def _mlp(samples: int = 3):
    model = nn.MLP(3, [4, 4, 1], seed=0)
    rng = np.random.default_rng(0)
    loss = Value.sum([(model([Value(v, label=f"x{i}") for v in x]) - 1.0) ** 2
                      for i, x in enumerate(rng.normal(size=(samples, 3)).tolist())])
    loss.backward()
    return loss, model


def test_the_page_carries_every_node_with_its_numbers_and_local_derivatives():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b + a ** 2).tanh()
    out.backward()
    data = _data(visualize.explore(out))
    nodes = data["panes"][0]["model"]["nodes"]
    order = topological_order(out)
    index = {id(n): i for i, n in enumerate(order)}
    assert len(nodes) == len(order) and data["panes"][0]["model"]["root"] == len(order) - 1
    for node, shown in zip(order, nodes):
        assert shown["data"] == node.data and shown["grad"] == node.grad
        assert shown["parents"] == [index[id(p)] for p in node.parents]
        assert shown["op"] == node.op
        if node.parents:
            assert shown["local"] == list(node._op.local_derivatives(node))
            assert all(i < index[id(node)] for i in shown["parents"])  # topological


def test_infinite_and_nan_numbers_survive_as_strings_javascript_reads():
    x = Value(1e308, label="x")
    y = x * 10.0  # inf
    z = y - y  # nan
    z.backward()
    data = _data(visualize.explore(z))
    values = {n["data"] for n in data["panes"][0]["model"]["nodes"]}
    assert "Infinity" in values and "NaN" in values


def test_arrays_up_to_the_limit_are_whole_and_larger_ones_are_heat_maps():
    small = np.arange(MATRIX_LIMIT, dtype=np.float32).reshape(8, 8)
    shown = array(small)
    assert shown["values"] == small.ravel().tolist() and (shown["rows"], shown["cols"]) == (8, 8)
    assert shown["dtype"] == "float32"
    big = np.linspace(-5.0, 3.0, 3 * 100 * 7).reshape(3, 100, 7)
    shown = array(big)
    assert "values" not in shown and shown["shape"] == [3, 100, 7]
    assert (shown["min"], shown["max"]) == (-5.0, 3.0)
    heat = shown["heat"]
    assert heat["rows"] <= 24 and heat["cols"] == 7
    assert len(heat["cells"]) == heat["rows"] * heat["cols"]
    assert min(heat["cells"]) == -100 and 0 < max(heat["cells"]) <= 100
    assert array(None) is None
    assert array(np.array(2.5)) == {"shape": [], "dtype": "float64", "rows": 1, "cols": 1,
                                    "values": [2.5]}


def test_every_node_is_drawn_in_some_view_and_calls_start_folded():
    loss, model = _mlp()
    explorer = visualize.explore(loss, params=model, max_nodes=None)
    pane = _data(explorer)["panes"][0]
    views = _views(pane)
    order = topological_order(loss)
    drawn = set()
    for svg in views:
        drawn.update(int(i) for i in re.findall(r'id="av\d+n(\d+)"', svg))
    assert drawn == set(range(len(order)))
    top = views[0]
    assert len(re.findall(r'id="av0s\d+"', top)) == 3  # one folded MLP call per sample
    assert len(re.findall(r'id="av0n\d+"', top)) < len(order) / 4
    scopes = pane["model"]["scopes"]
    assert [s["title"] for s in scopes[:3]] == ["MLP #1", "Layer #1", "Layer #2"]
    assert {view["scope"] for view in pane["views"][1:]} == set(range(len(scopes)))


def test_the_page_needs_no_network():
    loss, model = _mlp(2)
    html = visualize.explore(loss, params=model).html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//|<link\b|<script[^>]*\bsrc=",
                         html, re.I)
    assert not re.search(r"\bfetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon", html)


def test_jupyter_shows_the_page_in_an_iframe():
    out = Value(3.0, label="a") * Value(4.0, label="b")
    out.backward()
    explorer = visualize.explore(out)
    shown = explorer._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "<script" not in shown
    assert "&lt;script" in shown


def test_save_writes_the_page_and_names_a_path_it_cannot_write(tmp_path):
    out = Value(1.0, label="a").exp()
    out.backward()
    explorer = visualize.explore(out)
    path = explorer.save(tmp_path / "page.html")
    assert path.read_text(encoding="utf-8") == explorer.html
    missing = tmp_path / "no-such-folder" / "page.html"
    with pytest.raises(OSError, match=re.escape(str(missing))):
        explorer.save(missing)
    assert not missing.parent.exists()


@pytest.mark.parametrize("call, error, words", [
    (lambda: visualize.explore(3.0), TypeError, "expected a Value or Tensor, got float"),
    (lambda: visualize.explore(Value(1.0), max_nodes=0), ValueError, "max_nodes"),
    (lambda: visualize.explore(Value(1.0), max_paths=-1), ValueError, "max_paths"),
    (lambda: visualize.explore(Value(1.0), params=[1]), TypeError, "named_parameters"),
    (lambda: visualize.explore_compare(Value(1.0), "x"), TypeError, "got str"),
    (lambda: visualize.explore_compare(Value(1.0), Value(2.0), titles=("a",)), ValueError,
     "titles"),
])
def test_bad_arguments_are_named(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_compare_pairs_inputs_by_name_and_shape_with_the_gradients_difference():
    from nn.functional import cross_entropy

    data = np.array([[2.0, 1.0, 0.1], [0.5, -1.0, 3.0]])
    first = Tensor(data, requires_grad=True, label="logits")
    second = Tensor(data.copy(), requires_grad=True, label="logits")
    fused, composed = cross_entropy(first, [0, 2], fused=True), cross_entropy(second, [0, 2])
    fused.backward()
    composed.backward()
    page = _data(visualize.explore_compare(fused, composed))
    (pair,) = page["pairs"]
    assert page["panes"][0]["model"]["nodes"][pair["a"]]["name"] == "logits"
    assert page["panes"][1]["model"]["nodes"][pair["b"]]["name"] == "logits"
    difference = first.grad - second.grad
    assert pair["diff"]["values"] == difference.ravel().tolist()
    assert pair["maxDiff"] == np.abs(difference).max()
    assert page["panes"][0]["title"] == "fused: 2 nodes"


def test_big_views_keep_the_nodes_nearest_the_output():
    x = Value(0.5, label="x")
    y = x
    for _ in range(300):
        y = y * 1.001 + 0.001
    y.backward()
    explorer = visualize.explore(y, max_nodes=50)
    top = _views(_data(explorer)["panes"][0])[0]
    assert len(re.findall(r'id="av0n\d+"', top)) == 50
    assert f'id="av0n{len(topological_order(y)) - 1}"' in top  # the root is kept
    assert "more nodes not shown" in top


# ---------------------------------------------------------------- the command line
def test_cli_graph_writes_the_explorer_with_html_and_by_extension(tmp_path, capsys):
    page, svg = tmp_path / "g.html", tmp_path / "g.svg"
    assert main(["graph", "a*b + a", "--var", "a=3", "--var", "b=4", "--out", str(svg),
                 "--html", str(page)]) == 0
    assert svg.exists() and page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert f"wrote {page}" in capsys.readouterr().out
    only = tmp_path / "only.HTML"
    assert main(["graph", "tanh(x)", "--var", "x=0.5", "--out", str(only)]) == 0
    assert 'id="chainrule-data"' in only.read_text(encoding="utf-8")
    assert not (tmp_path / "graph.svg").exists()


def test_cli_graph_html_path_error_is_one_line(tmp_path):
    missing = tmp_path / "missing" / "g.html"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-m", "chainrule", "graph", "a*2", "--var", "a=1",
                             "--out", str(missing)], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("chainrule graph: error: ")
    assert f"cannot write '{missing}'" in errors[0]
    assert "Traceback" not in result.stderr


def test_an_installed_copy_writes_the_page_with_its_script(tmp_path):
    """From a real install (not this source tree): the page's assets are package data."""
    source, site = tmp_path / "source", tmp_path / "site"
    source.mkdir()  # a copy of the project: building writes into the source folder
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in ("autograd", "nn", "visualize", "chainrule"):
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(site), str(source)],
                   check=True, capture_output=True, timeout=600, cwd=tmp_path)
    env = dict(os.environ, PYTHONPATH=str(site))
    page = tmp_path / "g.html"
    result = subprocess.run([sys.executable, "-m", "chainrule", "graph", "a*b", "--var", "a=2",
                             "--var", "b=3", "--html", str(page), "--out", str(tmp_path / "g.svg")],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    for asset in ("explorer.css", "numbers.js", "panel.js", "explorer.js"):
        text = (ROOT / "visualize" / "explorer" / asset).read_text(encoding="utf-8")
        assert text in html, asset


def test_save_by_extension_writes_the_explorer_with_one_copy_of_the_font(tmp_path):
    a = Value(2.0, label="a")
    out = (a * a).tanh()
    out.backward()
    path = visualize.save(out, tmp_path / "g.html")
    html = path.read_text(encoding="utf-8")
    assert 'id="chainrule-data"' in html
    assert html.count("@font-face") == 1  # the drawings' font, once for all the views
    with pytest.raises(TypeError, match="needs a Value or Tensor root"):
        visualize.save(visualize.draw(out), tmp_path / "drawing.html")
    assert not (tmp_path / "drawing.html").exists()


def test_cli_html_with_another_extension_is_a_one_line_usage_error(tmp_path, capsys):
    assert main(["graph", "a*2", "--var", "a=1", "--html", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert "--html" in err and ".html" in err and "Traceback" not in err
    assert not (tmp_path / "g.svg").exists() and not (tmp_path / "graph.svg").exists()
