"""Computation graphs as Graphviz DOT, SVG and PNG, with the chain rule made visible.

Stages: `trace` (which boxes, via the shared topological order), `label` (pure
text functions, all escaping), `layout` (long edges of widely used nodes) and
`draw` (a `Drawing`, a `graphviz.Digraph`); `render` runs Graphviz only when a
picture is asked for, and `formats` writes files by extension (`.html`: the
interactive explorer, `explore`). Colours: `visualize.style.STYLE`.
"""

from visualize.chain import ChainPath, ChainResult, chain
from visualize.draw import DEFAULT_MAX_NODES, compare, draw
from visualize.drawing import Drawing
from visualize.explore import Explorer, explore, explore_compare
from visualize.formats import FORMATS, register_format, save
from visualize.render import (
                              DrawingTooLargeError,
                              RenderError,
                              RendererUnavailableError,
                              select_renderer,
)
from visualize.style import STYLE
from visualize.svg import render_svg, to_svg

__all__ = [
    "draw", "compare", "chain", "to_svg", "render_svg", "save", "select_renderer",
    "register_format", "FORMATS", "Drawing", "ChainPath", "ChainResult",
    "RendererUnavailableError", "RenderError", "DrawingTooLargeError", "STYLE",
    "DEFAULT_MAX_NODES", "explore", "explore_compare", "Explorer",
]
