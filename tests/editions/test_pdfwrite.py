"""Laying the print book out part by part: each contribution opens a new page, the parts are
numbered as one book, and ``watch`` lays out again only the part an edit touched, with the
same bytes as a fresh build."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import BOOK, opening_pages
from zhpress.builder.pipeline import build
from zhpress.editions import pdfwrite
from zhpress.editions.paths import edition_paths
from zhpress.editions.pdf import render_sections
from zhpress.manuscript.load import load_book
from zhpress.typeset.geometry import geometry_of


@pytest.fixture
def remembering(monkeypatch):
    """A process that keeps the reader's parts between builds, as ``watch`` does; it starts
    empty and everything is put back afterwards."""
    monkeypatch.setattr(pdfwrite, "_REMEMBER", True)
    monkeypatch.setattr(pdfwrite, "_LAID_OUT", {})
    monkeypatch.setattr(pdfwrite, "_LAST_NUMBERS", {})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The parts WeasyPrint lays out, by their first heading or section."""
    import weasyprint

    seen: list[str] = []
    original = weasyprint.HTML.render

    def render(self, *args, **kwargs):
        body = self.etree_element.find("body")
        first = next(iter(body), None) if body is not None else None
        seen.append(first.get("id") or first.get("class", "") if first is not None else "")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "render", render)
    return seen


def _fresh(book: Path, out: Path, only: tuple[str, ...]) -> dict[str, bytes]:
    """The editions as a build that remembers nothing makes them."""
    saved = dict(pdfwrite._LAID_OUT), dict(pdfwrite._LAST_NUMBERS)
    pdfwrite._LAID_OUT.clear()
    pdfwrite._LAST_NUMBERS.clear()
    try:
        build(book, out, only=only, jobs=1, run_checks=False, force=True)
    finally:
        pdfwrite._LAID_OUT.update(saved[0])
        pdfwrite._LAST_NUMBERS.update(saved[1])
    paths = edition_paths(load_book(book), out)
    return {e: paths[e].read_bytes() for e in only}


def test_the_book_is_cut_into_its_parts_in_order():
    book = load_book(BOOK)
    names = [name for name, _ in render_sections(book, press=False)]
    assert names == ["meta", "front", *(f"c{n + 1}" for n in range(len(book.chapters))), "back"]
    parts = dict(render_sections(book, press=False))
    assert 'name="author"' in parts["meta"] and "<body" in parts["meta"]
    # Only the head part carries the metadata (its dates change with every save).
    assert all('name="author"' not in html for name, html in parts.items() if name != "meta")
    assert '<nav class="toc">' in parts["front"] and "<article" not in parts["front"]
    for n, chapter in enumerate(book.chapters):
        html = parts[f"c{n + 1}"]
        assert html.count("<article") == 1 and chapter.panelist in html
    assert '<section class="colophon">' in parts["back"]


def test_each_contribution_opens_a_new_page_without_a_running_head(seed_dist):
    import pdfplumber

    book = load_book(BOOK)
    g = geometry_of(book)
    with pdfplumber.open(str(seed_dist["reader"])) as pdf:
        starts = opening_pages(pdf, [c.title for c in book.chapters])
        assert list(starts) == [c.title for c in book.chapters]
        for chapter, page in zip(book.chapters, starts.values(), strict=True):
            _, top, _, bottom = g.frame(page.page_number - 1)
            body = [c for c in page.chars if top - 2 <= c["top"] <= bottom]
            # The title is the first thing on its page: the previous contribution ended before.
            first_line = min(c["top"] for c in body)
            assert "".join(c["text"] for c in body if c["top"] == first_line) in chapter.title
            # No running head over an opening page; its folio is its page number.
            assert not [c for c in page.chars if c["top"] < top - 2]
            foot = "".join(c["text"] for c in page.chars if c["top"] > bottom)
            assert foot == str(page.page_number)
        # Every other page of a contribution has its running head.
        openings = {p.page_number for p in starts.values()}
        first_body = min(openings)
        last = len(pdf.pages)  # the colophon
        for page in pdf.pages[first_body - 1 : last - 1]:
            if page.page_number not in openings:
                _, top, _, _ = g.frame(page.page_number - 1)
                assert [c for c in page.chars if c["top"] < top - 2], page.page_number


def test_an_edit_lays_out_only_its_contribution_with_the_bytes_of_a_fresh_build(
    tmp_path, remembering, renders
):
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    out = tmp_path / "dist"
    build(book, out, only=("reader",), jobs=1, run_checks=False)
    chapters = sorted(book.glob("0*.md"))
    text = chapters[2].read_text(encoding="utf-8")
    chapters[2].write_text(text.replace("。", "。新", 1), encoding="utf-8")
    renders.clear()
    build(book, out, only=("reader",), jobs=1, run_checks=False)
    assert renders == ["c3"]  # nothing else was laid out again
    edited = edition_paths(load_book(book), out)["reader"].read_bytes()
    assert edited == _fresh(book, tmp_path / "fresh", ("reader",))["reader"]


def test_a_contribution_that_grows_a_page_renumbers_the_rest_and_the_contents(
    tmp_path, remembering, renders
):
    import pdfplumber

    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    out = tmp_path / "dist"
    build(book, out, only=("reader",), jobs=1, run_checks=False)
    first = sorted(book.glob("0*.md"))[0]
    paragraph = first.read_text(encoding="utf-8").rstrip().rsplit("\n\n", 1)[-1]
    first.write_text(first.read_text(encoding="utf-8") + ("\n\n" + paragraph) * 6, "utf-8")
    renders.clear()
    build(book, out, only=("reader",), jobs=1, run_checks=False)
    # The contents, the grown contribution, and every later part (their page numbers moved).
    assert "c1" in renders and "c4" in renders and "colophon" in renders
    reader = edition_paths(load_book(book), out)["reader"]
    assert reader.read_bytes() == _fresh(book, tmp_path / "fresh", ("reader",))["reader"]
    titles = [c.title for c in load_book(book).chapters]
    with pdfplumber.open(str(reader)) as pdf:
        toc = next(p for p in pdf.pages if "目录" in p.extract_text()).extract_text()
        opening = opening_pages(pdf, titles)
        for title in titles:
            page = opening[title].page_number
            line = next(line for line in toc.splitlines() if title[:6] in line)
            assert re.search(rf"[·\s]{page}$", line), (line, page)


