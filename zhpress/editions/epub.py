"""The EPUB 3 edition: one XHTML document per contribution, subset fonts, a rendered cover.

ebooklib 0.20 holds the book model and writes the OPF, the NCX and the zip. It has pitfalls
(found by testing 0.20, see issue 5); each workaround below says which one it fixes:

1. ``add_author`` gives every creator ``id="creator"``      -> metadata added by hand, unique ids
2. ``EpubHtml.get_content`` rebuilds the page, drops <head> -> ``_Document`` returns our XHTML
3. ``add_item(css)`` writes a link that breaks from text/   -> links written in our templates
4. ``set_cover`` makes an unlinked non-linear cover page    -> ``create_page=False``, own page
5. ``epub3_pages`` invents a page-list from nothing         -> own nav document, option off
6. media types guessed from the machine's mime table        -> every item's type set explicitly
7. zip timestamps and dcterms:modified follow the clock    -> ``_Writer`` writes the zip itself
   from SOURCE_DATE_EPOCH, mimetype first and stored
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ebooklib import epub
from lxml import etree

from ..cjk import in_script
from ..manuscript.model import Book
from ..typeset.faces import resolve_faces
from ..typeset.geometry import geometry_of
from . import pagemap
from .epub_documents import (
    OPS_FOLDER,
    XML_LANG,
    book_identifier,
    file_as,
    label_of,
    plain_text,
    publication_date,
    render_colophon,
    render_documents,
    render_nav,
    render_template,
    source_date,
)
from .epub_fonts import (
    font_file,
    fonts_css,
    glyph_text,
    route_narrow_marks,
    subsets_for,
    with_safety_net,
)
from .epub_pages import marks_for
from .templates import STYLES

ACCESSIBILITY_SUMMARY = (
    "本书为可重排的文字电子书，正文、标题与署名均为可选取、可朗读的文字，"
    "章节标题层级分明，附有目录与导览；封面图片附有文字说明。"
    "字体大小、行距与颜色可由阅读软件调整，无闪烁、声音或动态内容。"
)


# --- ebooklib, with its pitfalls fixed -----------------------------------------------------


class _Document(epub.EpubHtml):
    """Pitfall 2: EpubHtml.get_content() re-renders the page from ebooklib's own skeleton and
    drops our <head> (title, stylesheets). Our documents are complete XHTML already."""

    def get_content(self, default: bytes | None = None) -> bytes:
        return self.content


class _Nav(epub.EpubNav):
    """The nav document, rendered from templates/epub/nav.xhtml (see _Writer._get_nav)."""


class _DeterministicZip:
    """What ebooklib's writer needs of a ZipFile (``writestr``), with fixed entry metadata.

    Pitfall 7: ZipFile.writestr(name, ...) stamps each entry with the current local time.
    """

    def __init__(self, archive: zipfile.ZipFile, epoch: int) -> None:
        self.archive = archive
        moment = time.gmtime(max(epoch, 315532800))  # zip dates start in 1980
        self.date_time = tuple(moment[:6])

    def writestr(
        self, name: str, data: str | bytes, compress_type: int = zipfile.ZIP_DEFLATED
    ) -> None:
        info = zipfile.ZipInfo(name, date_time=self.date_time)  # type: ignore[arg-type]
        info.compress_type = compress_type
        info.create_system = 3  # Unix, whatever machine builds it
        info.external_attr = 0o100644 << 16
        if isinstance(data, str):
            data = data.encode("utf-8")
        level = 9 if compress_type == zipfile.ZIP_DEFLATED else None
        self.archive.writestr(info, data, compresslevel=level)


class _Writer(epub.EpubWriter):
    def __init__(self, name: str, book: epub.EpubBook, epoch: int, language: str) -> None:
        super().__init__(
            name,
            book,
            {
                "epub3_pages": False,  # pitfall 5: no invented page-list
                "epub3_landmark": False,  # landmarks are in our own nav document
                "epub2_guide": True,
                "play_order": {"enabled": True, "start_from": 1},
                "mtime": datetime.fromtimestamp(epoch, UTC),  # pitfall 7: dcterms:modified
                "raise_exceptions": True,
            },
        )
        self.epoch = epoch
        self.language = language

    def _write_opf_file(self, root: Any) -> None:
        # The package's language must match dc:language and every document (issue 5).
        root.set(XML_LANG, self.language)
        # ebooklib always declares 'rendition', a prefix EPUB 3 reserves (no declaration
        # needed) and one this book never uses; epubcheck accepts it, we keep the OPF minimal.
        root.attrib.pop("prefix", None)
        super()._write_opf_file(root)

    def _get_nav(self, item: Any) -> bytes:
        # Pitfall 5 and more: ebooklib's generated nav has an English "Guide" heading, visible
        # landmarks and no stylesheet. Ours is rendered from the templates.
        return item.content

    def _get_ncx(self) -> bytes:
        ncx = etree.fromstring(super()._get_ncx())
        ncx.set(XML_LANG, self.language)
        daisy = "{http://www.daisy.org/z3986/2005/ncx/}"
        # A part's navPoint: ebooklib names it "sep_N"; name it for its document.
        for point in ncx.iter(f"{daisy}navPoint"):
            if point.get("id", "").startswith("sep_"):
                src = point.find(f"{daisy}content").get("src", "")
                point.set("id", "toc-" + src.rsplit("/", 1)[-1].removesuffix(".xhtml"))
        for meta in ncx.iter(f"{daisy}meta"):
            if meta.get("name") == "dtb:depth":
                # ebooklib writes 0; a flat navMap is one level deep, a book of parts two.
                meta.set("content", str(_depth(ncx.find(f"{daisy}navMap"), daisy)))
        return etree.tostring(ncx, encoding="utf-8", xml_declaration=True, pretty_print=True)

    def write(self) -> None:
        with zipfile.ZipFile(self.file_name, "w") as archive:
            self.out = _DeterministicZip(archive, self.epoch)
            # OCF: 'mimetype' first, stored, no extra field.
            self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
            self._write_container()
            self._write_opf()
            self._write_items()


def _depth(element: Any, daisy: str) -> int:
    points = element.findall(f"{daisy}navPoint")
    return 1 + max((_depth(p, daisy) for p in points), default=0) if points else 0


def _meta(eb: epub.EpubBook, prop: str, value: str, refines: str | None = None, **attrs: str):
    others = {"property": prop, **attrs}
    if refines:
        others = {"refines": f"#{refines}", **others}
    eb.add_metadata(None, "meta", value, others)


def print_source(book: Book) -> str:
    """The print edition the page numbers come from: the reader PDF, named by title and
    trim (``dc:source`` and ``a11y:pageBreakSource``)."""
    trim = geometry_of(book).trim
    return f"{book.title}（印刷版，{trim.name}，{trim.width_mm:g} mm × {trim.height_mm:g} mm）"


def _metadata(eb: epub.EpubBook, book: Book, identifier: str, paged: bool = False) -> None:
    # dc:identifier: ebooklib starts every book with a random uuid4; replace it.
    eb.IDENTIFIER_ID = "pub-id"
    eb.set_identifier(identifier)
    eb.title = book.title  # used for the NCX docTitle
    # One dc:title, the headline. The overline (引题) is no title: stored as a second
    # dc:title, calibre and the stores joined them, "headline: overline" (issue 15). It stays
    # in the text (opening page, colophon).
    eb.add_metadata("DC", "title", book.title, {"id": "title"})
    eb.set_language(book.language)
    # Pitfall 1: add_author() gives every creator id="creator" (and puts a MARC scheme on
    # file-as); each panelist gets its own id, role and pinyin sort name here.
    for number, name in enumerate(book.panelists, 1):
        uid = f"creator-{number:02d}"
        eb.add_metadata("DC", "creator", name, {"id": uid})
        _meta(eb, "role", "aut", refines=uid, scheme="marc:relators")
        _meta(eb, "file-as", file_as(name), refines=uid)
        _meta(eb, "display-seq", str(number), refines=uid)
    # Every moderator once (a book of parts may have one a part; one moderates two parts).
    moderators = book.moderators
    for number, name in enumerate(moderators, 1):
        uid = "moderator" if len(moderators) == 1 else f"moderator-{number:02d}"
        eb.add_metadata("DC", "contributor", name, {"id": uid})
        _meta(eb, "role", "mod", refines=uid, scheme="marc:relators")
        _meta(eb, "file-as", file_as(name), refines=uid)
    if book.lede:
        description = "\n".join(plain_text(b.text) for b in book.lede)
        eb.add_metadata("DC", "description", description)
    publisher = book.meta.get("publisher")
    if publisher not in (None, ""):
        eb.add_metadata("DC", "publisher", str(publisher).strip())
    when = publication_date(book)
    if when:
        eb.add_metadata("DC", "date", when)
    if book.meta.get("rights") not in (None, ""):
        eb.add_metadata("DC", "rights", str(book.meta["rights"]).strip())
    if book.series:
        _meta(eb, "belongs-to-collection", book.series, id="series")
        _meta(eb, "collection-type", "series", refines="series")
    # Accessibility (EPUB Accessibility 1.1, schema.org vocabulary).
    if paged:
        # The print edition's page numbers (EPUB Accessibility 1.1, 4.2: page source).
        eb.add_metadata("DC", "source", print_source(book))
        _meta(eb, "pageBreakSource", print_source(book))
    for mode in ("textual", "visual"):
        _meta(eb, "schema:accessMode", mode)
    _meta(eb, "schema:accessModeSufficient", "textual")
    for feature in (
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "alternativeText",
        "displayTransformability",
        *(("pageBreakMarkers", "pageNavigation") if paged else ()),
    ):
        _meta(eb, "schema:accessibilityFeature", feature)
    _meta(eb, "schema:accessibilityHazard", "none")
    summary = in_script(ACCESSIBILITY_SUMMARY, book.variant != "SC")
    _meta(eb, "schema:accessibilitySummary", summary)
    _meta(eb, "dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA")
    certifier = str(publisher).strip() if publisher not in (None, "") else "zhpress"
    _meta(eb, "a11y:certifiedBy", certifier)


def ncx_toc(docs: list[Any]) -> list[Any]:
    """The NCX's navMap as ebooklib nests it: a part's opening is a ``Section`` (with its
    href) holding its contributions' links; everything else is a ``Link``."""
    toc: list[Any] = []
    for d in docs:
        if not d.toc_label:
            continue
        link = epub.Link(d.href, d.toc_label, f"toc-{d.uid}")
        if d.level > 1 and toc and isinstance(toc[-1], tuple):
            toc[-1][1].append(link)
        elif d.uid.startswith("part-"):
            toc.append((epub.Section(d.toc_label, href=d.href), []))
        else:
            toc.append(link)
    return toc


