"""The print edition's page numbers in the EPUB (issue 15, item 5): a page-list in the nav and a
pagebreak marker where each page of the reader PDF begins, read back as a student would use
them: unzip the EPUB, follow each entry, and compare with the PDF's page (poppler's
pdftotext, cropped to the text block so running heads and folios are left out)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import PurePosixPath

import pytest
from lxml import etree

from tests.conftest import BOOK
from tests.editions.test_epub import EPUB_TYPE, Epub, build
from zhpress.editions.epub_pages import best_offset, insert_markers, marks_for
from zhpress.editions.pagemap import PageStart
from zhpress.manuscript.load import load_book
from zhpress.typeset.geometry import geometry_of

pytestmark = pytest.mark.slow
HAVE_POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdfinfo") is not None


def squeeze(text: str) -> str:
    return "".join(text.split())


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(
        next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )


def pdf_page_text(path, page: int, book) -> str:
    """The page's text inside the text block (at 72 dpi a pixel is a point)."""
    g = geometry_of(book)
    crop = ["-x", "0", "-y", f"{int(g.top) - 2}", "-W", "2000", "-H", f"{int(g.text_height) + 6}"]
    args = ["pdftotext", "-r", "72", *crop, "-f", str(page), "-l", str(page), str(path), "-"]
    return squeeze(subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def page_list(epub: Epub) -> list[tuple[str, str]]:
    nav = etree.fromstring(epub.read(epub.item("nav").get("href")))
    lists = [n for n in nav.iter("{*}nav") if n.get(EPUB_TYPE) == "page-list"]
    assert len(lists) == 1
    assert lists[0].get("role") == "doc-pagelist"
    return [("".join(a.itertext()), a.get("href")) for a in lists[0].iter("{*}a")]


def _events(element, doc: str):
    """("mark", doc#id) for each pagebreak marker and ("text", …) in reading order."""
    if element.get(EPUB_TYPE) == "pagebreak":
        assert element.get("role") == "doc-pagebreak"
        assert element.get("aria-label") == element.get("id").removeprefix("page-")
        assert element.text in (None, "") and len(element) == 0, "an empty marker"
        yield "mark", f"{doc}#{element.get('id')}"
    yield "text", element.text or ""
    for child in element:
        yield from _events(child, doc)
        yield "text", child.tail or ""


def text_after(epub: Epub, href: str) -> str:
    """The squeezed text that follows the marker ``href`` names, to the end of the book."""
    out: list[str] = []
    found = False
    for doc_href, root in epub.spine():
        name = PurePosixPath(doc_href).name
        for kind, value in _events(root.find("{*}body"), name):
            if kind == "mark" and value == href:
                found = True
            elif kind == "text" and found:
                out.append(value)
    assert found, href
    return squeeze("".join(out))


@pytest.fixture(scope="module")
def seed_book():
    return load_book(BOOK)


@pytest.fixture(scope="module")
def seed(seed_dist, seed_book):
    return Epub(seed_dist["epub"]), seed_dist["reader"], seed_book


@pytest.mark.skipif(not HAVE_POPPLER, reason="poppler-utils (pdftotext, pdfinfo) absent")
def test_the_page_list_is_the_reader_pdfs_pages(seed):
    epub, reader, _ = seed
    entries = page_list(epub)
    assert [label for label, _ in entries] == [str(n) for n in range(1, pdf_pages(reader) + 1)]


@pytest.mark.skipif(not HAVE_POPPLER, reason="poppler-utils (pdftotext, pdfinfo) absent")
def test_each_marker_is_where_its_pdf_page_begins(seed):
    """Inside a chapter, the text after page N's marker is the text page N begins with; the
    opening, contents and colophon pages go to their documents."""
    epub, reader, book = seed
    entries = page_list(epub)
    inside = 0
    for label, href in entries:
        page_text = pdf_page_text(reader, int(label), book)
        following = text_after(epub, href)
        if href.startswith("chapter-"):
            assert page_text, label
            assert following[:12] == page_text[:12], (label, following[:20], page_text[:20])
            inside += not any(following.startswith(squeeze(c.title)) for c in book.chapters)
        else:
            assert href.split("#")[0] in ("opening.xhtml", "nav.xhtml", "colophon.xhtml")
    assert entries[0][1].startswith("opening.xhtml#") and entries[-1][1].startswith("colophon")
    assert inside >= 4, "the seed's pages that begin inside a paragraph"


def test_markers_sit_between_characters_and_add_none(seed):
    """An empty span inside the paragraph: the text is the manuscript's, search finds it."""
    epub, _, book = seed
    chapter = etree.fromstring(epub.read("text/chapter-01.xhtml"))
    paragraphs = [p for p in chapter.iter("{*}p") if p.get("class") != "byline"]
    marked = [p for p in paragraphs if any(e.get(EPUB_TYPE) == "pagebreak" for e in p.iter())]
    assert marked
    from zhpress.editions.epub_documents import plain_text_of

    leaves = [b for b in book.chapters[0].leaves() if b.kind == "p"]
    for p, block in zip(paragraphs, leaves, strict=True):
        assert "".join(p.itertext()) == plain_text_of(block)


def test_the_metadata_names_the_print_edition(seed):
    epub, _, _ = seed
    ns = {"dc": "http://purl.org/dc/elements/1.1/"}
    source = epub.opf.findall(".//dc:source", ns)
    assert len(source) == 1 and "印刷版" in source[0].text and "A5" in source[0].text
    assert [m.text for m in epub.meta("pageBreakSource")] == [source[0].text]
    features = {m.text for m in epub.meta("schema:accessibilityFeature")}
    assert {"pageBreakMarkers", "pageNavigation"} <= features


def test_a_book_never_laid_out_claims_no_page_numbers(tmp_path, monkeypatch):
    """No reader layout yet: no page list, no markers, and no metadata that says otherwise."""
    monkeypatch.setenv("ZHPRESS_CACHE_DIR", str(tmp_path / "cache"))
    from tests.conftest import write_book

    root = write_book(tmp_path / "book")
    epub = Epub(build(root, tmp_path / "book.epub"))
    nav = etree.fromstring(epub.read(epub.item("nav").get("href")))
    assert not [n for n in nav.iter("{*}nav") if n.get(EPUB_TYPE) == "page-list"]
    assert b"pagebreak" not in b"".join(epub.read(h) for h, _ in epub.spine())
    features = {m.text for m in epub.meta("schema:accessibilityFeature")}
    assert not {"pageBreakMarkers", "pageNavigation"} & features
    assert not epub.opf.findall(".//{http://purl.org/dc/elements/1.1/}source")


# --- Placing a marker ------------------------------------------------------------------------


def test_a_marker_goes_before_the_counted_character_across_tags():
    html = '突<span class="nb">破<span class="w sb sa">3</span>万</span>亿元&amp;更多'
    start = PageStart(6, "c1", 0, 2, "3万亿元&更多")
    out = insert_markers(html, [start])
    assert '破<span class="w sb sa"><span epub:type="pagebreak"' in out
    root = etree.fromstring(f'<p xmlns:epub="http://www.idpf.org/2007/ops">{out}</p>')
    assert "".join(root.itertext()) == "突破3万亿元&更多"


def test_a_map_made_before_an_edit_finds_the_page_by_its_first_characters():
    """Two characters were inserted before the page's start since the layout: the counted
    offset is off by two, the page's first characters are not."""
    visible = "新加甲乙丙丁戊己庚辛壬癸子丑寅卯"
    assert best_offset(visible, 4, "丙丁戊己") == 4
    assert best_offset(visible, 2, "丙丁戊己") == 4
    assert best_offset(visible, 2, "不在这里") == 2  # not found: the counted place


def test_a_map_of_another_shape_is_not_used(seed_book):
    """A chapter removed since the layout: the map names a part the book no longer has."""
    n = len(seed_book.chapters)
    assert marks_for(seed_book, [PageStart(1, f"c{n + 1}", -1, 0, "x")]) is None
    assert marks_for(seed_book, [PageStart(1, "c1", 999, 0, "x")]) is None
    assert marks_for(seed_book, None) is None


def test_a_blank_page_is_marked_just_before_the_next_page(seed_book):
    """A blank page (the contents padded to keep their length) has no text to begin with: its
    marker goes where the next page with text begins, just before that page's."""
    pages = [
        PageStart(1, "opening", -1, 0, "引题"),
        PageStart(2, "toc", -1, 0, "目录"),
        PageStart(3, "opening", -1, 0, ""),
        PageStart(4, "c1", -1, 0, "标题"),
    ]
    marks = marks_for(seed_book, pages)
    assert [e["href"] for e in marks.page_list()] == [
        "opening.xhtml#page-1",
        "nav.xhtml#page-2",
        "chapter-01.xhtml#page-3",
        "chapter-01.xhtml#page-4",
    ]
    assert marks.at_start("c1").index('id="page-3"') < marks.at_start("c1").index('id="page-4"')
