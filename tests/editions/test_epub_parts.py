"""The EPUB of a book of several pages (``parts:``), measured on the real file.

The book is conftest's two-part book: the seed's page, then our own page whose panelists
include the seed's 徐雨森 (one person, two parts) and the surnames 曾 (zeng) and 仇 (qiu),
moderated by 单立群 (shan); one of its contributions gets a section heading here, so the
contents have all three levels (part, contribution, section).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from conftest import write_parts_book
from lxml import etree
from test_epub import EPOCH, NS, Epub, _ace, _chromium, environment, epubcheck

from zhpress.checks.outputs import _read_epub
from zhpress.checks.text_reaches_editions import (
    Stream,
    epub_stream,
    find_units,
    manuscript_units,
)
from zhpress.editions import pagemap
from zhpress.editions.epub import write_epub
from zhpress.editions.epub_pages import marks_for
from zhpress.editions.pagemap import PageStart
from zhpress.manuscript.load import load_book

pytestmark = pytest.mark.slow
SECTION = "先问居民缺什么"


def _make_book(root: Path) -> Path:
    write_parts_book(root)
    chapter = root / "02-laochengqu" / "01-zeng-wenbo.md"
    text = chapter.read_text(encoding="utf-8")
    head, body = text.split("\n\n", 1)
    first, rest = body.split("\n\n", 1)
    chapter.write_text(f"{head}\n\n{first}\n\n## {SECTION}\n\n{rest}", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def parts_book(tmp_path_factory) -> Path:
    return _make_book(tmp_path_factory.mktemp("parts") / "book")


@pytest.fixture(scope="module")
def parts_epub(parts_book) -> Epub:
    target = parts_book.parent / "parts.epub"
    with environment(SOURCE_DATE_EPOCH=str(EPOCH)):
        write_epub(load_book(parts_book), target)
    return Epub(target)


def _doc(epub: Epub, name: str) -> etree._Element:
    return etree.fromstring(epub.read(f"text/{name}"))


def _text(element: etree._Element) -> str:
    return "".join(element.itertext()).strip()


# --- Structure ---------------------------------------------------------------------------------


def test_the_spine_reads_title_page_preface_then_each_part_with_its_contributions(parts_epub):
    names = [href.removeprefix("text/") for href, _ in parts_epub.spine()]
    assert names == [
        "cover.xhtml",
        "titlepage.xhtml",
        "nav.xhtml",
        "preface.xhtml",
        "part-01.xhtml",
        *(f"chapter-{n:02d}.xhtml" for n in range(1, 5)),
        "part-02.xhtml",
        *(f"chapter-{n:02d}.xhtml" for n in range(5, 8)),
        "index.xhtml",
        "colophon.xhtml",
    ]
    part = _doc(parts_epub, "part-02.xhtml")
    section = part.find("x:body/x:section", NS)
    assert section.get("{http://www.idpf.org/2007/ops}type") == "part"
    assert section.get("role") == "doc-part"
    # The single-page opening's design: overline, headline, series, standfirst, panel.
    assert _text(section.find(".//x:p[@class='kicker']", NS)) == "城市更新进行时"
    assert _text(section.find(".//x:h1", NS)) == "老城区更新怎样留住烟火气？"
    assert _text(section.find(".//x:p[@class='series']", NS)) == "圆桌论坛"
    assert "老城区是一座城市的记忆所在" in _text(section.find(".//x:div[@class='lede']", NS))
    panel = [_text(p) for p in section.iterfind(".//x:p[@class='panel']", NS)]
    assert panel == ["嘉宾：曾文博、徐雨森、仇虹", "主持人：单立群"]
    title = _doc(parts_epub, "titlepage.xhtml")
    assert [_text(e) for e in title.find("x:body/x:section", NS)] == [
        "圆桌论坛",
        "圆桌论坛二〇二四",
        "测试出版社",
    ]


def test_the_contents_nest_part_contribution_and_section(parts_epub):
    nav = _doc(parts_epub, "nav.xhtml")
    toc = nav.find(".//x:nav[@id='toc']/x:ol", NS)

    def tree(ol):
        return [
            (
                li.find("x:a", NS).get("href"),
                _text(li.find("x:a", NS)),
                tree(li.find("x:ol", NS)) if li.find("x:ol", NS) is not None else [],
            )
            for li in ol.iterfind("x:li", NS)
        ]

    top = tree(toc)
    assert [href for href, _, _ in top] == [
        "preface.xhtml",
        "part-01.xhtml",
        "part-02.xhtml",
        "index.xhtml",
        "colophon.xhtml",
    ]
    part_two = top[2]
    assert part_two[1] == "老城区更新怎样留住烟火气？"
    assert [(h, label) for h, label, _ in part_two[2]] == [
        ("chapter-05.xhtml", "曾文博：微改造要从街坊的日常需求出发"),
        ("chapter-06.xhtml", "徐雨森：让老厂房成为新产业的孵化器"),
        ("chapter-07.xhtml", "仇虹：社区治理是更新成果的保障"),
    ]
    assert part_two[2][0][2] == [("chapter-05.xhtml#s1", SECTION, [])]
    assert [h for h, _, _ in top[1][2]] == [f"chapter-{n:02d}.xhtml" for n in range(1, 5)]
    # Every link of the contents reaches an element of the package.
    chapter = _doc(parts_epub, "chapter-05.xhtml")
    assert _text(chapter.find(".//x:h2[@id='s1']", NS)) == SECTION
    landmarks = {
        a.get("{http://www.idpf.org/2007/ops}type"): a.get("href")
        for a in nav.iterfind(".//x:nav[@id='landmarks']//x:a", NS)
    }
    assert landmarks == {
        "cover": "cover.xhtml",
        "titlepage": "titlepage.xhtml",
        "toc": "nav.xhtml#toc",
        "preface": "preface.xhtml",
        "bodymatter": "part-01.xhtml",
        "index": "index.xhtml",
        "colophon": "colophon.xhtml",
    }


def test_the_ncx_has_a_level_per_part(parts_epub):
    ncx_item = next(i for i in parts_epub.manifest.values() if i.get("href").endswith(".ncx"))
    ncx = etree.fromstring(parts_epub.read(ncx_item.get("href")))
    depth = ncx.find("ncx:head/ncx:meta[@name='dtb:depth']", NS).get("content")
    assert depth == "2"
    points = ncx.findall("ncx:navMap/ncx:navPoint", NS)
    srcs = [p.find("ncx:content", NS).get("src") for p in points]
    assert srcs == [
        "text/preface.xhtml",
        "text/part-01.xhtml",
        "text/part-02.xhtml",
        "text/index.xhtml",
        "text/colophon.xhtml",
    ]
    inner = [p.find("ncx:content", NS).get("src") for p in points[2].findall("ncx:navPoint", NS)]
    assert inner == [f"text/chapter-{n:02d}.xhtml" for n in (5, 6, 7)]
    every = list(ncx.iter("{http://www.daisy.org/z3986/2005/ncx/}navPoint"))
    assert [int(p.get("playOrder")) for p in every] == list(range(1, len(every) + 1))
    assert len({p.get("id") for p in every}) == len(every)
    assert not any(p.get("id").startswith("sep_") for p in every)


def test_every_person_is_one_creator_or_contributor_with_a_role(parts_epub):
    creators = [e for e in parts_epub.opf.iterfind("opf:metadata/dc:creator", NS)]
    names = [e.text for e in creators]
    assert names == ["徐雨森", "穆向民", "胡晓珍", "张震", "曾文博", "仇虹"]  # 徐雨森 once
    for creator in creators:
        assert parts_epub.refines(creator.get("id"), "role") == ["aut"]
    contributors = parts_epub.opf.findall("opf:metadata/dc:contributor", NS)
    assert [e.text for e in contributors] == ["叶小青", "单立群"]
    for contributor in contributors:
        assert parts_epub.refines(contributor.get("id"), "role") == ["mod"]
    file_as = {
        e.text: parts_epub.refines(e.get("id"), "file-as")[0] for e in creators + contributors
    }
    # The surname readings, not a dictionary's first reading (ceng, dan, chou).
    assert file_as["曾文博"] == "Zeng, Wenbo"
    assert file_as["仇虹"] == "Qiu, Hong"
    assert file_as["单立群"] == "Shan, Liqun"
    colophon = _text(_doc(parts_epub, "colophon.xhtml").find("x:body", NS))
    assert "徐雨森、穆向民、胡晓珍、张震、曾文博、仇虹" in colophon
    assert "叶小青、单立群" in colophon


# --- The panelist index ---------------------------------------------------------------------


def test_the_index_files_names_by_their_surname_reading(parts_epub):
    index = _doc(parts_epub, "index.xhtml")
    section = index.find("x:body/x:section", NS)
    assert section.get("{http://www.idpf.org/2007/ops}type") == "index"
    assert section.get("role") == "doc-index"
    groups = {}
    for group in section.iterfind("x:section", NS):
        letter = _text(group.find("x:h2", NS))
        groups[letter] = [_text(s) for s in group.iterfind(".//x:span[@class='index-name']", NS)]
    assert list(groups) == sorted(groups)
    assert groups["Z"] == ["曾文博", "张震"]  # zeng before zhang; not under C
    assert groups["S"] == ["单立群"]  # shan, not dan
    assert groups["Q"] == ["仇虹"]  # qiu, not chou
    assert "C" not in groups and "D" not in groups
    assert groups["Y"] == ["叶小青"]
    everyone = [name for names in groups.values() for name in names]
    assert sorted(everyone) == sorted(
        ["徐雨森", "穆向民", "胡晓珍", "张震", "曾文博", "仇虹", "叶小青", "单立群"]
    )


def test_an_index_entry_links_to_every_contribution_of_its_panelist(parts_epub):
    index = _doc(parts_epub, "index.xhtml")
    entries = {
        _text(li.find("x:span[@class='index-name']", NS)): [
            (
                _text(sub.find("x:span", NS)),
                sub.find("x:a", NS).get("href"),
                _text(sub.find("x:a", NS)),
            )
            for sub in li.iterfind("x:ul/x:li", NS)
        ]
        for li in index.iterfind(".//x:section/x:ul/x:li", NS)
    }
    assert entries["徐雨森"] == [
        ("佛山新型工业化如何闯出新路？", "chapter-01.xhtml", "夯实制造业转型升级综合改革试点经验"),
        ("老城区更新怎样留住烟火气？", "chapter-06.xhtml", "让老厂房成为新产业的孵化器"),
    ]
    assert entries["单立群"] == [("老城区更新怎样留住烟火气？", "part-02.xhtml", "主持")]
    for places in entries.values():
        for _, href, title in places:
            target = _doc(parts_epub, href)
            assert title in _text(target.find("x:body", NS)) or title == "主持"


# --- Text, validity, determinism -----------------------------------------------------------------


def test_every_character_of_every_part_is_in_the_epub(parts_book, parts_epub):
    book = load_book(parts_book)
    units = manuscript_units(book)
    stream = epub_stream(_read_epub(parts_epub.path))
    _matches, problem = find_units(units, stream, "EPUB")
    assert problem is None, problem
    text = "".join(u.text for u in units)
    # The check covers the parts' own text: headlines, overlines, standfirsts, moderators,
    # the preface.
    for wanted in (
        "城市更新进行时",
        "老城区是一座城市的记忆所在",
        "单立群",
        "感谢各位嘉宾和主持人的支持",
    ):
        assert wanted in text
    # ... and it can fail: part 2's standfirst taken out of the EPUB is found missing.
    lede = "老城区是一座城市的记忆所在"
    at = stream.text.index(lede)
    cut = Stream(
        stream.text[:at] + stream.text[at + 3 :], stream.places[:at] + stream.places[at + 3 :]
    )
    _, problem = find_units(units, cut, "EPUB")
    assert problem is not None and "part.yaml" in problem


def test_epubcheck_passes_the_book_of_parts(parts_epub):
    report = epubcheck(parts_epub.path)
    counts = report["checker"]
    messages = [(m["severity"], m["ID"], m["message"]) for m in report["messages"]]
    assert (counts["nFatal"], counts["nError"], counts["nWarning"]) == (0, 0, 0), messages


def test_a_book_yaml_with_overline_standfirst_and_moderator_shows_them_on_the_title_page(
    tmp_path,
):
    """book.yaml of a book of parts may carry the single-page keys too (kicker, lede,
    moderator): the title page shows them, as the print title page does, and the text check
    finds them."""
    root = write_parts_book(tmp_path / "book", preface=False)
    yaml = root / "book.yaml"
    extra = "kicker: 一年十二期\nmoderator: 欧阳明\nlede: |\n  本书收录两期圆桌论坛。\n"
    yaml.write_text(extra + yaml.read_text(encoding="utf-8"), encoding="utf-8")
    book = load_book(root)
    target = tmp_path / "book.epub"
    with environment(SOURCE_DATE_EPOCH=str(EPOCH)):
        write_epub(book, target)
    epub = Epub(target)
    page = _text(_doc(epub, "titlepage.xhtml").find("x:body", NS))
    for wanted in ("一年十二期", "圆桌论坛二〇二四", "本书收录两期圆桌论坛。", "主持人：欧阳明"):
        assert wanted in page
    _, problem = find_units(manuscript_units(book), epub_stream(_read_epub(target)), "EPUB")
    assert problem is None, problem
    contributors = [e.text for e in epub.opf.iterfind("opf:metadata/dc:contributor", NS)]
    assert contributors == ["欧阳明", "叶小青", "单立群"]
    assert "preface.xhtml" not in [h.removeprefix("text/") for h, _ in epub.spine()]


@pytest.mark.skipif(
    _ace() is None or _chromium() is None,
    reason="Ace by DAISY or chromium absent: 'make test' installs them (tools/ace.sh)",
)
def test_ace_by_daisy_finds_nothing_in_the_book_of_parts(parts_epub, tmp_path):
    """The title page, part openings, preface and index (doc-part, doc-preface, doc-index)
    hold the accessibility rules the seed's EPUB holds (test_epub.py)."""
    import json
    import subprocess

    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": _chromium()}
    for _ in range(3):
        result = subprocess.run(
            [_ace(), "-o", str(tmp_path / "ace"), "-f", str(parts_epub.path)],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
            check=False,
        )
        if "waiting for the WS endpoint" not in result.stderr:  # Chromium slow to start
            break
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "ace" / "report.json").read_text("utf-8"))
    violations = [
        (a["earl:testSubject"]["url"], b["earl:test"]["dct:title"])
        for a in report["assertions"]
        for b in a.get("assertions", [])
    ]
    assert violations == []
    assert report["earl:result"]["earl:outcome"] == "pass"


