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

from ..errors import BookError

STYLES = Path(__file__).resolve().parents[2] / "styles"
Progress = Callable[[str], None] | None


Section = tuple[str, str]


def write_sections(
    sections: list[Section],
    path: Path,
    press: bool,
    roots: tuple[Path, ...],
    progress: Progress = None,
) -> None:
    """The WeasyPrint half of an edition: lay out the book's parts (``pdf.render_sections``),
    join their pages and write the PDF. Split from the composing half so another process can
    do it (see pipeline). WeasyPrint may read only under ``roots`` (``pdf.fetch_roots``)."""
    from ..manuscript.references import safe_url_fetcher
    from . import weasy

    step = progress or (lambda stage: None)
    cover, sections = split_cover(sections)
    weasy.load()
    from weasyprint.urls import FatalURLFetchingError

    weasy.release()  # the previous edition's document, if this process wrote one
    step("layout")
    fetcher = safe_url_fetcher(roots)
    with weasy.no_collection():
        try:
            documents = lay_out(sections, press, fetcher)
            covers = [_lay_out_cover(cover, fetcher)] if cover else []
        except FatalURLFetchingError as exc:
            # The manuscript's own references were checked with their chapter:line before
            # rendering (fetch.check_references); this one comes from a template or stylesheet.
            raise BookError(
                f"{exc} (asked for by a template or stylesheet)",
                hint="keep every file the book uses inside its folder or the project's styles/",
            ) from None
        step("write")
        pages = [page for document in [*covers, *documents] for page in document.pages]
        book = documents[0].copy(pages)
        book.metadata = _metadata(sections[0][1], fetcher)
        html = (cover or "") + "".join(html for _, html in sections)
        unnumbered = sum(len(c.pages) for c in covers)
        _write_pdf(book, html, path, press, unnumbered)
    weasy.keep(book)


COVER = "cover"


def split_cover(sections: list[Section]) -> tuple[str | None, list[Section]]:
    """The cover part's HTML (``pdf.render_sections`` puts it after "meta" when the book
    asks for one) and the other parts."""
    if len(sections) > 1 and sections[1][0] == COVER:
        return sections[1][1], [sections[0], *sections[2:]]
    return None, sections


