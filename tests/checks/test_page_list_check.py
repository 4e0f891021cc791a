"""The fast check that holds the EPUB's page list to the reader PDF written beside it: planted
differences (a page missing, markers a line off) are errors, named by page."""

from __future__ import annotations

import dataclasses

import pytest

from tests.builder.test_epub_pages_rebuilt import CHAPTERS, _log
from tests.conftest import write_book
from zhpress.builder.pipeline import build
from zhpress.checks import run as check
from zhpress.checks.outputs import Outputs
from zhpress.checks.page_list import check_page_list
from zhpress.editions import pagemap
from zhpress.editions.epub import write_epub
from zhpress.editions.paths import edition_paths
from zhpress.manuscript.load import load_book

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = write_book(tmp_path_factory.mktemp("pages") / "book", CHAPTERS)
    out = root.parent / "dist"
    build(root, out, only=["reader", "epub"], jobs=1, progress=_log()[0])
    return root, edition_paths(load_book(root), out)


def _with_map(root, paths, change) -> list[check.Finding]:
    """The EPUB written again from a changed page map, checked, and the map put back."""
    book = load_book(root)
    key = pagemap.map_key(root)
    kept = pagemap.load(root)
    try:
        pagemap.store(key, change(kept))
        write_epub(book, paths["epub"])
        return check_page_list(Outputs(book, paths))
    finally:
        pagemap.store(key, kept)
        write_epub(book, paths["epub"])


def test_the_built_epub_passes(built):
    root, paths = built
    findings = check.run_checks(load_book(root), paths, check.FAST_CHECKS)
    mine = [f for f in findings if f.check == "page-list"]
    assert [f.severity for f in mine] == ["ok"], mine


def test_a_page_missing_from_the_page_list_is_an_error(built):
    root, paths = built
    findings = _with_map(root, paths, lambda pages: pages[:-1])
    assert [f.severity for f in findings] == ["error"]
    assert "page list has" in findings[0].message and "reader PDF" in findings[0].message


def test_markers_a_line_off_are_errors_named_by_page(built):
    """Every page that begins inside a paragraph, put 20 characters later (as a map made
    before an edit would, with first characters that are no longer there)."""

    def shift(pages):
        return [
            dataclasses.replace(p, offset=p.offset + 20, text="（已删去）") if p.block >= 0 else p
            for p in pages
        ]

    root, paths = built
    inside = [p.page for p in pagemap.load(root) if p.block >= 0]
    assert inside
    findings = _with_map(root, paths, shift)
    assert [f.severity for f in findings] == ["error"]
    assert findings[0].message.startswith(f"page {inside[0]}: the EPUB's marker is before")


def test_a_list_number_after_a_chapter_title_on_the_page_is_no_difference():
    """Found by the whole-build fuzz test: a page opening with a chapter's title and byline,
    then a numbered list, begins 生成的标题作者1.0 in the PDF and 生成的标题作者0 in the EPUB
    (whose list numbers are no text)."""
    from zhpress.checks.page_list import _same_start

    assert _same_start("生成的标题作者0版权", "生成的标题作者1.0")
    assert _same_start("生成的标题作者0", "生成的标题作者0.0")
    assert _same_start("甲乙丙", "•甲乙")
    assert _same_start("生成的标题作者0", "生成的标题作者1")  # compared text cut after the 1
    assert not _same_start("生成的标题作者0", "生成的标题作者1.2")
