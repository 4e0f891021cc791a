"""The EPUB never waits for the reader PDF, yet ends up with its pages: it takes the page map
of the last reader layout, is out of date when a layout moves a page, and is written again
when it was written beside a layout that moved one."""

from __future__ import annotations

import io
import time

import pytest

from tests.conftest import write_book
from zhpress.builder.pipeline import build
from zhpress.builder.progress import Progress
from zhpress.checks.outputs import Outputs
from zhpress.checks.page_list import differences, epub_markers
from zhpress.editions.paths import edition_paths
from zhpress.manuscript.load import load_book

pytestmark = pytest.mark.slow

LINE = "中文排版的标准是每一行都对齐到版心两端，页码要与印刷版一致。"
CHAPTERS = {
    "01-a.md": "---\npanelist: 王小明\ntitle: 第一篇\n---\n\n"
    + "\n\n".join(f"第{n}段。" + LINE * 8 for n in range(1, 8))
    + "\n",
    "02-b.md": "---\npanelist: 李四\ntitle: 第二篇\n---\n\n只有一段“引号”。\n",
}


def _log() -> tuple[Progress, io.StringIO]:
    text = io.StringIO()
    return Progress(text, tty=False), text


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return write_book(tmp_path / "book", CHAPTERS)


def _page_list(book, out) -> list[str]:
    paths = edition_paths(load_book(book), out)
    listed, _ = epub_markers(Outputs(load_book(book), paths).epub())
    return [label for label, _ in listed]


def test_an_epub_written_before_the_reader_gets_the_new_pages(book, tmp_path, capsys):
    """The EPUB is written first, with the map of the layout before an edit moved every page;
    the build compares it with the new reader PDF and writes it again (else the fast checks
    would fail the build)."""
    out = tmp_path / "dist"
    build(book, out, only=["reader"], run_checks=False, progress=_log()[0])
    chapter = book / "01-a.md"
    text = chapter.read_text(encoding="utf-8")
    head, body = text.split("---\n\n", 1)
    chapter.write_text(f"{head}---\n\n新加的一段。{LINE * 5}\n\n{body}", encoding="utf-8")
    capsys.readouterr()
    build(book, out, only=["epub", "reader"], jobs=1, progress=_log()[0])
    assert "writing the EPUB again" in capsys.readouterr().err
    paths = edition_paths(load_book(book), out)
    assert differences(Outputs(load_book(book), paths)) == []
    assert len(_page_list(book, out)) >= 5


def test_a_new_reader_layout_makes_the_epub_out_of_date(book, tmp_path):
    """Built before any reader layout, the EPUB has no page list; once the reader is laid
    out, the same manuscript's EPUB is no longer up to date and gets one."""
    out = tmp_path / "dist"
    build(book, out, only=["epub"], progress=_log()[0])
    assert _page_list(book, out) == []
    build(book, out, only=["reader"], progress=_log()[0])
    progress, log = _log()
    build(book, out, only=["epub"], progress=progress)
    assert "[epub] written" in log.getvalue()
    assert len(_page_list(book, out)) >= 4
    progress, log = _log()
    build(book, out, only=["epub"], progress=progress)
    assert "[epub] up to date" in log.getvalue()


def test_only_epub_with_a_current_map_takes_under_half_a_second(book, tmp_path):
    out = tmp_path / "dist"
    build(book, out, only=["reader"], run_checks=False, progress=_log()[0])
    build(book, out, only=["epub"], progress=_log()[0])  # warms the font and cover caches
    took = []
    for _ in range(3):
        started = time.perf_counter()
        build(book, out, only=["epub"], force=True, progress=_log()[0])
        took.append(time.perf_counter() - started)
    assert len(_page_list(book, out)) >= 4
    assert min(took) < 0.5, took