def _lay_out_cover(html: str, fetcher: Any) -> Any:
    """The typographic cover as the reader's first page: text and vectors from the cover
    template (the EPUB's raster is never used); one page, before page 1, unnumbered."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(STYLES), url_fetcher=fetcher).render()
    return document.copy(document.pages[:1])


# Laid-out parts of the last reader edition this process wrote, by (HTML, page CSS,
# stylesheet, edition), and the font configuration they were laid out with: ``watch`` lays
# out again only what changed.
_LAID_OUT: dict[tuple[str, str, str, bool], Any] = {}
_FONT_CONFIG: dict[str, Any] = {}
_REMEMBER = False


def remember_parts() -> None:
    """Keep the reader's laid-out parts from one build to the next (``watch``). A one-off
    build keeps nothing: the parts of a long book hold hundreds of megabytes."""
    global _REMEMBER
    _REMEMBER = True


def lay_out(sections: list[Section], press: bool, fetcher: Any) -> list[Any]:
    """One WeasyPrint document per part, numbered as one book.

    The parts are laid out in order, each told the number and side of its first page; the
    contents are laid out with the numbers of the last build (blank the first time) to learn
    how many pages they take, and again if the contributions then got other numbers. In
    ``watch``, a reader part whose HTML, numbering and styles did not change since the last
    build is taken as it was."""
    from weasyprint import CSS, HTML

    from . import weasy

    weasy.scratch()
    faces = "".join(re.findall(r"@font-face \{[^}]*\}", sections[0][1]))
    if faces not in _FONT_CONFIG:
        # New subsets (new characters): a fresh configuration, so no family can resolve to
        # an earlier file that lacks them; nothing laid out with the old one is reused.
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG.clear()
        _LAID_OUT.clear()
        _FONT_CONFIG[faces] = FontConfiguration()
    font_config = _FONT_CONFIG[faces]
    # Read once: the same text parsed, and the same text in the keys (an edit of the styles
    # in watch lays every part out again).
    css_text = (STYLES / "print.css").read_text(encoding="utf-8")
    stylesheet = CSS(string=css_text, base_url=str(STYLES / "print.css"), url_fetcher=fetcher)
    # Only the reader's parts are kept: painting a page with crop marks adds the marks to the
    # page's background for good (WeasyPrint 70, draw_background), so a press page painted
    # twice would carry two sets. The reader is the edition ``watch`` hurries for anyway.
    reuse = _REMEMBER and not press
    previous = dict(_LAID_OUT) if reuse else {}
    kept: dict[tuple[str, str, str, bool], Any] = {}

    def render(html: str, page_css: str) -> Any:
        key = (html, page_css, css_text, press)
        document = kept.get(key) or previous.get(key)
        if document is None:
            document = HTML(string=html, base_url=str(STYLES), url_fetcher=fetcher).render(
                stylesheets=[stylesheet, CSS(string=page_css)], font_config=font_config
            )
        kept[key] = document
        return document

    (_, meta), (_, front), *body, (_, back) = sections
    index = body.pop()[1] if body and body[-1][0] == INDEX else None
    names = [name for name, _ in body] + ([INDEX] if index is not None else [])
    numbers = _guess_numbers(sections, press) or dict.fromkeys(names, 0)
    # The contents never take fewer pages than they once did in this loop (a blank page pads
    # them): otherwise numbers that wrap a line could make them flip between two lengths,
    # and the numbers between two values, for ever.
    least = 0
    for _ in range(CONTENTS_PASSES):
        first = render(front, _numbering(1) + _contents(numbers))
        if len(first.pages) < least:
            pad = _pad_contents(least - len(first.pages))
            first = render(front, _numbering(1) + _contents(numbers) + pad)
        least = max(least, len(first.pages))
        page = 1 + len(first.pages)
        starts: dict[str, int] = {}
        ends: dict[str, int] = {}
        laid = [("front", first)]
        for name, html in body:
            if _on_recto(name) and page % 2 == 0:
                # A page's opening begins on a recto: the verso before it stays blank (the
                # "meta" part is a head alone: one empty page of the book's size).
                laid.append((name, render(meta, _numbering(page))))
                page += 1
            starts[name] = page
            document = render(html, _numbering(page))
            laid.append((name, document))
            # A section heading's page, for its line in the contents.
            for offset, laid_page in enumerate(document.pages):
                for anchor in sorted(getattr(laid_page, "anchors", ())):
                    if anchor.startswith(f"{name}-s"):
                        starts[anchor] = page + offset
            page += len(document.pages)
            ends[name] = page - 1
        if index is not None:
            if page % 2 == 0:
                laid.append((INDEX, render(meta, _numbering(page))))
                page += 1
            starts[INDEX] = page
        if starts == numbers:
            break
        numbers = starts
    else:
        raise BookError(
            f"the contents' page numbers did not settle in {CONTENTS_PASSES} layouts",
            hint="please report this book: it is a bug in zhpress",
        )
    if index is not None:
        document = render(index, _numbering(page) + _index_pages(starts, ends))
        laid.append((INDEX, document))
        page += len(document.pages)
    laid.append(("back", render(back, _numbering(page))))
    _keep_numbers(sections, press, numbers)
    documents = [document for _, document in laid]
    if not press:
        _keep_page_map(sections, laid)
    if reuse:
        _LAID_OUT.clear()
        _LAID_OUT.update(kept)
    return documents


INDEX = "index"
RECTO = "o"
"""A page's opening (``o1`` …) begins on a recto, as do the preface and the index."""


def _on_recto(name: str) -> bool:
    return name.startswith(RECTO) or name in ("preface", INDEX)


def _index_pages(starts: dict[str, int], ends: dict[str, int]) -> str:
    """The panelist index's page numbers: a contribution's pages, ``12–15``, or the page of
    the opening that names a moderator."""
    rules = []
    for name, start in starts.items():
        if name in ends:
            end = ends[name]
            pages = f"{start}–{end}" if end > start else f"{start}"
            rules.append(f'.index a[href="#{name}"]::after {{ content: leader("·") "{pages}"; }}\n')
    return "".join(rules)


def _keep_page_map(sections: list[Section], laid: list[tuple[str, Any]]) -> None:
    """Where each reader page begins, for the EPUB's print page numbers (``pagemap``)."""
    from . import pagemap

    key = pagemap.key_in(sections[0][1])
    if key is not None:
        names = [name for name, _ in laid]
        pagemap.store(key, pagemap.page_starts([d for _, d in laid], names))


_LAST_NUMBERS: dict[str, dict[str, int]] = {}


def _numbers_key(sections: list[Section], press: bool) -> str:
    from .. import cache

    return cache.key_of({"what": "page numbers", "press": press, "front": sections[1][1]})