def test_the_book_of_parts_builds_byte_identically(parts_book, parts_epub, tmp_path):
    again = tmp_path / "again.epub"
    with environment(SOURCE_DATE_EPOCH=str(EPOCH)):
        write_epub(load_book(parts_book), again)
    assert again.read_bytes() == parts_epub.data


def test_the_cover_counts_pages_and_panelists_instead_of_naming_them(parts_book, parts_epub):
    import re

    from zhpress.editions.covertype import cover_html

    html = re.sub(r"<[^>]+>", "", cover_html(load_book(parts_book), []))
    assert "圆桌论坛二〇二四" in html and "测试出版社" in html
    assert "收录" in html and "2期" in html and "6位" in html
    assert "徐雨森" not in html  # no panel of names
    cover = _doc(parts_epub, "cover.xhtml")
    alt = cover.find(".//x:img", NS).get("alt")
    assert "收录2期" in alt and "嘉宾6位" in alt
    assert parts_epub.zip.read("EPUB/images/cover.png")[:8] == b"\x89PNG\r\n\x1a\n"


# --- The print edition's page numbers --------------------------------------------------------


def _hand_made_map(book) -> list[PageStart]:
    """The page map the reader PDF of a book of parts writes (its names: opening and toc for
    the front matter, preface, o1 …, c1 … across the book, index, colophon), by hand."""
    preface = book.preface.leaves()[1].text
    c5 = book.chapters[4].leaves()
    return [
        PageStart(1, "opening", -1, 0, "圆桌论坛二〇二四"),  # half-title
        PageStart(2, "opening", -1, 0, "圆桌论坛二〇二四"),  # title page
        PageStart(3, "toc", -1, 0, "目录"),
        PageStart(4, "preface", -1, 0, "前言"),
        PageStart(5, "preface", 1, 0, preface[:12]),
        PageStart(6, "o1", -1, 0, "圆桌论坛"),
        PageStart(7, "c1", -1, 0, book.chapters[0].title[:12]),
        PageStart(8, "c2", -1, 0, book.chapters[1].title[:12]),
        PageStart(9, "c3", -1, 0, book.chapters[2].title[:12]),
        PageStart(10, "c4", -1, 0, book.chapters[3].title[:12]),
        PageStart(11, "o2", -1, 0, ""),  # the blank verso before part 2's opening
        PageStart(12, "o2", -1, 0, "圆桌论坛"),
        PageStart(13, "c5", -1, 0, book.chapters[4].title[:12]),
        PageStart(14, "c5", 2, 10, c5[2].text[10:22]),
        PageStart(15, "c6", -1, 0, book.chapters[5].title[:12]),
        PageStart(16, "c7", -1, 0, book.chapters[6].title[:12]),
        PageStart(17, "index", -1, 0, "人名索引"),
        PageStart(18, "colophon", -1, 0, "版权信息"),
    ]


