"""The cover image: the print edition's opening page, set by WeasyPrint, rasterised by pdftoppm.

The product has no browser, and WeasyPrint only writes PDF, so the cover is made in two steps:
WeasyPrint sets the reader PDF's opening page (the same template, styles and font subsets,
cut down to that page) and poppler's pdftoppm turns it into pixels. Both are
deterministic for given inputs and versions; the PNG is then reduced to a small palette (flat
colours and anti-aliased type need few) so the whole book stays small.

It takes a couple of seconds (mostly importing WeasyPrint), so the PNG is cached under
``.cache/cover/`` by a hash of everything that can change a pixel.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from ..errors import ZhpressError

COVER_VERSION = 2
HEIGHT = 1600  # pixels; reading apps and stores ask for at least 1600 on the long side
COLOURS = 48  # palette size: paper, ink, one red, and the anti-aliasing steps between them


class CoverError(ZhpressError):
    """The cover could not be rendered (a missing tool, not the manuscript's fault)."""


@lru_cache(maxsize=1)
def _tool_versions() -> dict[str, str]:
    """Versions of the tools that draw the pixels. Asking them costs a subprocess and package
    metadata scans (a few tenths of a second), so the answer is cached by the files' stamps."""
    import json
    import os
    from importlib.util import find_spec

    from .. import cache

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise CoverError(
            "pdftoppm is not installed; it renders the EPUB cover",
            hint="install it with 'apt-get install poppler-utils' (or run 'make book')",
        )
    stamps = {}
    for name, path in (
        ("pdftoppm", pdftoppm),
        ("weasyprint", getattr(find_spec("weasyprint"), "origin", None)),
        ("pillow", getattr(find_spec("PIL"), "origin", None)),
    ):
        try:
            st = os.stat(path or "")
            stamps[name] = [str(path), st.st_size, st.st_mtime_ns]
        except OSError:
            stamps[name] = [str(path)]
    key = cache.key_of({"what": "tool-versions", "stamps": stamps})
    found = cache.load("cover", key)
    if found is not None:
        return json.loads(found)
    versions = _ask_versions(pdftoppm)
    cache.store("cover", key, json.dumps(versions, sort_keys=True).encode("utf-8"))
    return versions


def _ask_versions(pdftoppm: str) -> dict[str, str]:
    from importlib.metadata import version

    probe = subprocess.run([pdftoppm, "-v"], capture_output=True, text=True, check=False)
    return {
        "pdftoppm": (probe.stderr or probe.stdout).strip().splitlines()[0],
        "weasyprint": version("weasyprint"),
        "pillow": version("pillow"),
    }


def opening_page(html: str) -> str:
    """The print book's HTML cut down to its opening page (the first ``section``): the cover is
    that page's design, so it is set from the very same markup, styles and fonts."""
    start = html.find('<section class="opening"')
    end = html.find("</section>", start)
    close = html.rfind("</body>")
    if start < 0 or end < 0 or close < 0:
        raise CoverError("the print template has no opening section to make the cover from")
    return html[: end + len("</section>")] + "\n" + html[close:]


def _file_urls(html: str) -> dict[str, str]:
    """Content hashes of the local files the page refers to (the font subsets), for the key."""
    import re
    from urllib.parse import unquote, urlsplit
    from urllib.request import url2pathname

    found = {}
    for url in sorted(set(re.findall(r'url\("(file:[^"]+)"\)', html))):
        path = Path(url2pathname(unquote(urlsplit(url).path)))
        try:
            found[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            found[path.name] = "missing"
    return found


def render_cover(book: object) -> bytes:
    """PNG bytes of the cover, ``HEIGHT`` pixels tall: the reader PDF's opening page."""
    from .. import cache
    from . import pdfwrite
    from .pdf import fetch_roots, render_html

    html, _ = render_html(book, press=False)  # type: ignore[arg-type]
    page = opening_page(html)
    css = (pdfwrite.STYLES / "print.css").read_text(encoding="utf-8")
    key = cache.key_of(
        {
            "what": "cover",
            "version": COVER_VERSION,
            "height": HEIGHT,
            "colours": COLOURS,
            "tools": _tool_versions(),
            # The subsets' cache paths differ between machines; their content does not.
            "html": page.replace(cache.cache_root().as_uri(), ""),
            "css": css,
            "files": _file_urls(page),
        }
    )
    cached = cache.load("cover", key)
    if cached is not None:
        return cached
    data = _render(page, fetch_roots(book, press=False))  # type: ignore[arg-type]
    cache.store("cover", key, data)
    return data


def _render(html: str, roots: tuple[Path, ...]) -> bytes:
    from PIL import Image

    from . import pdfwrite, weasy

    weasy.load()
    weasy.scratch()
    from weasyprint import CSS, HTML

    from ..manuscript.references import safe_url_fetcher

    fetch = safe_url_fetcher(roots)
    with tempfile.TemporaryDirectory(prefix="zhpress-cover-") as tmp:
        folder = Path(tmp)
        sheet = CSS(filename=str(pdfwrite.STYLES / "print.css"), url_fetcher=fetch)
        document = HTML(string=html, base_url=str(pdfwrite.STYLES), url_fetcher=fetch).render(
            stylesheets=[sheet]
        )
        # A long panel runs the opening section over more pages; the cover is its first page,
        # as a reader sees it when opening the PDF.
        pdf = folder / "cover.pdf"
        document.copy(document.pages[:1]).write_pdf(pdf)
        result = subprocess.run(
            [
                shutil.which("pdftoppm") or "pdftoppm",
                "-png",
                "-singlefile",
                "-scale-to-y",
                str(HEIGHT),
                "-scale-to-x",
                "-1",
                "-aa",
                "yes",
                "-aaVector",
                "yes",
                str(pdf),
                str(folder / "cover"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            said = result.stderr.strip() or (
                "no message; a full disk or a file-size limit (ulimit -f) can cause this"
            )
            raise CoverError(
                f"pdftoppm could not render the cover (exit {result.returncode}): {said}"
            )
        image = Image.open(folder / "cover.png").convert("RGB")
    palette = image.quantize(
        colors=COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    out = BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()