def _guess_numbers(sections: list[Section], press: bool) -> dict[str, int] | None:
    """The contents' page numbers as this book had them last time, like LaTeX's .aux file:
    right, the contents are laid out once instead of twice; wrong (or missing), ``lay_out``
    corrects them, so a guess only ever costs time. In ``watch``, the last build's."""
    import json

    from .. import cache

    names = [name for name, _ in sections[2:-1]]
    names += re.findall(r'<a href="#(c\d+-s\d+)">', sections[1][1])
    found: object = _LAST_NUMBERS.get(_edition(press))
    if found is None:
        data = cache.load("numbers", _numbers_key(sections, press))
        try:
            found = json.loads(data) if data else None
        except ValueError:
            found = None
    if isinstance(found, dict) and sorted(found) == sorted(names):
        if all(isinstance(v, int) for v in found.values()):
            return found
    return None


def _keep_numbers(sections: list[Section], press: bool, numbers: dict[str, int]) -> None:
    import json

    from .. import cache

    if _LAST_NUMBERS.get(_edition(press)) != numbers:
        cache.store("numbers", _numbers_key(sections, press), json.dumps(numbers).encode())
    _LAST_NUMBERS[_edition(press)] = numbers


def _edition(press: bool) -> str:
    return "press" if press else "reader"


def _metadata(head: str, fetcher: Any) -> Any:
    """Title, authors, dates … for the whole PDF, from the "meta" part (a head alone)."""
    from weasyprint import HTML
    from weasyprint.document import DocumentMetadata
    from weasyprint.html import get_html_metadata

    return DocumentMetadata(**get_html_metadata(HTML(string=head, url_fetcher=fetcher)))


def _numbering(first_page: int) -> str:
    """A part's first page: its number, and its side (odd pages are right-hand pages)."""
    side = "right" if first_page % 2 else "left"
    return (
        f"@page :first {{ counter-reset: page {first_page}; }}\nhtml {{ break-before: {side}; }}\n"
    )


CONTENTS_PASSES = 5


def _pad_contents(pages: int) -> str:
    """Blank pages after the contents (see ``lay_out``): one per pseudo-element."""
    if pages > 2:
        raise BookError(f"the contents shrank by {pages} pages between two layouts")
    rule = '{ content: ""; display: block; break-before: page; }'
    return "".join(f".toc{where}{rule}\n" for where in ("::after", " ol::after")[:pages])


def _contents(numbers: dict[str, int]) -> str:
    """The contents' page numbers (chapter ids are ``c1``, ``c2`` …, numbers are ints)."""
    return "".join(
        f'.toc a[href="#{name}"]::after {{ content: leader("·") "{number or ""}"; }}\n'
        for name, number in numbers.items()
    )


def _write_pdf(document: Any, html: str, path: Path, press: bool, unnumbered: int = 0) -> None:
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
    # The reader's structure tree is mended before the file is written (tagging.finish),
    # with what tagging.observed learns while WeasyPrint tags it.
    from contextlib import nullcontext

    from . import tagging

    with nullcontext(None) if press else tagging.observed() as observation:
        finisher = _finisher(seed, press, observation, unnumbered)
        document.write_pdf(str(path), finisher=finisher, **options)
    if press:
        from .pressfinish import finish

        finish(path)  # slug and trim marks, Info's GTS_PDFXVersion, no unused objects


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
    (The annotation objects left unreferenced are dropped by ``pressfinish``.)"""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/Page":
            obj.pop("Annots", None)


def _page_labels(pdf: Any, unnumbered: int) -> None:
    """A viewer's page numbers are the folios: the cover is "封面", the opening page 1 (the
    EPUB's page list and the contents cite folios, not the count of sheets)."""
    import pydyf

    nums = pydyf.Array([0, pydyf.Dictionary({"P": pydyf.String("封面")})])
    nums += [unnumbered, pydyf.Dictionary({"S": "/D", "St": 1})]
    pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": nums})


def _finisher(seed: bytes, press: bool, observation: Any = None, unnumbered: int = 0):
    pin = _pin_document_id(seed)

    def finisher(document: Any, pdf: Any) -> None:
        pin(document, pdf)
        if unnumbered:
            _page_labels(pdf, unnumbered)
        if observation is not None:
            from . import tagging

            tagging.finish(pdf, document, observation)
        if press:
            _neutral_rgb_to_k(pdf)
            _drop_link_annotations(pdf)

    return finisher
