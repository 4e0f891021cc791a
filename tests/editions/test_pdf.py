"""The print editions of the seed book, rendered once and measured as a reader and a printer
would: lines on the measure, marks, 1/4 em, text layer, fonts, colour, boxes, reproducibility."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path

import pytest

from tests.conftest import BOOK, opening_pages, write_book
from zhpress.builder.pipeline import build
from zhpress.checks.pdfmeasure import (
    Report,
    colour_operators,
    fonts_of,
    measure_edition,
    page_boxes,
    write_plain,
)
from zhpress.editions.paths import edition_paths
from zhpress.editions.pdf import write_press, write_reader
from zhpress.errors import BookError, FontError
from zhpress.manuscript.load import load_book
from zhpress.typeset.geometry import MM, geometry_of

EPOCH = "1700000000"


@contextmanager
def source_date(value: str = EPOCH):
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = value
    try:
        yield
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def _build(out: Path) -> dict[str, Path]:
    with source_date():
        build(BOOK, out, only=("reader", "press"), run_checks=False)
    paths = edition_paths(load_book(BOOK), out)
    return {"reader": paths["reader"], "press": paths["press"]}


@pytest.fixture(scope="session")
def editions(seed_dist) -> dict[str, Path]:
    return {"reader": seed_dist["reader"], "press": seed_dist["press"]}


@pytest.fixture(scope="session")
def seed():
    return load_book(BOOK)


@pytest.fixture(scope="session")
def reports(editions, seed) -> dict[str, Report]:
    g = geometry_of(seed)
    return {name: measure_edition(path, seed, g) for name, path in editions.items()}


@pytest.mark.parametrize("edition", ["reader", "press"])
def test_every_non_final_line_ends_on_the_measure(reports, edition):
    report = reports[edition]
    assert report.lines_checked > 150
    assert report.short_lines == []
    assert report.overfull_lines == []


@pytest.mark.parametrize("edition", ["reader", "press"])
def test_no_lone_mark_is_squeezed(reports, edition):
    report = reports[edition]
    assert report.marks_checked > 200
    assert report.squeezed_marks == []


@pytest.mark.parametrize("edition", ["reader", "press"])
def test_no_widow_or_orphan_line_and_no_lone_last_character(reports, edition):
    assert reports[edition].widows == []
    assert reports[edition].lone_last_chars == []


@pytest.mark.parametrize("edition", ["reader", "press"])
def test_no_prohibited_line_start_or_end(reports, edition):
    assert reports[edition].prohibited == []


@pytest.mark.parametrize("edition", ["reader", "press"])
def test_quarter_em_between_chinese_and_western_inside_lines(reports, edition):
    report = reports[edition]
    assert report.quarter_em_checked >= 20
    assert report.quarter_em == []


@pytest.mark.parametrize("edition", ["reader", "press"])
def test_text_layer_is_the_manuscript(reports, edition):
    report = reports[edition]
    assert report.wrong_chars == 0, report.wrong_detail


def test_search_finds_every_occurrence(editions, seed):
    import pdfplumber

    expected = sum(
        block.text.count("新型工业化") for chapter in seed.chapters for block in chapter.blocks
    )
    expected += sum(b.text.count("新型工业化") for b in seed.lede)
    with pdfplumber.open(str(editions["reader"])) as pdf:
        text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    # Titles, running heads and contents repeat it too, so at least as many as the paragraphs.
    assert text.count("新型工业化") >= expected > 20


@pytest.mark.parametrize("edition", ["reader", "press"])
def test_fonts_are_embedded_cid_subsets_and_headings_use_the_real_bold(editions, edition):
    fonts = fonts_of(editions[edition])
    assert fonts
    for font in fonts:
        assert font["embedded"] and font["subset"] and font["cid"], font
        assert font["subtype"] != "Type3"
    names = " ".join(f["name"] for f in fonts)
    assert "sans-bold" in names and "serif" in names and "kai" in names


def test_fonts_in_the_pdf_are_the_noto_and_wenkai_files(editions):
    import pypdf

    reader = pypdf.PdfReader(str(editions["reader"]))
    families = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()["/DescendantFonts"][0].get_object()
            descriptor = font["/FontDescriptor"].get_object()
            program = (descriptor.get("/FontFile3") or descriptor.get("/FontFile2")).get_object()
            data = program.get_data()
            for family in ("NotoSerifCJK", "NotoSansCJK", "LXGWWenKai"):
                spaced = {"NotoSerifCJK": "Noto Serif CJK", "NotoSansCJK": "Noto Sans CJK"}.get(
                    family, "LXGW WenKai"
                )
                forms = [f.encode(enc) for f in (family, spaced) for enc in ("ascii", "utf-16-be")]
                if any(form in data for form in forms):
                    families.add(family)
    assert families == {"NotoSerifCJK", "NotoSansCJK", "LXGWWenKai"}


def test_press_has_no_rgb_and_all_colour_is_100_percent_k(editions):
    ops = colour_operators(editions["press"])
    assert ops
    assert not [op for op in ops if op.endswith((" rg", " RG", " g", " G"))], ops
    values = {op.rsplit(" ", 1)[0] for op in ops if op.endswith((" k", " K", " scn", " SCN"))}
    assert values == {"0 0 0 1"}, values
    assert not [op for op in ops if op.startswith("image")]


def test_press_is_pdf_x4_with_a_cmyk_output_intent(editions):
    import pypdf

    reader = pypdf.PdfReader(str(editions["press"]))
    root = reader.trailer["/Root"]
    (intent,) = [i.get_object() for i in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFX"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4
    xmp = root["/Metadata"].get_object().get_data()
    assert b"PDF/X-4" in xmp
    assert all("/Annots" not in page for page in reader.pages)  # nothing on the printed area
    assert b"xmp.did:" in xmp


def test_press_boxes_are_the_trim_plus_3mm_bleed(editions, seed):
    g = geometry_of(seed)
    bleed = 3 * MM
    for boxes in page_boxes(editions["press"]):
        x0, y0, x1, y1 = boxes["TrimBox"]
        assert x1 - x0 == pytest.approx(148 * MM, abs=0.01)
        assert y1 - y0 == pytest.approx(210 * MM, abs=0.01)
        assert g.width == pytest.approx(x1 - x0, abs=0.01)
        b0, c0, b1, c1 = boxes["BleedBox"]
        assert (x0 - b0, y0 - c0, b1 - x1, c1 - y1) == pytest.approx((bleed,) * 4, abs=0.01)
        # The trim marks' slug (zhpress.pressfinish): the MediaBox reaches past the bleed.
        m0, n0, m1, n1 = boxes["MediaBox"]
        assert min(b0 - m0, c0 - n0, m1 - b1, n1 - c1) >= 3 * MM - 0.01


def test_reader_page_is_the_trim_without_bleed(editions):
    for boxes in page_boxes(editions["reader"]):
        x0, y0, x1, y1 = boxes["MediaBox"]
        assert (x1 - x0, y1 - y0) == pytest.approx((148 * MM, 210 * MM), abs=0.01)


def test_reader_has_metadata_bookmarks_links_and_tags(editions, seed):
    import pypdf

    reader = pypdf.PdfReader(str(editions["reader"]))
    info = reader.metadata
    assert info.title == seed.title
    for name in seed.panelists:
        assert name in info.author
    assert info["/Subject"]
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "zh-Hans"
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    outline_titles = [item.title for item in _flatten(reader.outline)]
    for chapter in seed.chapters:
        assert chapter.title in outline_titles
    assert outline_titles[0] == seed.title
    assert "目录" in outline_titles and outline_titles[-1] == "版权页"
    # The contents page links to each contribution, and its page number is the real one.
    import pdfplumber

    with pdfplumber.open(str(editions["reader"])) as pdf:
        opening = opening_pages(pdf, [c.title for c in seed.chapters])
        starts = {title: page.page_number for title, page in opening.items()}
        toc = next(p for p in pdf.pages if "目录" in p.extract_text())
        toc_text = toc.extract_text()
    assert len(starts) == len(seed.chapters)
    for chapter in seed.chapters:
        line = next(line for line in toc_text.splitlines() if chapter.title[:6] in line)
        assert re.search(rf"{starts[chapter.title]}$", line), (line, starts)
    links = [
        a.get_object()
        for page in reader.pages
        for a in page.get("/Annots", [])
        if a.get_object()["/Subtype"] == "/Link"
    ]
    assert len(links) >= len(seed.chapters)


def _flatten(outline):
    for item in outline:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def test_running_heads_and_folios_are_outside_the_text_block(editions, seed):
    import pdfplumber

    g = geometry_of(seed)
    with pdfplumber.open(str(editions["reader"])) as pdf:
        page = pdf.pages[3]  # a left-hand page inside the first contribution
        _, top, _, bottom = g.frame(3)
        heads = [c for c in page.chars if c["top"] < top - 2]
        feet = [c for c in page.chars if c["top"] > bottom]
        assert "".join(c["text"] for c in heads) == seed.title
        assert "".join(c["text"] for c in feet) == "4"


def test_two_builds_are_byte_identical(editions, tmp_path, monkeypatch):
    """Same input, same SOURCE_DATE_EPOCH: the same bytes, even with the font cache elsewhere."""
    import shutil

    from zhpress.cache import ENV_DIR, cache_root

    shutil.copytree(cache_root(), tmp_path / "cache")
    monkeypatch.setenv(ENV_DIR, str(tmp_path / "cache"))
    again = _build(tmp_path / "out")
    for name in ("reader", "press"):
        assert again[name].read_bytes() == editions[name].read_bytes(), name


def test_measure_catches_plain_weasyprint_justification(seed, tmp_path):
    """The measure must be able to fail: plain CSS justification leaves Chinese lines short."""
    g = geometry_of(seed)
    path = tmp_path / "plain.pdf"
    write_plain(seed, path)
    report = measure_edition(path, seed, g)
    assert report.short_lines or report.quarter_em


def test_a_character_missing_from_the_font_is_an_error_naming_it(tmp_path):
    book_dir = write_book(
        tmp_path / "book",
        chapters={"01-a.md": "---\npanelist: 王小明\ntitle: 第一篇\n---\n\n第一段。\n\n笑😀了。\n"},
    )
    with pytest.raises(FontError) as info:
        write_reader(load_book(book_dir), tmp_path / "out.pdf")
    message = str(info.value)
    assert "😀" in message and "01-a.md:8" in message


def test_a_missing_character_in_a_title_names_the_front_matter_line(tmp_path):
    book_dir = write_book(
        tmp_path / "book",
        chapters={"01-a.md": "---\npanelist: 王小明\ntitle: 第一篇😀\n---\n\n第一段。\n"},
    )
    with pytest.raises(FontError) as info:
        write_reader(load_book(book_dir), tmp_path / "out.pdf")
    assert "01-a.md:3" in str(info.value)


@pytest.mark.parametrize(("trim", "size"), [("32开", (130, 184)), ("16开", (185, 260))])
def test_trim_presets(tmp_path, trim, size):
    book_dir = write_book(tmp_path / "book")
    yaml = book_dir / "book.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + f"trim: {trim}\n", encoding="utf-8")
    book = load_book(book_dir)
    out = tmp_path / "out.pdf"
    with source_date():
        write_press(book, out)
    boxes = page_boxes(out)[0]
    x0, y0, x1, y1 = boxes["TrimBox"]
    assert (x1 - x0, y1 - y0) == pytest.approx((size[0] * MM, size[1] * MM), abs=0.01)
    g = geometry_of(book)
    assert g.measure == pytest.approx(g.trim.chars * 10.5)
    report = measure_edition(out, book, g)
    assert report.wrong_chars == 0 and report.short_lines == [] and report.prohibited == []


def test_unknown_trim_is_a_clear_error(tmp_path):
    book_dir = write_book(tmp_path / "book")
    yaml = book_dir / "book.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "trim: B7\n", encoding="utf-8")
    with pytest.raises(BookError) as info:
        geometry_of(load_book(book_dir))
    assert "B7" in str(info.value) and "book.yaml" in str(info.value)


def test_colophon_names_the_book_its_people_publisher_and_fonts(tmp_path):
    book_dir = write_book(tmp_path / "book")
    yaml = book_dir / "book.yaml"
    extra = "publisher: 南方出版社\nedition: 2024年1月第1版\ndate: 2024-01-15\nseries: 圆桌论坛\n"
    yaml.write_text(yaml.read_text(encoding="utf-8") + extra, encoding="utf-8")
    out = tmp_path / "reader.pdf"
    with source_date():
        write_reader(load_book(book_dir), out)
    import pdfplumber

    with pdfplumber.open(str(out)) as pdf:
        last = pdf.pages[-1].extract_text().replace("\n", "")
    for expected in (
        "测试书名",
        "王小明",
        "李四",
        "张三",
        "南方出版社",
        "2024 年 1 月第 1 版",
        "2024-01-15",
        "Noto Serif CJK SC Regular",
        "Noto Sans CJK SC Bold",
        "LXGW WenKai Regular",
        "A5",
    ):
        assert expected.replace(" ", "") in last.replace(" ", ""), (expected, last)


def test_press_output_profile_can_be_set_in_book_yaml(tmp_path):
    from zhpress.editions.pdf import DEFAULT_ICC

    book_dir = write_book(tmp_path / "book")
    (book_dir / "press.icc").write_bytes(DEFAULT_ICC.read_bytes())
    yaml = book_dir / "book.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "press:\n  icc: press.icc\n", "utf-8")
    out = tmp_path / "press.pdf"
    with source_date():
        write_press(load_book(book_dir), out)
    import pypdf

    root = pypdf.PdfReader(str(out)).trailer["/Root"]
    (intent,) = [i.get_object() for i in root["/OutputIntents"]]
    assert intent["/DestOutputProfile"].get_object()["/N"] == 4


@pytest.mark.parametrize("where", ["missing.icc", "../outside.icc", "/etc/passwd"])
def test_press_output_profile_must_be_a_file_inside_the_book(tmp_path, where):
    book_dir = write_book(tmp_path / "book")
    yaml = book_dir / "book.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + f"press:\n  icc: {where}\n", "utf-8")
    with pytest.raises(BookError) as info:
        write_press(load_book(book_dir), tmp_path / "press.pdf")
    assert "book.yaml" in str(info.value)


def test_cli_reports_a_missing_glyph_with_exit_2_and_writes_nothing(tmp_path):
    import subprocess
    import sys

    book_dir = write_book(
        tmp_path / "book",
        chapters={"01-a.md": "---\npanelist: 王小明\ntitle: 第一篇\n---\n\n笑😀了。\n"},
    )
    out = tmp_path / "dist"
    result = subprocess.run(
        [
            sys.executable,
            str(BOOK.parent / "build.py"),
            "--book",
            str(book_dir),
            "--out",
            str(out),
            "--only",
            "reader",
            "--no-check",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "01-a.md:6" in result.stderr and "😀" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(out.glob("*.pdf"))


MIXED = (
    "---\npanelist: 欧阳明\ntitle: 混排的一章\n---\n\n"
    + "这一段有**加粗的文字**，也有*强调的文字*，还有英文 Industry 4.0 和数字 2024 年。"
    + "破折号——要连在一起，省略号……也不能拆开。根据《中国城市科技创新发展报告（2022）》，"
    + "佛山市科技创新发展指数位居地级以上城市的第24位，54%的企业实现数字化转型。" * 3
    + "\n\n“引号开头的段落。”他说：“好！”然后，（括号）与《书名号》相连：“《报告》”。"
    + "最后一行只有一个字。" * 4
    + "\n"
)


def test_mixed_text_is_set_to_the_same_standard(tmp_path):
    book_dir = write_book(tmp_path / "book", chapters={"01-mixed.md": MIXED})
    book = load_book(book_dir)
    out = tmp_path / "reader.pdf"
    with source_date():
        write_reader(book, out)
    report = measure_edition(out, book, geometry_of(book))
    assert report.lines_checked >= 10
    assert report.wrong_chars == 0, report.wrong_detail
    assert report.short_lines == [] and report.overfull_lines == []
    assert report.prohibited == [] and report.squeezed_marks == []
    assert report.quarter_em == [] and report.quarter_em_checked >= 6
    names = " ".join(f["name"] for f in fonts_of(out))
    assert "serif-bold" in names  # **bold** is the real bold face


def test_headline_is_sized_to_one_line_when_it_can_be():
    from zhpress.typeset.plan import headline_size

    title = "佛山新型工业化如何闯出新路？"  # 14 characters
    assert headline_size(title, 28 * 10.5) == 21  # A5: 21 pt fits
    assert headline_size(title, 25 * 10.5) == 18.5  # 32开: 18.5 pt keeps it on one line
    assert headline_size(title * 3, 28 * 10.5) == 16  # too long: 16 pt, balanced lines


LONG_RUNS = (
    "---\npanelist: 王小明\ntitle: 长串\n---\n\n"
    "详见网站https://www.example.com/some/very/long/path/that/does/not/fit/anywhere/at/all/"
    "in/one/line/of/the/book/index.html。\n\n"
    "https://www.example.com/forum/2023/foshan/new-industrialisation/roundtable/full-text.html"
    "是本文的参考，首行即是网址。\n\n"
    "所谓Pneumonoultramicroscopicsilicovolcanoconiosis_and_Supercalifragilisticexpialidocious"
    "ness_together，是一个比整行还长的标识符。\n\n"
    "佛山的新型工业化可以概括为Supercalifragilistic这个词，它放得进一行，只整体移到下一行。\n"
)


def test_latin_runs_wider_than_the_measure_build_cleanly_on_the_measure(tmp_path):
    """A URL or identifier wider than the measure, after a few ideographs or opening the
    paragraph: the build exits 0, the text layer is the manuscript, every non-final line ends
    on the measure and no gap between two characters is opened beyond ordinary spacing."""
    import subprocess
    import sys

    from tests.conftest import ROOT
    from zhpress.checks.pdfmeasure import book_blocks, locate, read_chars

    root = write_book(tmp_path / "book", chapters={"01-long.md": LONG_RUNS})
    result = subprocess.run(
        [sys.executable, "build.py", "--book", str(root), "--out", str(tmp_path / "dist")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    book = load_book(root)
    g = geometry_of(book)
    for edition in ("reader", "press"):
        path = edition_paths(book, tmp_path / "dist")[edition]
        report = measure_edition(path, book, g)
        assert report.wrong_chars == 0, report.wrong_detail
        assert report.short_lines == [] and report.overfull_lines == []
        assert report.prohibited == [] and report.quarter_em == []
        _, paragraphs = book_blocks(book)
        blocks = locate(read_chars(path, g.frame), paragraphs, Report())
        long_ones = [b for b in blocks if "Super" in b.text or "https" in b.text]
        assert len(long_ones) == 4 and all(len(b.lines()) >= 2 for b in long_ones[:3])
        for block in long_ones[:3]:
            for line in block.lines():
                gaps = [(b.x0 - a.x1) / g.size for (_, a), (_, b) in pairwise(line)]
                assert max(gaps) < 0.3, (block.name, block.text[line[0][0] :][:20], max(gaps))