def test_a_map_of_a_book_of_parts_names_its_documents(parts_book):
    book = load_book(parts_book)
    marks = marks_for(book, _hand_made_map(book))
    assert marks is not None
    hrefs = [e["href"].split("#")[0] for e in marks.page_list()]
    assert hrefs == [
        "titlepage.xhtml",
        "titlepage.xhtml",
        "nav.xhtml",
        "preface.xhtml",
        "preface.xhtml",
        "part-01.xhtml",  # o1 is part 1's opening, never chapter 1
        *(f"chapter-{n:02d}.xhtml" for n in range(1, 5)),
        "part-02.xhtml",
        "part-02.xhtml",
        "chapter-05.xhtml",
        "chapter-05.xhtml",
        "chapter-06.xhtml",
        "chapter-07.xhtml",
        "index.xhtml",
        "colophon.xhtml",
    ]
    # A part opening has no paragraphs a page could begin in; the map is of another shape.
    assert marks_for(book, [PageStart(1, "o1", 0, 0, "x")]) is None
    assert marks_for(book, [PageStart(1, f"o{len(book.parts) + 1}", -1, 0, "x")]) is None
    assert marks_for(book, [PageStart(1, "preface", 99, 0, "x")]) is None


def test_the_epub_of_parts_marks_the_print_pages(tmp_path):
    root = _make_book(tmp_path / "book")
    book = load_book(root)
    key = pagemap.map_key(root)
    pagemap.store(key, _hand_made_map(book))
    try:
        target = tmp_path / "paged.epub"
        with environment(SOURCE_DATE_EPOCH=str(EPOCH)):
            write_epub(book, target)
    finally:
        os.unlink(pagemap._path(key))
    paged = Epub(target)
    nav = _doc(paged, "nav.xhtml")
    listed = [a.get("href") for a in nav.iterfind(".//x:nav[@id='page-list']//x:a", NS)]
    assert len(listed) == 18
    markers = {}
    for href, root_el in paged.spine():
        for span in root_el.iter("{http://www.w3.org/1999/xhtml}span"):
            if span.get("{http://www.idpf.org/2007/ops}type") == "pagebreak":
                markers[span.get("id")] = (href.removeprefix("text/"), span)
    assert [f"{markers[f'page-{n}'][0]}#page-{n}" for n in range(1, 19)] == listed
    # Page 14 begins inside chapter 5's second paragraph (after its heading), at its 11th
    # character.
    _, span = markers["page-14"]
    assert (span.tail or "").startswith(book.chapters[4].leaves()[2].text[10:14])
    _, span = markers["page-5"]
    assert (span.tail or "").startswith(book.preface.leaves()[1].text[:4])
    report = epubcheck(target)
    assert report["checker"]["nError"] == 0, report["messages"]


