"""`visualize.explore`: the chain rule you can click, as one self-contained HTML page.

The page holds everything inline (no network, no CDN): the graph's numbers
(`explore_data`), its views drawn ahead of time by Graphviz (`explore_views`;
views after the first are gzip-compressed and unpacked by the browser's own
`DecompressionStream` when opened), and a small hand-written script and style
sheet from `visualize/explorer/`. It opens from disk, and shows inline in Jupyter
inside an `<iframe srcdoc>` so its script and style cannot touch the notebook's.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import os
from importlib import resources
from pathlib import Path
from string import Template

import numpy as np

from autograd.graph import Node
from visualize import fontface
from visualize import label as lbl
from visualize.draw import DEFAULT_MAX_NODES
from visualize.explore_data import Model, array, number
from visualize.explore_views import build_views
from visualize.formats import register_format

_ASSETS = resources.files("visualize") / "explorer"
_SCRIPTS = ("numbers.js", "panel.js", "explorer.js")


class Explorer:
    """A finished explorer page: `.html` (text), `.save(path)`, and inline display in Jupyter."""

    def __init__(self, html_text: str, title: str) -> None:
        self.html = html_text
        self.title = title

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to `path` (UTF-8) and return it; open it in any browser, offline.

        Raises OSError naming the path when it cannot be written (missing folder, no access).
        """
        path = Path(path)
        try:
            path.write_text(self.html, encoding="utf-8")
        except OSError as error:
            raise OSError(f"visualize.explore: cannot write {str(path)!r}: "
                          f"{error.strerror or error}") from None
        return path

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="'
                f'{html.escape(self.title)}" sandbox="allow-scripts" style="width: 100%; '
                'height: 640px; border: 1px solid #ddd"></iframe>')

    def __repr__(self) -> str:
        return f"<Explorer {self.title!r}: {len(self.html):,} characters of HTML>"


def _check(root: object, max_nodes: object, params: object, what: str) -> dict[int, str]:
    if not isinstance(root, Node):
        raise TypeError(f"visualize.{what}: expected a Value or Tensor, got {type(root).__name__}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)
                                  or max_nodes < 1):
        raise ValueError(f"visualize.{what}: max_nodes must be None or an int >= 1, "
                         f"got {max_nodes!r}")
    if params is None:
        return {}
    if not callable(getattr(params, "named_parameters", None)):
        raise TypeError(f"visualize.{what}: params must have a named_parameters() method, "
                        f"got {type(params).__name__}")
    return {id(node): str(name) for name, node in params.named_parameters()}


def _pane(root: Node, names: dict, side: str, title: str, max_nodes: int | None,
          renderer: str | None) -> tuple:
    model = Model(root, names)
    data = model.to_json()
    views = build_views(model, side, max_nodes=max_nodes, renderer=renderer)
    for view in views[1:]:  # the first view is shown at once; the others when opened
        packed = gzip.compress(view.pop("svg").encode("utf-8"), compresslevel=6, mtime=0)
        view["gz"] = base64.b64encode(packed).decode("ascii")
    return model, {"title": title, "model": data, "views": views}


def _page(title: str, panes: list[dict], pairs: list[dict], max_paths: int) -> str:
    data = json.dumps({"panes": panes, "pairs": pairs, "maxPaths": max_paths},
                      separators=(",", ":"), allow_nan=False)
    # "<" escaped: the JSON sits in a <script> element, which "</script" would end.
    data = data.replace("<", "\\u003c")
    script = "\n".join((_ASSETS / name).read_text(encoding="utf-8") for name in _SCRIPTS)
    page = Template((_ASSETS / "page.html").read_text(encoding="utf-8"))
    return page.substitute(title=html.escape(title), data=data, script=script,
                           style=(_ASSETS / "explorer.css").read_text(encoding="utf-8"),
                           font=fontface.style_element())


