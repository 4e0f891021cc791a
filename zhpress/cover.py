"""The cover image: the opening page's design set by WeasyPrint, rasterised by pdftoppm.

The product has no browser, and WeasyPrint only writes PDF, so the cover is made in two steps:
WeasyPrint sets the cover HTML (the opening-page markup and styles) on one page with the very
font subsets the EPUB embeds, and poppler's pdftoppm turns that page into pixels. Both are
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

from .errors import ZhpressError

COVER_VERSION = 1
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

    from . import cache

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


def render_cover(
    html: str, *, css_text: list[str], fonts_css: str, fonts: dict[str, bytes]
) -> bytes:
    """PNG bytes of the cover, ``HEIGHT`` pixels tall. ``fonts`` maps relative URLs used by
    ``fonts_css`` to font bytes; nothing else (no system font) is offered to WeasyPrint."""
    from . import cache

    key = cache.key_of(
        {
            "what": "cover",
            "version": COVER_VERSION,
            "height": HEIGHT,
            "colours": COLOURS,
            "tools": _tool_versions(),
            "html": html,
            "css": css_text,
            "fonts_css": fonts_css,
            "fonts": {name: hashlib.sha256(data).hexdigest() for name, data in fonts.items()},
        }
    )
    cached = cache.load("cover", key)
    if cached is not None:
        return cached
    data = _render(html, css_text, fonts_css, fonts)
    cache.store("cover", key, data)
    return data


def _render(html: str, css_text: list[str], fonts_css: str, fonts: dict[str, bytes]) -> bytes:
    from PIL import Image

    from . import weasy

    weasy.load()
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from .fetch import safe_url_fetcher

    with tempfile.TemporaryDirectory(prefix="zhpress-cover-") as tmp:
        folder = Path(tmp)
        for name, data in fonts.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        font_config = FontConfiguration()
        base = folder.as_uri() + "/"
        # Only the fonts written here may be read: never the network, never another file.
        fetch = safe_url_fetcher((folder,))
        sheets = [
            CSS(string=text, base_url=base, font_config=font_config, url_fetcher=fetch)
            for text in (fonts_css, *css_text)
        ]
        pdf = folder / "cover.pdf"
        document = HTML(string=html, base_url=base, url_fetcher=fetch).render(
            stylesheets=sheets, font_config=font_config
        )
        if len(document.pages) != 1:
            raise CoverError(f"the cover design runs to {len(document.pages)} pages, not 1")
        document.write_pdf(pdf)
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
            raise CoverError(f"pdftoppm failed: {result.stderr.strip()}")
        image = Image.open(folder / "cover.png").convert("RGB")
    palette = image.quantize(
        colors=COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    out = BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()
