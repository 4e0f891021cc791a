"""The WeasyPrint half of the print editions: lay out a composed page and write the PDF.

Kept apart from ``pdf`` (which composes) so that a process that only lays out imports only
this and WeasyPrint: the pipeline forks such a process before composing, and it imports
WeasyPrint while the parent composes the book.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import BookError

STYLES = Path(__file__).resolve().parent.parent / "styles"
Progress = Callable[[str], None] | None


def write_html(
    html: str, path: Path, press: bool, roots: tuple[Path, ...], progress: Progress = None
) -> None:
    """The WeasyPrint half of an edition: lay out ``render_html``'s page and write the PDF.
    Split from the composing half so another process can do it (see pipeline). WeasyPrint may
    read only under ``roots`` (``pdf.fetch_roots``)."""
    from . import weasy
    from .fetch import safe_url_fetcher

    step = progress or (lambda stage: None)
    weasy.load()
    from weasyprint import CSS, HTML
    from weasyprint.urls import FatalURLFetchingError

    weasy.release()  # the previous edition's document, if this process wrote one
    step("layout")
    fetcher = safe_url_fetcher(roots)
    with weasy.no_collection():
        try:
            stylesheet = CSS(filename=str(STYLES / "print.css"), url_fetcher=fetcher)
            document = HTML(string=html, base_url=str(STYLES), url_fetcher=fetcher).render(
                stylesheets=[stylesheet]
            )
        except FatalURLFetchingError as exc:
            # The manuscript's own references were checked with their chapter:line before
            # rendering (fetch.check_references); this one comes from a template or stylesheet.
            raise BookError(
                f"{exc} (asked for by a template or stylesheet)",
                hint="keep every file the book uses inside its folder or the project's styles/",
            ) from None
        step("write")
        _write_pdf(document, html, path, press)
    weasy.keep(document)


def _write_pdf(document: Any, html: str, path: Path, press: bool) -> None:
    # The document's identity is its content: the HTML without the cache paths of the fonts
    # (the same book built with a cold or a warm font cache is the same file).
    content = re.sub(r'url\("file:[^"]*"\)', "url()", html)
    seed = hashlib.sha256(content.encode()).digest()
    options: dict[str, Any] = {"pdf_identifier": True}
    if press:
        options.update(pdf_variant="pdf/x-4")
    else:
        # Tagged, with WeasyPrint's PDF/UA-1 identification (DisplayDocTitle, MarkInfo, Lang).
        options.update(pdf_variant="pdf/ua-1", pdf_tags=True)
    document.write_pdf(str(path), finisher=_finisher(seed, press), **options)


def _pin_document_id(seed: bytes):
    """WeasyPrint's PDF/X metadata carries a random xmp.did: derive it from the content."""

    def finisher(document: Any, pdf: Any) -> None:
        import uuid

        stable = uuid.UUID(bytes=hashlib.sha256(seed).digest()[:16], version=4)
        pattern = re.compile(rb"xmp\.did:[0-9a-f-]{36}")
        for obj in pdf.objects:
            chunks = getattr(obj, "stream", None)
            if not isinstance(chunks, list):
                continue
            for n, chunk in enumerate(chunks):
                if isinstance(chunk, bytes) and b"xmp.did:" in chunk:
                    chunks[n] = pattern.sub(f"xmp.did:{stable}".encode(), chunk)

    return finisher


_RGB_OP = re.compile(rb"^([0-9.]+) ([0-9.]+) ([0-9.]+) (rg|RG)$")


def _neutral_rgb_to_k(pdf: Any) -> None:
    """WeasyPrint draws crop marks as an SVG stroked in RGB black. A press file may hold no
    RGB, so every neutral RGB colour becomes its K-only equivalent; a chromatic one is a bug
    in the styles and stops the build."""
    for obj in pdf.objects:
        chunks = getattr(obj, "stream", None)
        if not isinstance(chunks, list):
            continue
        for n, chunk in enumerate(chunks):
            if not isinstance(chunk, bytes) or not chunk.endswith((b"rg", b"RG")):
                continue
            match = _RGB_OP.match(chunk)
            if match is None:
                continue
            r, g, b = (float(v) for v in match.groups()[:3])
            if not (r == g == b):
                raise BookError(f"an RGB colour ({r} {g} {b}) reached the press edition")
            op = b"k" if match.group(4) == b"rg" else b"K"
            chunks[n] = f"0 0 0 {1 - r:g} ".encode() + op


def _drop_link_annotations(pdf: Any) -> None:
    """PDF/X wants no annotation on the printed area; the contents' links are for screens.
    (The unreferenced annotation objects stay in the file; they are never shown.)"""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/Page":
            obj.pop("Annots", None)


def _finisher(seed: bytes, press: bool):
    pin = _pin_document_id(seed)

    def finisher(document: Any, pdf: Any) -> None:
        pin(document, pdf)
        if press:
            _neutral_rgb_to_k(pdf)
            _drop_link_annotations(pdf)

    return finisher
