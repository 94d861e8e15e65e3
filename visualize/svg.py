"""SVG text and picture files of a drawing: `to_svg`, `render_svg` (and `save`).

These are the short names of `visualize.formats.picture` and `visualize.formats.save`;
the renderers themselves are in `visualize.render`.
"""

from __future__ import annotations

import os
from pathlib import Path

import graphviz

from autograd.graph import Node
from visualize.formats import _LIMIT, picture, save
from visualize.render import RendererUnavailableError, select_renderer

__all__ = ["to_svg", "render_svg", "select_renderer", "RendererUnavailableError"]


def to_svg(root_or_digraph: Node | graphviz.Digraph, *, renderer: str | None = None,
           **options: object) -> str:
    """SVG text of a drawn Digraph, or of `draw(root, **options)` for a Value or Tensor.

    Raises TypeError for anything else, DrawingTooLargeError (a ValueError) for a drawing
    too large to lay out in a few seconds (`layout_limit=None` waits instead),
    RenderError if Graphviz fails.
    """
    limit = options.pop("layout_limit", _LIMIT)
    return picture(root_or_digraph, "svg", renderer, options, limit).decode("utf-8")


def render_svg(root_or_digraph: Node | graphviz.Digraph, path: str | os.PathLike, *,
               renderer: str | None = None, **options: object) -> Path:
    """Write the drawing to `path` and return the path; the format follows the extension.

    "graph.svg" writes SVG (the usual case, hence the name), "graph.png" PNG and
    "graph.dot" the DOT text: this is `visualize.save`. An unknown extension or a
    missing folder raises before anything is drawn.
    """
    return save(root_or_digraph, path, renderer=renderer, **options)