def explore(root: Node, *, params: object = None, max_nodes: int | None = DEFAULT_MAX_NODES,
            max_paths: int = 50, title: str | None = None,
            renderer: str | None = None) -> Explorer:
    """An interactive page of the graph under `root` (a Value or a Tensor, after backward).

    Every node shows data and grad, every edge its local derivative, laid out by
    Graphviz as `visualize.draw` does. Clicking a node shows its op, value, grad
    (tensors of up to 64 entries as matrices, larger ones as heat maps) and the
    chain-rule step that made its grad; clicking a leaf lights every path to the
    root and lists each path's product of local derivatives (the first
    `max_paths`), whose sum is the leaf's grad (`visualize.chain`); buttons and
    arrow keys replay backward one node at a time. Calls of composite functions
    (`autograd.scope`, modules) start folded and open on click. `params=model`
    names parameters; a view with more than `max_nodes` items (None: no limit)
    keeps those nearest its outputs; `renderer` chooses the Graphviz
    (`visualize.select_renderer`). Raises TypeError / ValueError for bad arguments,
    `visualize.DrawingTooLargeError` for a view too big to lay out in seconds (lower
    `max_nodes`), `visualize.RendererUnavailableError` when no Graphviz can run.
    """
    names = _check(root, max_nodes, params, "explore")
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 0:
        raise ValueError(f"visualize.explore: max_paths must be an int >= 0, got {max_paths!r}")
    title = title if title is not None else f"chainrule explorer: {root.label or 'graph'}"
    _, pane = _pane(root, names, "a", root.label or "graph", max_nodes, renderer)
    return Explorer(_page(title, [pane], [], max_paths), title)


def _grad_array(node: Node) -> np.ndarray | None:
    return None if node.grad is None else np.asarray(node.grad, dtype=np.float64)


def _pairs(first: Model, second: Model) -> list[dict]:
    """Leaves of the two graphs with the same name and shape, with their grads' difference."""
    def leaves(model: Model) -> dict:
        out = {}
        for i, node in enumerate(model.order):
            name = model.name(node)
            if not node.parents and name:
                out.setdefault((name, np.shape(node.data)), i)
        return out

    ours, theirs = leaves(first), leaves(second)
    pairs = []
    for key, i in ours.items():
        if key in theirs:
            j = theirs[key]
            a, b = _grad_array(first.order[i]), _grad_array(second.order[j])
            diff = None if a is None or b is None else a - b
            largest = None if diff is None else number(np.max(np.abs(diff), initial=0.0))
            diff_json = None if diff is None else (number(diff) if diff.ndim == 0 and
                                                   not lbl.is_tensor(first.order[i])
                                                   else array(diff))
            pairs.append({"a": i, "b": j, "diff": diff_json, "maxDiff": largest})
    return pairs


def explore_compare(first: Node, second: Node, *, titles: tuple[str, str] = ("fused", "composed"),
                    params: object = None, max_nodes: int | None = DEFAULT_MAX_NODES,
                    max_paths: int = 50, title: str | None = None,
                    renderer: str | None = None) -> Explorer:
    """`visualize.compare` as an explorer: two graphs side by side (e.g. fused and composed loss).

    Selecting an input in one graph picks out the input of the same name and shape
    in the other, and the panel shows both gradients and their difference
    (first − second). Everything else is as in `explore`.
    """
    names = _check(first, max_nodes, params, "explore_compare")
    _check(second, max_nodes, None, "explore_compare")
    if len(titles) != 2:
        raise ValueError(f"visualize.explore_compare: titles must be two strings, got {titles!r}")
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 0:
        raise ValueError("visualize.explore_compare: max_paths must be an int >= 0, "
                         f"got {max_paths!r}")
    models, panes = [], []
    for side, root, name in zip("ab", (first, second), titles):
        model, pane = _pane(root, names, side, name, max_nodes, renderer)
        pane["title"] = f"{name}: {len(model.order)} nodes"
        models.append(model)
        panes.append(pane)
    title = title if title is not None else f"chainrule explorer: {titles[0]} vs {titles[1]}"
    return Explorer(_page(title, panes, _pairs(*models), max_paths), title)


def _write_html(subject: object, path: Path, renderer: str | None, options: dict) -> None:
    """`visualize.save(root, "graph.html")`: the explorer (it always shows local derivatives)."""
    if not isinstance(subject, Node):
        raise TypeError("visualize.save: an .html explorer needs a Value or Tensor root, "
                        f"not {type(subject).__name__}")
    explore(subject, params=options.get("params"), renderer=renderer,
            max_nodes=options.get("max_nodes", DEFAULT_MAX_NODES)).save(path)


register_format(".html", "the interactive explorer (visualize.explore)", _write_html)
