"""The print book of a book of several pages (issue 17), read back from the PDFs it makes:
half-title and title page, each page's opening on a recto, contents and outline with a level
per page, running heads, the panelist index's page numbers, and how they all follow a watch
edit that changes a part's length."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import EPOCH, write_parts_book
from zhpress.builder.pipeline import build
from zhpress.editions.paths import edition_paths
from zhpress.manuscript.load import load_book

pytestmark = pytest.mark.slow


def _build(book: Path, out: Path, only=("reader", "press")) -> int:
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        return build(book, out, only=only, run_checks=True, force=True)
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


@pytest.fixture(scope="module")
def parts_pdf(tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("parts")
    book = write_parts_book(root / "book")
    out = root / "dist"
    assert _build(book, out) == 0  # the fast checks (text, lines, fonts …) all pass
    paths = edition_paths(load_book(book), out)
    return book, {"reader": paths["reader"], "press": paths["press"]}


def _pages(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def _title_pages(path: Path, titles: list[str], size: float) -> dict[str, int]:
    """The 1-based page each title is set on in the given size (a heading, not a mention)."""
    import pdfplumber

    found: dict[str, int] = {}
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            heading = "".join(c["text"] for c in page.chars if abs(c["size"] - size) < 0.6)
            for title in titles:
                if title in heading and title not in found:
                    found[title] = number
    return found


def _headline_pages(path: Path, book) -> dict[str, int]:
    """Each part's opening page: where its headline is set at its headline size."""
    import pdfplumber

    from zhpress.typeset.geometry import geometry_of
    from zhpress.typeset.plan import headline_size

    measure = geometry_of(book).measure
    found: dict[str, int] = {}
    with pdfplumber.open(path) as pdf:
        for part in book.parts:
            size = headline_size(part.title, measure)
            for number, page in enumerate(pdf.pages, 1):
                big = "".join(c["text"] for c in page.chars if abs(c["size"] - size) < 0.3)
                if part.title in big:
                    found[part.title] = number
                    break
    return found


def _contents(pages: list[str]) -> dict[str, int]:
    """The contents' lines: the text before the leader dots, and the page number after."""
    toc = next(text for text in pages if text.lstrip().startswith("目录"))
    entries = {}
    for line in toc.splitlines():
        match = re.match(r"^(.*?)\s*[·.]{3,}\s*(\d+)$", line.strip())
        if match:
            entries[re.sub(r"\s+", "", match.group(1))] = int(match.group(2))
    return entries


def test_two_pages_make_one_book_with_its_own_title_pages(parts_pdf):
    book_dir, paths = parts_pdf
    book = load_book(book_dir)
    for path in paths.values():
        pages = _pages(path)
        assert pages[0].strip() == book.title  # the half-title
        assert book.title in pages[2] and "测试出版社" in pages[2]  # the title page, a recto
        assert pages[1].strip() == "" and pages[3].strip() == ""  # blank versos
        assert pages[4].lstrip().startswith("目录")


def test_each_pages_opening_is_a_recto_and_contents_give_two_levels(parts_pdf):
    book_dir, paths = parts_pdf
    book = load_book(book_dir)
    reader = paths["reader"]
    pages = _pages(reader)
    openings = _headline_pages(reader, book)
    assert list(openings) == [part.title for part in book.parts]
    assert all(number % 2 == 1 for number in openings.values()), openings
    for part in book.parts:  # the opening shows the page's own panel and moderator
        text = re.sub(r"\s+", "", pages[openings[part.title] - 1])
        assert part.moderator in text
        assert all(name in text for name in part.panelists)
    contents = _contents(pages)
    chapters = _title_pages(reader, [c.title for c in book.chapters], 15.0)
    # The folio printed on the page is its number: the book has no cover (page 1 is page 1).
    for part in book.parts:
        assert contents[re.sub(r"\s+", "", part.title)] == openings[part.title]
        for chapter in part.chapters:
            key = next(k for k in contents if k.startswith(chapter.title))
            assert key.endswith(chapter.panelist)
            assert contents[key] == chapters[chapter.title]
            assert chapters[chapter.title] > openings[part.title]
    assert contents["前言"] % 2 == 1
    assert contents["人名索引"] % 2 == 1
    index_page = pages[contents["人名索引"] - 1]
    assert index_page.lstrip().startswith("人名索引")


def test_outline_has_a_level_per_page(parts_pdf):
    from pypdf import PdfReader

    book_dir, paths = parts_pdf
    book = load_book(book_dir)
    outline = PdfReader(paths["reader"]).outline
    top, children = [], {}
    for item in outline:
        if isinstance(item, list):
            children[top[-1]] = item
        else:
            top.append(item.title)
    parts = [part.title for part in book.parts]
    assert top == [book.title, "目录", "前言", *parts, "人名索引", "版权页"]
    for part in book.parts:
        below = [item.title for item in children[part.title] if not isinstance(item, list)]
        assert below == [chapter.title for chapter in part.chapters]


