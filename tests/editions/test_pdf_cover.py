"""``cover: true``: the reader PDF opens with the typographic cover (the EPUB cover's
template), set as text and vectors, never the EPUB's raster; an unnumbered page before page 1,
so the folios, the contents and the EPUB's page list are unchanged. The press edition, the
book block a print shop binds, never carries it."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from tests.conftest import BOOK
from zhpress.builder.pipeline import build
from zhpress.builder.progress import Progress
from zhpress.editions.paths import edition_paths
from zhpress.errors import BookError
from zhpress.manuscript.load import load_book
from zhpress.typeset.geometry import geometry_of

pytestmark = pytest.mark.slow
MM = 72 / 25.4


@pytest.fixture(scope="module")
def covered(tmp_path_factory):
    """The seed book with ``cover: true``, built with the fast checks (a failed check raises)."""
    root = tmp_path_factory.mktemp("cover") / "book"
    shutil.copytree(BOOK, root)
    with (root / "book.yaml").open("a", encoding="utf-8") as handle:
        handle.write("cover: true\n")
    out = root.parent / "dist"
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
    try:
        build(root, out, jobs=1, progress=Progress(io.StringIO(), tty=False))
    finally:
        mp.undo()
    book = load_book(root)
    return book, edition_paths(book, out)


def _text(pdf, page: int) -> str:
    args = ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def _images(page) -> list[str]:
    """The image XObjects a page draws, directly or through forms."""
    found = []
    xobjects = page["/Resources"].get("/XObject") or {}
    for name, ref in xobjects.items():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            found.append(name)
        elif obj.get("/Subtype") == "/Form" and "/Resources" in obj:
            found += _images(obj)
    return found


def test_the_cover_is_the_reader_first_page_as_text_and_vectors(covered):
    book, paths = covered
    reader = PdfReader(paths["reader"])
    cover = reader.pages[0]
    assert _images(cover) == []
    assert "/Font" in cover["/Resources"]
    text = _text(paths["reader"], 1)
    assert "".join(book.title.split()) in text.replace("\n", "")
    for name in book.panelists:
        assert name in text
    assert book.kicker and book.kicker.replace(" ", "") in text
    out = subprocess.run(
        ["pdfimages", "-list", "-f", "1", "-l", "1", str(paths["reader"])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert len(out.strip().splitlines()) == 2, out  # the header alone: no image


def test_the_cover_is_the_trims_height_at_1_to_1_6(covered):
    book, paths = covered
    box = PdfReader(paths["reader"]).pages[0].mediabox
    height = geometry_of(book).trim.height_mm * MM
    assert float(box.height) == pytest.approx(height, abs=0.5)
    assert float(box.width) == pytest.approx(height / 1.6, abs=0.5)


def test_the_cover_is_unnumbered_and_the_press_has_none(covered):
    _, paths = covered
    reader, press = PdfReader(paths["reader"]), PdfReader(paths["press"])
    assert len(reader.pages) == len(press.pages) + 1
    assert list(reader.page_labels) == ["封面", *(str(n) for n in range(1, len(press.pages) + 1))]
    # The press edition still opens with the opening page, as the reader's page 1 does.
    assert _text(paths["press"], 1)[:20] == _text(paths["reader"], 2)[:20]


def test_the_book_keeps_its_own_glyphs_beside_the_covers(covered):
    """The cover's subsets used to share the book's family names, and WeasyPrint wrote the
    two as one font: the standfirst's 济 came out as 珍."""
    book, paths = covered
    standfirst = "".join(book.lede[0].text.split())
    assert standfirst[:30] in _text(paths["reader"], 2)


def test_the_epub_page_list_is_still_the_folios(covered):
    from lxml import etree

    from tests.editions.test_epub import EPUB_TYPE, Epub

    _, paths = covered
    epub = Epub(paths["epub"])
    nav = etree.fromstring(epub.read(epub.item("nav").get("href")))
    pages = next(n for n in nav.iter("{*}nav") if n.get(EPUB_TYPE) == "page-list")
    labels = ["".join(a.itertext()) for a in pages.iter("{*}a")]
    assert labels == [str(n) for n in range(1, len(PdfReader(paths["press"]).pages) + 1)]


def test_cover_must_be_true_or_false(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(BOOK, root)
    with (root / "book.yaml").open("a", encoding="utf-8") as handle:
        handle.write("cover: maybe\n")
    with pytest.raises(BookError) as caught:
        build(root, tmp_path / "dist", only=["reader"], progress=Progress(io.StringIO()))
    assert "'cover' must be true or false" in str(caught.value)
    assert "book.yaml" in str(caught.value) and caught.value.line is not None
