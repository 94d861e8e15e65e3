"""Computation graphs as Graphviz DOT and SVG, with the chain rule made visible.

Three stages: `trace` (which boxes, via the shared topological order), `label`
(pure text functions, all escaping) and `draw` (a `graphviz.Digraph`); `svg`
runs Graphviz only when an SVG is asked for. Colours: `visualize.style.STYLE`.
"""

from visualize.chain import ChainPath, ChainResult, chain
from visualize.draw import DEFAULT_MAX_NODES, compare, draw
from visualize.explore import Explorer, explore, explore_compare
from visualize.style import STYLE
from visualize.svg import RendererUnavailableError, render_svg, select_renderer, to_svg

__all__ = [
    "draw", "compare", "chain", "to_svg", "render_svg", "select_renderer",
    "ChainPath", "ChainResult", "RendererUnavailableError", "STYLE", "DEFAULT_MAX_NODES",
    "explore", "explore_compare", "Explorer",
]
