"""Files by extension: one table from a file suffix to the function that writes it.

`save(root_or_drawing, "g.png")` looks the suffix up in `FORMATS` and checks the
path (known suffix, existing folder, not a folder itself) before any drawing or
rendering starts. Another kind of file is one more entry: `register_format`
(the interactive explorer adds ".html" this way).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import graphviz

from autograd.graph import Node
from visualize import render as rnd
from visualize.draw import draw
from visualize.drawing import Drawing


@dataclass(frozen=True)
class OutputFormat:
    """How to write one kind of file.

    `write(subject, path, renderer, options)` gets a Value/Tensor root or an already
    drawn Digraph (`subject`), the checked `Path`, the renderer name (or None) and
    the drawing options (`show_local_grads=...`); it writes the file.
    """

    suffix: str
    description: str
    write: Callable[[object, Path, str | None, dict], None]


FORMATS: dict[str, OutputFormat] = {}


def register_format(suffix: str, description: str,
                    write: Callable[[object, Path, str | None, dict], None]) -> None:
    """Add (or replace) the writer of files ending in `suffix` (".html", with the dot)."""
    if not suffix.startswith(".") or suffix != suffix.lower() or len(suffix) < 2:
        raise ValueError(f"visualize.register_format: suffix must look like '.svg', "
                         f"got {suffix!r}")
    FORMATS[suffix] = OutputFormat(suffix, description, write)


def known_suffixes() -> str:
    """The suffixes `save` writes, as text for messages: ".dot, .png, .svg"."""
    return ", ".join(sorted(FORMATS))


def check_path(path: str | os.PathLike) -> tuple[Path, OutputFormat]:
    """The path and its format, or a one-line ValueError/OSError saying what is wrong."""
    path = Path(path)
    suffix = path.suffix.lower()
    entry = FORMATS.get(suffix)
    if entry is None:
        what = f"extension {suffix!r}" if suffix else "no extension"
        raise ValueError(f"cannot write {os.fspath(path)!r}: {what}; the format follows the "
                         f"extension, one of {known_suffixes()}")
    check_writable(path)
    return path, entry


def check_writable(path: Path) -> None:
    """Raise a one-line OSError unless a file can be written at `path` (folder exists, ...)."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {os.fspath(path)!r}: it is a folder; give a "
                                "file name")
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise FileNotFoundError(f"cannot write {os.fspath(path)!r}: the folder "
                                f"{os.fspath(folder)!r} {what}")
    target = path if path.exists() else folder
    if not os.access(target, os.W_OK):
        raise PermissionError(f"cannot write {os.fspath(path)!r}: permission denied")


def as_drawing(subject: object, options: dict) -> graphviz.Digraph:
    """A drawn Digraph from a root (`draw(root, **options)`) or the Digraph itself."""
    if isinstance(subject, (graphviz.Digraph, graphviz.Graph)):
        if options:
            raise TypeError(f"visualize: drawing options {sorted(options)} need a root "
                            "node, not an already drawn Digraph")
        return subject
    if isinstance(subject, Node):
        return draw(subject, **options)
    raise TypeError("visualize: expected a Value, a Tensor or a graphviz.Digraph, "
                    f"got {type(subject).__name__}")


_LIMIT = object()  # layout_limit not given: the Drawing's own (default MAX_LAYOUT_EDGES)


def picture(subject: object, fmt: str, renderer: str | None, options: dict,
            layout_limit: object = _LIMIT) -> bytes:
    """The rendered picture of a root or a Digraph, its size checked first (see
    `visualize.render.check_size`; `layout_limit=None` lifts the limit)."""
    graph = as_drawing(subject, options)
    hidden = graph.hidden_edges if isinstance(graph, Drawing) else 0
    if layout_limit is _LIMIT:
        layout_limit = graph.layout_limit if isinstance(graph, Drawing) else rnd.MAX_LAYOUT_EDGES
    source = graph.source
    rnd.check_size(source, hidden, layout_limit)
    return rnd.render(source, fmt, renderer=renderer, engine=graph.engine)


def _write_picture(fmt: str) -> Callable[[object, Path, str | None, dict], None]:
    def write(subject: object, path: Path, renderer: str | None, options: dict) -> None:
        limit = options.pop("layout_limit", _LIMIT)
        path.write_bytes(picture(subject, fmt, renderer, options, limit))
    return write


def _write_dot(subject: object, path: Path, renderer: str | None, options: dict) -> None:
    options.pop("layout_limit", None)  # no layout: any size is written
    path.write_text(as_drawing(subject, options).source, encoding="utf-8")


register_format(".svg", "SVG picture", _write_picture("svg"))
register_format(".png", "PNG picture (96 dpi)", _write_picture("png"))
register_format(".dot", "Graphviz DOT text", _write_dot)
register_format(".gv", "Graphviz DOT text", _write_dot)


def save(subject: object, path: str | os.PathLike, *, renderer: str | None = None,
         **options: object) -> Path:
    """Write a root's drawing (`draw(root, **options)`) or a Digraph to `path`; return it.

    The format follows the extension (`visualize.formats.FORMATS`: .svg, .png, .dot,
    ...). Raises ValueError for an unknown extension and OSError for a path that
    cannot be written, both before drawing; DrawingTooLargeError for a drawing that
    would take too long to lay out (`layout_limit=None` waits for it instead; see
    `visualize.render.check_size`).
    """
    path, entry = check_path(path)
    entry.write(subject, path, renderer, dict(options))
    return path
