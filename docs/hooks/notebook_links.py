"""MkDocs hook: links in the notebooks' Markdown cells, as on the site.

A notebook links to its neighbours by their files (`../book_parity.md`,
`from_micrograd.ipynb`), which is what works on a code host. MkDocs rewrites such
links in Markdown pages but not in the HTML that mkdocs-jupyter makes of a notebook,
so this hook does it there: each relative link to a `.md` or `.ipynb` file of the site
becomes that page's URL, and a link to a file the site does not have is reported as a
warning (an error under `mkdocs build --strict`).
"""

from __future__ import annotations

import logging
import posixpath
import re

log = logging.getLogger("mkdocs.hooks.notebook_links")
LINK = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|/|#)([^"#]+\.(?:md|ipynb))(#[^"]*)?"')


def on_page_content(html: str, page, config, files) -> str:
    """Rewrite the notebook page's file links to page URLs."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html

    def rewrite(match: re.Match) -> str:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri),
                                                   match.group(1)))
        found = files.get_file_from_path(target)
        if found is None:
            log.warning("notebook %s links to %s, which is not in the site",
                        page.file.src_uri, match.group(1))
            return match.group(0)
        return f'href="{found.url_relative_to(page.file)}{match.group(2) or ""}"'

    return LINK.sub(rewrite, html)
