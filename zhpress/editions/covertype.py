"""The EPUB's cover: a typographic cover designed as one, not a picture of the opening page.

At a store's thumbnail size (200 px wide) a picture of the reader PDF's opening page showed
only its headline, and readers saw that page twice (issue 15). This cover carries only what
names the book: series, overline, the headline large (12 mm on a 100 mm page, about 21 px
tall at 200 px wide), the panelists and moderator (for a book of several pages, how many
pages and panelists it collects: ``collection_rows``), the publisher. It is set from
templates/cover/cover.html.j2 and styles/cover.css by WeasyPrint, the PDFs' renderer, with
subsets of the book's faces, and rasterised by pdftoppm to 1600 x 2560 px (1:1.6), then reduced
to a small palette like cover.py's picture. The PNG is cached by a hash of every input.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

from ..cjk import NO_LINE_END, NO_LINE_START, display_width

TYPE_COVER_VERSION = 1
WIDTH, HEIGHT = 1600, 2560  # px; 1:1.6, at least what stores ask for
PAGE_MM = (100.0, 160.0)  # the page styles/cover.css sets (@page size)
COLOURS = 32  # paper, ink, one red, cream, and the anti-aliasing steps between them
HEADLINE_EMS = 7.0  # the headline's measure in ems (84 mm of 12 mm characters)
ROLES = ("sans", "sans-bold", "kai", "serif")  # the faces styles/cover.css names


def headline_lines(title: str, measure: float = HEADLINE_EMS) -> list[str]:
    """The headline in as few lines as fit ``measure`` ems, balanced, broken where CLREQ
    allows (no closing mark at a line start, no opening mark at a line end)."""
    title = title.strip()
    count = max(1, math.ceil(display_width(title) / measure))
    while True:
        lines = _balanced(title, count, measure)
        if lines is not None or count >= len(title):
            return lines or [title]
        count += 1


def _balanced(title: str, count: int, measure: float) -> list[str] | None:
    target = display_width(title) / count
    lines, start = [], 0
    for _ in range(count - 1):
        end, width = start, 0.0
        while end < len(title) and width + display_width(title[end]) <= target + 0.5:
            width += display_width(title[end])
            end += 1
        while (
            0 < end - start
            and end < len(title)
            and (title[end] in NO_LINE_START or title[end - 1] in NO_LINE_END)
        ):
            end -= 1  # move the character over with its mark
        if end <= start:
            return None
        lines.append(title[start:end])
        start = end
    lines.append(title[start:])
    if any(display_width(line) > measure for line in lines):
        return None
    return lines


def cover_html(book: Any, faces: list[dict[str, str]]) -> str:
    """The cover page's HTML for WeasyPrint (faces: [{family, url}] of the subsets)."""
    from .templates import environment
    from .westernspace import spaced

    env = environment()
    env.filters["spaced"] = spaced  # 1/4 em between Han and Western, as in the EPUB text
    from ..cjk import in_script

    traditional = book.variant != "SC"
    if book.parts:
        panel = collection_rows(book)
    else:
        panel = [{"label": in_script("嘉宾", traditional), "names": list(book.panelists)}]
        if book.moderator:
            panel.append({"label": in_script("主持人", traditional), "names": [book.moderator]})
    publisher = book.meta.get("publisher")
    return env.get_template("cover/cover.html.j2").render(
        book=book,
        faces=faces,
        headline_lines=headline_lines(book.title),
        panel=panel,
        publisher=str(publisher).strip() if publisher not in (None, "") else None,
    )


def collection_rows(book: Any) -> list[dict[str, Any]]:
    """What a book of several pages shows on its cover instead of a panel: how many pages
    (期) it collects and how many panelists speak. Forty parts' headlines or a hundred names
    would be unreadable at a store's thumbnail size; two counts scale to any book."""
    from ..cjk import in_script

    traditional = book.variant != "SC"
    return [
        {"label": in_script("收录", traditional), "names": [f"{len(book.parts)}期"]},
        {"label": in_script("嘉宾", traditional), "names": [f"{len(book.panelists)}位"]},
    ]


def _subsets(book: Any, text: str) -> list[dict[str, str]]:
    from ..typeset.faces import resolve_faces
    from ..typeset.subset import subset_file

    faces = resolve_faces(book.meta.get("fonts"), book.root, book.yaml_path, variant=book.variant)
    chars = "".join(sorted(set(text) - set(" \n\t")))
    return [
        {"family": f"zhpress-{role}", "url": subset_file(faces[role], chars).resolve().as_uri()}
        for role in ROLES
        if role in faces
    ]


def cover_subsets(book: Any) -> list[dict[str, str]]:
    """The cover's faces: subsets with exactly the characters the cover shows."""
    return _subsets(book, cover_html(book, []))


def render_type_cover(book: Any) -> bytes:
    """PNG bytes of the cover, WIDTH x HEIGHT."""
    from .. import cache
    from .cover import _file_urls, _tool_versions
    from .templates import STYLES

    html = cover_html(book, cover_subsets(book))
    css = (STYLES / "cover.css").read_text(encoding="utf-8")
    key = cache.key_of(
        {
            "what": "type-cover",
            "version": TYPE_COVER_VERSION,
            "size": [WIDTH, HEIGHT],
            "colours": COLOURS,
            "tools": _tool_versions(),
            "html": html.replace(cache.cache_root().as_uri(), ""),
            "css": css,
            "files": _file_urls(html),
        }
    )
    cached = cache.load("cover", key)
    if cached is not None:
        return cached
    data = _render(book, html)
    cache.store("cover", key, data)
    return data


def _render(book: Any, html: str) -> bytes:
    from PIL import Image

    from ..manuscript.references import safe_url_fetcher
    from . import weasy
    from .cover import CoverError
    from .pdf import fetch_roots
    from .templates import STYLES

    weasy.load()
    weasy.scratch()
    from weasyprint import CSS, HTML

    fetch = safe_url_fetcher(fetch_roots(book, press=False))
    with tempfile.TemporaryDirectory(prefix="zhpress-typecover-") as tmp:
        folder = Path(tmp)
        sheet = CSS(filename=str(STYLES / "cover.css"), url_fetcher=fetch)
        document = HTML(string=html, base_url=str(STYLES), url_fetcher=fetch).render(
            stylesheets=[sheet]
        )
        pdf = folder / "cover.pdf"
        document.copy(document.pages[:1]).write_pdf(pdf)
        command = [shutil.which("pdftoppm") or "pdftoppm", "-png", "-singlefile"]
        command += ["-scale-to-x", str(WIDTH), "-scale-to-y", str(HEIGHT)]
        command += ["-aa", "yes", "-aaVector", "yes", str(pdf), str(folder / "cover")]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise CoverError(f"pdftoppm failed: {result.stderr.strip()}")
        image = Image.open(folder / "cover.png").convert("RGB")
    palette = image.quantize(
        colors=COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    out = BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()