def test_a_single_page_book_has_no_parts_documents(seed_dist):
    names = zipfile.ZipFile(seed_dist["epub"]).namelist()
    assert "EPUB/text/opening.xhtml" in names
    assert not any(n.endswith(("titlepage.xhtml", "index.xhtml", "part-01.xhtml")) for n in names)


# --- Reading engines --------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["chromium", "webkit"])
def test_engines_lay_out_the_parts_documents(engine, parts_epub, tmp_path):
    """A smoke test: the part opening, preface, a contribution of part 2 and the index load
    with their fonts in Chromium and WebKitGTK, and their justified lines hold the rules the
    seed's chapters are held to (tests/editions/test_epub_engines.py)."""
    from engine_layout import chromium_binary, judge, webkit_missing

    missing = webkit_missing() if engine == "webkit" else (not chromium_binary() and "chromium")
    if missing:
        pytest.skip(f"{engine}: {missing}")
    with zipfile.ZipFile(parts_epub.path) as archive:
        archive.extractall(tmp_path)
    text = tmp_path / "EPUB" / "text"
    docs = [text / n for n in ("part-02.xhtml", "preface.xhtml", "chapter-05.xhtml", "index.xhtml")]
    result = judge(engine, docs, 390)
    assert len(result.lines) > 5, result.summary()
    assert result.prohibited == [] and result.indented == [], result.summary()
    assert result.narrow == [], result.summary()
    if engine == "chromium":
        assert result.ragged() == [], result.summary()
    else:
        assert result.unfilled() == [], result.summary()