def test_a_wrong_guess_of_the_contents_numbers_is_corrected(tmp_path, remembering):
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    chapters = [f"c{n + 1}" for n in range(len(load_book(book).chapters))]
    pdfwrite._LAST_NUMBERS["reader"] = {name: 90 + n for n, name in enumerate(chapters)}
    build(book, tmp_path / "dist", only=("reader",), jobs=1, run_checks=False)
    guessed = edition_paths(load_book(book), tmp_path / "dist")["reader"].read_bytes()
    assert guessed == _fresh(book, tmp_path / "fresh", ("reader",))["reader"]


def test_press_parts_are_laid_out_afresh_every_time(tmp_path, remembering, renders):
    """Painting crop marks changes a WeasyPrint page for good: a press page is never reused."""
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    out = tmp_path / "dist"
    build(book, out, only=("press",), jobs=1, run_checks=False)
    count = len(renders)
    build(book, out, only=("press",), jobs=1, run_checks=False, force=True)
    assert len(renders) >= 2 * count - 1  # the contents may be guessed right the second time
    press = edition_paths(load_book(book), out)["press"].read_bytes()
    assert press == _fresh(book, tmp_path / "fresh", ("press",))["press"]


def test_an_edit_of_the_styles_lays_every_part_out_again(
    tmp_path, remembering, renders, monkeypatch
):
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    styles = tmp_path / "styles"
    shutil.copytree(pdfwrite.STYLES, styles)
    monkeypatch.setattr(pdfwrite, "STYLES", styles)
    out = tmp_path / "dist"
    build(book, out, only=("reader",), jobs=1, run_checks=False)
    sheet = styles / "print.css"
    sheet.write_text(
        sheet.read_text(encoding="utf-8").replace("font-size: 9pt;", "font-size: 8pt;"), "utf-8"
    )
    renders.clear()
    build(book, out, only=("reader",), jobs=1, run_checks=False, force=True)
    assert {"opening", "c1", "c2", "c3", "c4", "colophon"} <= set(renders)
    reader = edition_paths(load_book(book), out)["reader"].read_bytes()
    assert reader == _fresh(book, tmp_path / "fresh", ("reader",))["reader"]


class _FakeDocument:
    def __init__(self, pages: int, css: str) -> None:
        self.pages = list(range(pages))
        self.css = css


def _fake_weasyprint(monkeypatch, front_pages):
    """WeasyPrint stood in for by page counts: the contents take ``front_pages(css)`` pages,
    a contribution as many pages as its part says."""
    import weasyprint
    import weasyprint.text.fonts

    class HTML:
        def __init__(self, string, base_url=None, url_fetcher=None):
            self.html = string

        def render(self, stylesheets, font_config):
            css = stylesheets[1].text
            if self.html == "FRONT":
                pad = css.count("break-before: page")
                return _FakeDocument(front_pages(css) + pad, css)
            return _FakeDocument(int(self.html.split()[-1]), css)

    class CSS:
        def __init__(self, string=None, **kwargs):
            self.text = string or ""

    monkeypatch.setattr(weasyprint, "HTML", HTML)
    monkeypatch.setattr(weasyprint, "CSS", CSS)
    monkeypatch.setattr(weasyprint.text.fonts, "FontConfiguration", lambda: None)
    monkeypatch.setattr(pdfwrite, "_FONT_CONFIG", {})
    monkeypatch.setattr(pdfwrite, "_LAID_OUT", {})
    monkeypatch.setattr(pdfwrite, "_LAST_NUMBERS", {})
    monkeypatch.setenv("ZHPRESS_NO_CACHE", "1")


PARTS = [("meta", "META"), ("front", "FRONT"), ("c1", "PART 18"), ("c2", "PART 5")]


def _shown(css: str) -> dict[str, str]:
    return dict(re.findall(r'href="#(\w+)"\]::after \{ content: leader\("·"\) "(\d*)"', css))


def test_contents_that_flip_between_two_lengths_settle_on_the_longer(monkeypatch):
    # With "20" a contents line wraps (two pages); with "21" it fits (one page): without a
    # floor the numbers would swap for ever, and the last pass would print the wrong ones.
    _fake_weasyprint(monkeypatch, lambda css: 2 if '"20"' in css else 1)
    first, c1, *_ = pdfwrite.lay_out([*PARTS, ("back", "PART 1")], False, None)
    starts = {"c1": 1 + len(first.pages), "c2": 1 + len(first.pages) + len(c1.pages)}
    assert _shown(first.css) == {k: str(v) for k, v in starts.items()}
    assert len(first.pages) == 2  # the one-page layout padded with a blank page


def test_contents_that_never_settle_stop_the_build(monkeypatch):
    from zhpress.errors import BookError

    # Pathological on purpose: every larger number makes the contents a page longer.
    _fake_weasyprint(monkeypatch, lambda css: 1 + max(int(v or 0) for v in _shown(css).values()))
    with pytest.raises(BookError, match="did not settle"):
        pdfwrite.lay_out([*PARTS, ("back", "PART 1")], False, None)
