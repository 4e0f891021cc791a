"""A manuscript is data: raw HTML in it is shown as text, never run, in every edition; nothing
outside the book folder and the project is read, nothing is fetched from the network."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest
from lxml import etree

from tests.conftest import EPOCH, ROOT, write_book
from zhpress.checks.pdfscan import drawn_text, names_in, read_objects
from zhpress.errors import BookError
from zhpress.manuscript.load import load_book

HOSTILE = [
    '<script>alert("x")</script>',
    '<img src="x.png" onerror="alert(1)">',
    '<a href="javascript:alert(2)">链接</a>',
    '<div onclick="steal()">点我</div>',
    '<iframe src="https://example.com"></iframe>',
]
CHAPTER = (
    "---\npanelist: 王小明\ntitle: 第一篇\n---\n\n第一段。\n\n"
    + "\n\n".join(HOSTILE)
    + "\n\n<script>\nalert(3)\n</script>\n"
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = write_book(tmp_path_factory.mktemp("hostile") / "book", chapters={"01-a.md": CHAPTER})
    out = root.parent / "dist"
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--book", str(root), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**__import__("os").environ, "SOURCE_DATE_EPOCH": EPOCH},
    )
    # The build's own checks ran: text conserved, no script or action in any edition.
    assert result.returncode == 0, result.stderr
    from zhpress.editions.paths import edition_paths

    return edition_paths(load_book(root), out)


def test_raw_html_reaches_no_epub_document_as_markup(hostile):
    with zipfile.ZipFile(hostile["epub"]) as archive:
        names = [n for n in archive.namelist() if n.endswith((".xhtml", ".html", ".opf", ".ncx"))]
        text = ""
        for name in names:
            root = etree.fromstring(archive.read(name))
            for element in root.iter():
                if not isinstance(element.tag, str):
                    continue
                local = etree.QName(element).localname
                assert local not in ("script", "iframe", "object", "embed"), (name, local)
                if name.endswith("chapter-01.xhtml"):
                    assert local not in ("div", "a"), local  # the manuscript's tags stay text
                for attr, value in element.attrib.items():
                    assert not etree.QName(attr).localname.startswith("on"), (name, attr)
                    assert not value.lower().startswith("javascript:"), (name, value)
                if local == "img":
                    assert element.get("src") == "../images/cover.png", element.attrib
            if name.endswith("chapter-01.xhtml"):
                text = "".join(root.itertext())
    for html in HOSTILE:
        assert html in text, html  # shown to the reader as the editor typed it


@pytest.mark.parametrize("edition", ["reader", "press"])
def test_raw_html_is_text_in_the_pdfs_and_they_hold_no_action(hostile, edition):
    objects = read_objects(hostile[edition])
    text = "".join(run.text for run in drawn_text(objects).runs)
    squeezed = "".join(text.split())
    for html in HOSTILE:
        assert "".join(html.split()) in squeezed, html
    used = set().union(*(names_in(value) for value in objects.raw.values()))
    assert not used & {"/JS", "/JavaScript", "/Launch", "/URI", "/SubmitForm", "/AA"}


def test_a_javascript_link_is_refused_with_chapter_and_line(tmp_path):
    chapter = "---\npanelist: 甲\ntitle: 乙\n---\n\n第一段。\n\n见[这里](javascript:alert(1))。\n"
    root = write_book(tmp_path / "book", chapters={"01-a.md": chapter})
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--book", str(root), "--out", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 2
    assert "01-a.md:8" in result.stderr and "javascript: reference" in result.stderr
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ('@import url("http://127.0.0.1:9/x.css");', "never uses the network"),
        ('.body { background: url("file:///etc/hostname"); }', "outside the book"),
        ('.body { background: url("../../../../etc/hostname"); }', "outside the book"),
    ],
    ids=["http", "file-elsewhere", "dot-dot"],
)
def test_weasyprint_reads_nothing_outside_the_book_and_the_project(
    tmp_path, monkeypatch, css, expected
):
    """The second layer: even a stylesheet (not the manuscript) cannot make the PDF read a file
    elsewhere or reach the network; the build stops with a BookError, not a traceback."""
    import zhpress.editions.pdf as pdf
    import zhpress.editions.pdfwrite as pdfwrite
    from zhpress.editions.templates import STYLES

    styles = tmp_path / "styles"
    shutil.copytree(STYLES, styles)
    text = (styles / "print.css").read_text(encoding="utf-8")
    (styles / "print.css").write_text(
        (css + "\n" + text) if css.startswith("@import") else (text + "\n" + css),
        encoding="utf-8",
    )
    monkeypatch.setattr(pdfwrite, "STYLES", styles)
    root = write_book(tmp_path / "book")
    with pytest.raises(BookError, match=expected):
        pdf.write_reader(load_book(root), tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists() or (tmp_path / "out.pdf").stat().st_size == 0