def test_running_heads_book_title_on_versos_the_pages_headline_on_rectos(parts_pdf):
    import pdfplumber

    book_dir, paths = parts_pdf
    book = load_book(book_dir)
    heads = {}
    with pdfplumber.open(paths["reader"]) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            top = [c for c in page.chars if c["top"] < 40 and abs(c["size"] - 9) < 0.1]
            if top:
                heads[number] = "".join(c["text"] for c in top)
    assert heads, "no running heads"
    versos = {h for n, h in heads.items() if n % 2 == 0}
    rectos = {h for n, h in heads.items() if n % 2 == 1}
    assert versos == {book.title}
    # (Part 2's contributions are one page each: a contribution's first page has no head.)
    assert book.parts[0].title in rectos
    assert rectos <= {part.title for part in book.parts} | {"前言", "人名索引"}


def _index(pages: list[str]) -> dict[str, list[tuple[str, str]]]:
    """The index: each name with its (page headline, pages) lines."""
    first = next(n for n, t in enumerate(pages) if t.lstrip().startswith("人名索引"))
    last = next(n for n, t in enumerate(pages) if n > first and "书名" in t)  # the colophon
    entries: dict[str, list[tuple[str, str]]] = {}
    name = None
    heads = {"人名索引", "圆桌论坛二〇二四"}  # the index's title and the running heads
    for line in "\n".join(pages[first:last]).splitlines():
        line = line.strip()
        if line in heads:
            continue
        match = re.match(r"^(.*?)\s*[·.]{3,}\s*([\d–]+)$", line)
        if match and name:
            entries[name].append((re.sub(r"\s+", "", match.group(1)), match.group(2)))
        elif line and not re.fullmatch(r"[A-Z#]|\d+", line):
            name = re.sub(r"\s+", "", line)
            entries[name] = []
    return entries


def _chapter_ranges(path: Path, book) -> dict[int, str]:
    """Each contribution's pages, from where its title is set to the page before the next
    contribution, opening or index."""
    pages = _pages(path)
    starts = _title_pages(path, [c.title for c in book.chapters], 15.0)
    openings = _headline_pages(path, book)
    index = next(n for n, t in enumerate(pages, 1) if t.lstrip().startswith("人名索引"))
    marks = sorted([*starts.values(), *openings.values(), index])
    ranges = {}
    for i, chapter in enumerate(book.chapters):
        start = starts[chapter.title]
        end = min(m for m in marks if m > start) - 1
        while not pages[end - 1].strip():  # a blank verso before the next opening
            end -= 1
        ranges[i] = f"{start}–{end}" if end > start else str(start)
    return ranges


def _assert_index_matches(path: Path, book) -> None:
    from zhpress.manuscript.name_index import name_index

    entries = _index(_pages(path))
    groups = name_index(book)
    assert list(entries) == [entry.name for group in groups for entry in group.entries]
    ranges = _chapter_ranges(path, book)
    openings = _headline_pages(path, book)
    for group in groups:
        for entry in group.entries:
            expected = [
                (re.sub(r"\s+", "", place.part.title) + "主持", str(openings[place.part.title]))
                if place.moderated
                else (re.sub(r"\s+", "", place.part.title), ranges[place.chapter_number - 1])
                for place in entry.places
            ]
            assert entries[entry.name] == expected, entry.name


def test_panelist_index_files_by_surname_reading_with_the_pages_they_speak_on(parts_pdf):
    book_dir, paths = parts_pdf
    book = load_book(book_dir)
    names = list(_index(_pages(paths["reader"])))
    # 曾 is read zeng (not ceng): after 徐 (xu), beside 张 (zhang); 仇 is qiu (not chou);
    # 单 is shan (not dan): the moderator 单立群 is after 仇 and before 徐.
    assert names.index("曾文博") > names.index("徐雨森")
    assert names.index("仇虹") < names.index("单立群") < names.index("徐雨森")
    # 徐雨森 speaks in both pages, and is one entry with two places.
    assert len(_index(_pages(paths["reader"]))["徐雨森"]) == 2
    for path in paths.values():
        _assert_index_matches(path, book)


def test_a_watch_edit_that_lengthens_a_part_moves_folios_contents_and_index(tmp_path):
    from zhpress.builder.progress import Progress
    from zhpress.builder.watch import watch

    book_dir = write_parts_book(tmp_path / "book", preface=False)
    out = tmp_path / "dist"
    chapter = book_dir / "01-foshan" / "01-xu-yusen.md"
    seen: dict[str, object] = {}
    calls = 0

    def script() -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            seen["before"] = _pages(edition_paths(load_book(book_dir), out)["reader"])
            text = chapter.read_text(encoding="utf-8")
            more = "\n\n".join(["新增的一段文字，用来把这篇文章拉长到多出几页。" * 12] * 6)
            chapter.write_text(text + "\n" + more + "\n", encoding="utf-8")
        return False

    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        code = watch(
            book_dir,
            out,
            only=("reader",),
            rounds=1,
            stop=script,
            poll=0.01,
            progress=lambda: Progress(open(os.devnull, "w"), tty=False, quiet_seconds=0),
        )
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    assert code == 0
    book = load_book(book_dir)
    path = edition_paths(book, out)["reader"]
    after = _pages(path)
    before = _contents(seen["before"])
    now = _contents(after)
    second = re.sub(r"\s+", "", book.parts[1].title)
    assert now[second] > before[second]  # the second page's opening moved on …
    assert now[second] % 2 == 1  # … to a recto
    assert _headline_pages(path, book)[book.parts[1].title] == now[second]
    _assert_index_matches(path, book)
