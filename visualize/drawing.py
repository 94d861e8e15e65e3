"""`Drawing`: the `graphviz.Digraph` that `draw` and `compare` return, rendered by chainrule.

Everything of the Digraph API works as before (`.source`, `.node`, `.edge`,
`.attr`, `.subgraph`, `.save`, `.copy`), and the methods that run Graphviz
(`pipe`, `render`, `view`, the Jupyter display) go through `visualize.render`,
so they need no system Graphviz. micrograd's `draw_dot(o).render("g", format="svg")`
habit writes `g` (the DOT text) and `g.svg`, as graphviz does.
"""

from __future__ import annotations

import os
from pathlib import Path

import graphviz

from visualize import render as rnd

_NO_PLUGINS = ("chainrule renders with its own Graphviz build, which has no {what} "
               "plugins; leave {what}= out")


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` whose pictures come from chainrule's renderer.

    The renderer is $CHAINRULE_RENDERER or the first installed (`visualize.render`);
    `layout_limit` (see `visualize.render.check_size`) applies to every picture made.
    """

    layout_limit: int | None = rnd.MAX_LAYOUT_EDGES
    hidden_edges: int = 0  # chain nodes dot will add along long edges (set by draw)

    def picture(self, fmt: str = "svg", *, renderer: str | None = None,
                engine: str | None = None) -> bytes:
        """The picture in format `fmt` ("svg" or "png"), its size checked before Graphviz runs.

        `renderer`: "auto", "pure", "wasm" or "dot" (None: $CHAINRULE_RENDERER, else auto).
        Raises DrawingTooLargeError, RenderError or RendererUnavailableError.
        """
        source = self.source
        rnd.check_size(source, self.hidden_edges, self.layout_limit)
        return rnd.render(source, fmt, renderer=renderer, engine=engine or self.engine)

    def pipe(self, format: str | None = None, renderer: str | None = None,  # noqa: A002
             formatter: str | None = None, neato_no_op: object = None, quiet: bool = False,
             *, engine: str | None = None, encoding: str | None = None) -> bytes | str:
        """The picture as bytes (or text with `encoding=`), as `graphviz.Digraph.pipe`."""
        _no_plugins(renderer, formatter, neato_no_op)
        data = self.picture(format or self.format, engine=engine)
        return data.decode(encoding) if encoding is not None else data

    def render(self, filename: str | os.PathLike | None = None,
               directory: str | os.PathLike | None = None, view: bool = False,
               cleanup: bool = False, format: str | None = None,  # noqa: A002
               renderer: str | None = None, formatter: str | None = None,
               neato_no_op: object = None, quiet: bool = False, quiet_view: bool = False, *,
               outfile: str | os.PathLike | None = None, engine: str | None = None,
               raise_if_result_exists: bool = False, overwrite_source: bool = False) -> str:
        """Save the DOT text and write the picture beside it; return the picture's path.

        As `graphviz.Digraph.render`: `render("g", format="svg")` writes `g` and
        `g.svg`; `outfile="g.png"` takes the format from the extension.
        """
        _no_plugins(renderer, formatter, neato_no_op)
        if outfile is not None:
            outfile = Path(outfile)
            if format is None:
                format = outfile.suffix.lstrip(".").lower() or self.format  # noqa: A001
            if filename is None:
                filename = outfile.with_suffix(".gv").name
                if directory is None:
                    directory = outfile.parent
        fmt = format or self.format
        data = self.pipe(fmt, engine=engine)  # before anything is written
        source_path = Path(self.save(filename, directory=directory))
        target = Path(outfile) if outfile is not None else Path(f"{source_path}.{fmt}")
        if raise_if_result_exists and target.exists():
            raise FileExistsError(f"visualize: output file exists: {os.fspath(target)!r}")
        target.write_bytes(data)
        if cleanup:
            source_path.unlink()
        if view:
            self._view(os.fspath(target), format=fmt, quiet=quiet_view)
        return os.fspath(target)

    def _repr_mimebundle_(self, include: object = None, exclude: object = None,
                          **_: object) -> dict[str, str | bytes]:
        """Jupyter's display: the SVG (or the PNG when only that is asked for).

        A drawing that cannot be rendered shows its one-line reason instead of a traceback.
        """
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        try:
            bundle: dict[str, str | bytes] = {}
            if "image/svg+xml" in wanted:
                bundle["image/svg+xml"] = self.picture("svg").decode("utf-8")
            if "image/png" in wanted:
                bundle["image/png"] = self.picture("png")
            return bundle
        except (rnd.DrawingTooLargeError, rnd.RenderError, rnd.RendererUnavailableError,
                ValueError) as error:
            return {"text/plain": str(error)}

    def _repr_svg_(self) -> str:
        return self.picture("svg").decode("utf-8")

    def _repr_image_svg_xml(self) -> str:  # graphviz's own name for it
        return self._repr_svg_()

    def _repr_image_png(self) -> bytes:
        return self.picture("png")


def _no_plugins(renderer: object, formatter: object, neato_no_op: object) -> None:
    for what, value in (("renderer", renderer), ("formatter", formatter),
                        ("neato_no_op", neato_no_op)):
        if value is not None:
            raise TypeError("visualize: " + _NO_PLUGINS.format(what=what) +
                            " (to choose chainrule's renderer, pass renderer= to "
                            "visualize.save or set CHAINRULE_RENDERER)")