def test_the_page_list_of_a_book_of_parts_is_the_reader_pdfs(tmp_path):
    """End to end: the three editions built together (fast checks on, page-list among them),
    and the EPUB's page list read against the reader PDF's pages: each part's opening page
    (where its standfirst begins) points to its opening document, the index's to the index."""
    from pypdf import PdfReader

    from zhpress.builder.pipeline import build
    from zhpress.editions.paths import edition_paths

    root = _make_book(tmp_path / "book")
    out = tmp_path / "dist"
    with environment(SOURCE_DATE_EPOCH=str(EPOCH)):
        assert build(root, out, run_checks=True, force=True) == 0
    book = load_book(root)
    paths = edition_paths(book, out)
    pages = [page.extract_text() or "" for page in PdfReader(paths["reader"]).pages]
    nav = _doc(Epub(paths["epub"]), "nav.xhtml")
    listed = [a.get("href") for a in nav.iterfind(".//x:nav[@id='page-list']//x:a", NS)]
    assert len(listed) == len(pages)
    documents = [href.split("#")[0] for href in listed]
    assert documents[0] == "titlepage.xhtml" and documents[-1] == "colophon.xhtml"
    for number, part in enumerate(book.parts, 1):
        lede = part.lede[0].text[:10]
        opening = next(k for k, text in enumerate(pages) if lede in "".join(text.split()))
        assert documents[opening] == f"part-{number:02d}.xhtml", (number, documents)
    first_index = documents.index("index.xhtml")
    assert "人名索引" in pages[first_index]
    # Between the openings and the index, the contributions in order, numbered across the book.
    chapters = [d for d in documents if d.startswith("chapter-")]
    assert sorted(set(chapters)) == [f"chapter-{n:02d}.xhtml" for n in range(1, 8)]
    assert chapters == sorted(chapters)
