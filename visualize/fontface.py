"""The font of every SVG, embedded in it, so that text fits its box on every machine.

Graphviz sizes each box from the Helvetica metrics it knows; a browser then draws
the text in whatever font the machine has for "Helvetica". Where that is DejaVu
Sans (many Linux machines), text is ~10% wider and overflows its box. Each SVG
therefore carries a small subset of Arimo, a font with Helvetica's (Arial's)
widths, as a `@font-face`, and draws its Helvetica text in it: the same glyphs
and widths everywhere. Characters outside the subset (emoji, CJK) fall back to
Helvetica, Arial, then the machine's sans-serif.

fonts/chainrule-sans.woff2 (15 kB) is Arimo Regular 1.33 (SIL Open Font License,
fonts/OFL.txt) from Debian's fonts-croscore, cut down with fontTools:

    pyftsubset Arimo-Regular.ttf --flavor=woff2 --no-hinting --layout-features='' \
      --unicodes=U+0020-007E,U+00A0-017F,U+0391-03C9,U+02B8,U+1D40,U+2010-2027,\
    U+2030-203A,U+2070-209F,U+2190-2193,U+2200-2212,U+2219-221E,U+2248,U+2260-2265 \
      --output-file=visualize/fonts/chainrule-sans.woff2

(ASCII, Latin-1 and Latin Extended-A, Greek, the op symbols: × Σ σ ʸ ⁿ ᵀ − √ ∂ …;
no kerning, since Graphviz measures text without it).
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path

FAMILY = "chainrule sans"
_FILE = Path(__file__).resolve().parent / "fonts" / "chainrule-sans.woff2"
# Graphviz writes fontname="Helvetica" as font-family="Helvetica,sans-Serif".
_SELECTOR = 'text[font-family^="Helvetica"]'


@functools.lru_cache(maxsize=1)
def style_element() -> str:
    """The `<style>` that declares the embedded font and draws Helvetica text in it."""
    data = base64.b64encode(_FILE.read_bytes()).decode("ascii")
    return (f'<style>@font-face{{font-family:"{FAMILY}";'
            f'src:url(data:font/woff2;base64,{data}) format("woff2")}}'
            f'{_SELECTOR}{{font-family:"{FAMILY}",Helvetica,Arial,sans-serif}}</style>')


def embed(svg: bytes) -> bytes:
    """`svg` (a Graphviz SVG document) with the font's `<style>` first inside `<svg>`."""
    start = svg.find(b"<svg")
    end = svg.find(b">", start)
    if start < 0 or end < 0 or b'font-family="Helvetica' not in svg:
        return svg  # not a drawing of ours: leave it as Graphviz wrote it
    return svg[:end + 1] + b"\n" + style_element().encode("ascii") + svg[end + 1:]