def _item(uid: str, name: str, media_type: str, content: bytes, **kw: Any) -> epub.EpubItem:
    # Pitfall 6: with media_type="" ebooklib asks the machine's mimetypes table.
    return epub.EpubItem(uid=uid, file_name=name, media_type=media_type, content=content, **kw)


# --- The edition --------------------------------------------------------------------------

COVER_HREF = "images/cover.png"


def _add_images(eb: epub.EpubBook, book: Book) -> None:
    """Every image the chapters use, stored once under EPUB/images/ (a reference to a file
    the package lacks is RSC-007)."""
    from .epub_documents import epub_image_href
    from .images import chapter_images, picture

    stored: set[str] = set()
    for chapter in book.chapters:
        for block, target, _ in chapter_images(chapter):
            href = epub_image_href(target)
            if href in stored:
                continue
            found = picture(book, target, chapter.path, block.line)
            stored.add(href)
            uid = f"img-{len(stored)}"
            from urllib.parse import unquote

            eb.add_item(_item(uid, unquote(href), found.media_type, found.path.read_bytes()))


def write_epub(book: Book, path: Path, progress: Callable[[str], None] | None = None) -> None:
    """Write the EPUB edition of ``book`` to ``path`` (the pipeline renames it into place).
    ``progress`` is told the name of each stage as it starts."""
    from .covertype import render_type_cover

    step = progress or (lambda stage: None)
    step("documents")

    epoch = source_date(book)
    publication_date(book)  # bad input fails before any slow work
    identifier = book_identifier(book)
    faces = resolve_faces(book.meta.get("fonts"), book.root, book.yaml_path, variant=book.variant)
    # The print edition's page numbers, from the last reader layout (never waiting for it).
    marks = marks_for(book, pagemap.load(book.root))
    docs = render_documents(book, COVER_HREF, marks)
    # The colophon names the faces in use, which depend on the documents; two rounds settle it.
    colophon = render_colophon(book, identifier, faces, marks)
    nav = render_nav(book, [*docs, colophon], marks)
    for _ in range(2):
        texts = [d.xhtml for d in [*docs, nav, colophon]]
        roles, left_out = route_narrow_marks(glyph_text(texts), faces, book.variant != "SC")
        roles = with_safety_net(roles, faces)
        used = {role: faces[role] for role in roles if role in faces}
        colophon = render_colophon(book, identifier, used, marks)
    step("fonts")
    subsets = subsets_for(roles, faces)
    css = fonts_css(list(subsets), left_out)
    step("cover")
    cover_png = render_type_cover(book)

    step("package")
    eb = epub.EpubBook()
    eb.FOLDER_NAME = OPS_FOLDER
    _metadata(eb, book, identifier, paged=marks is not None)
    # Pitfall 4: set_cover() would add an unlinked, non-linear cover page (OPF-096).
    eb.set_cover(COVER_HREF, cover_png, create_page=False)
    eb.get_item_with_id("cover-img").media_type = "image/png"  # pitfall 6
    eb.add_item(_item("css-fonts", "styles/fonts.css", "text/css", css.encode("utf-8")))
    sheet = (STYLES / "epub.css").read_bytes()
    if book.parts:
        sheet += b"\n" + (STYLES / "epub-parts.css").read_bytes()
    eb.add_item(_item("css-epub", "styles/epub.css", "text/css", sheet))
    for role, data in subsets.items():
        eb.add_item(_item(f"font-{role}", font_file(role), "font/otf", data))
    eb.add_item(
        _item(
            "ibooks-options",
            "META-INF/com.apple.ibooks.display-options.xml",
            "application/xml",
            render_template("ibooks-display-options.xml").encode("utf-8"),
            manifest=False,  # lives beside container.xml, outside the package
        )
    )
    _add_images(eb, book)
    items = {}
    for doc in [*docs, colophon]:
        item = _Document(
            uid=doc.uid, file_name=doc.href, media_type="application/xhtml+xml", title=doc.title
        )
        item.content = doc.xhtml.encode("utf-8")
        items[doc.uid] = eb.add_item(item)
    nav_item = _Nav(uid="nav", file_name=nav.href, title=nav.title)
    nav_item.content = nav.xhtml.encode("utf-8")
    eb.add_item(nav_item)
    eb.add_item(epub.EpubNcx())
    # Cover, the opening (a book of parts: its title page), contents, the rest, colophon.
    order = [docs[0].uid, docs[1].uid, "nav"] + [d.uid for d in docs[2:]] + ["colophon"]
    eb.spine = [nav_item if uid == "nav" else items[uid] for uid in order]
    eb.toc = ncx_toc([*docs, colophon])
    # EPUB 2's "text": where reading starts, the opening or (a book of parts) the first part.
    body = "text/part-01.xhtml" if book.parts else "text/opening.xhtml"
    eb.guide = [
        {"type": "cover", "href": "text/cover.xhtml", "title": label_of(book, "封面")},
        {"type": "toc", "href": "text/nav.xhtml", "title": label_of(book, "目录")},
        {"type": "text", "href": body, "title": label_of(book, "正文")},
    ]
    writer = _Writer(str(path), eb, epoch, book.language)
    writer.process()
    writer.write()
