"""Bounded time and memory (issue 13): inputs above the documented limits are refused at
once with the limit; what lies below them reads in linear time, however hostile (5,000
unclosed links, 5,000 nested emphasis marks, unclosed brackets)."""

from __future__ import annotations

import time

import pytest

from tests.conftest import write_book
from zhpress.errors import BookError
from zhpress.manuscript import limits
from zhpress.manuscript.load import load_book
from zhpress.manuscript.markdown import NESTING_LIMIT, markdown_inline, visible_text
from zhpress.manuscript.references import check_references

HEAD = "---\npanelist: 王小明\ntitle: 第一篇\n---\n\n"


def test_a_chapter_above_2_mb_is_refused_with_the_limit(tmp_path):
    book = write_book(tmp_path / "book")
    chapter = book / "01-a.md"
    chapter.write_text(HEAD + "字" * (limits.CHAPTER_BYTES // 3 + 10), encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(BookError) as refused:
        load_book(book)
    assert time.perf_counter() - started < 1  # refused before it is read
    assert refused.value.path == chapter
    assert "above the limit of 2 MB" in str(refused.value)
    assert refused.value.exit_code == 2


def test_a_chapter_just_below_the_limit_loads(tmp_path):
    book = write_book(tmp_path / "book")
    chapter = book / "01-a.md"
    chapter.write_text(HEAD + "字。\n\n" * ((limits.CHAPTER_BYTES - 200) // 8), encoding="utf-8")
    assert chapter.stat().st_size <= limits.CHAPTER_BYTES
    assert load_book(book).chapters[0].path == chapter


def test_a_lede_above_64_kb_is_refused_naming_its_line(tmp_path):
    lede = "导语" * (limits.LEDE_BYTES // 6 + 1)
    yaml = f"title: 书名\nkicker: 引题\nlede: |\n  {lede}\nchapters:\n  - 01-a.md\n"
    book = write_book(tmp_path / "book", {"01-a.md": HEAD + "正文。\n"}, yaml)
    with pytest.raises(BookError) as refused:
        load_book(book)
    assert refused.value.line == 3
    assert "the lede is" in str(refused.value) and "limit of 64 KB" in str(refused.value)


def test_a_title_of_a_megabyte_is_refused(tmp_path):
    yaml = f"title: {'长' * 5000}\nchapters:\n  - 01-a.md\n"
    book = write_book(tmp_path / "book", {"01-a.md": HEAD + "正文。\n"}, yaml)
    with pytest.raises(BookError) as refused:
        load_book(book)
    assert "'title' is 5,000 characters long" in str(refused.value)


def test_a_folder_listed_as_a_chapter_says_so(tmp_path):
    book = write_book(tmp_path / "book")
    (book / "01-a.md").unlink()
    (book / "01-a.md").mkdir()
    with pytest.raises(BookError) as refused:
        load_book(book)
    assert "chapter '01-a.md' is a folder, not a file" in str(refused.value)
    assert refused.value.line == 7


def _timed(text: str) -> tuple[float, str]:
    getattr(markdown_inline, "cache_clear", lambda: None)()
    started = time.perf_counter()
    html = markdown_inline(text)
    return time.perf_counter() - started, str(html)


def test_5000_unclosed_links_read_in_linear_time():
    """``[a](b`` ×5000 took 34 s (Python-Markdown scanned to the end from each one)."""
    text = "开头" + "[a](b" * 5000 + "结尾。"
    took, _ = _timed(text)
    assert took < 2, took
    assert visible_text(text) == text
    small, _ = _timed("开头" + "[a](b" * 500 + "结尾。")
    assert took < 30 * max(small, 0.005)  # ten times the input, not a hundred times the time


def test_unclosed_and_deeply_nested_brackets_read_in_linear_time():
    cases = {
        "[" * 20000 + "字": "[" * 20000 + "字",
        "[" * 5000 + "字" + "]" * 5000: "[" * 5000 + "字" + "]" * 5000,
        "[x" * 5000 + "](y)": "[x" * 4999 + "x",  # the last one is a link to y
    }
    for text, seen in cases.items():
        took, _ = _timed(text)
        assert took < 2, (text[:10], took)
        assert visible_text(text) == seen


def test_a_real_link_still_reads_as_a_link():
    assert str(markdown_inline("见[这里](https://example.org/)。")) == (
        '见<a href="https://example.org/">这里</a>。'
    )
    assert str(markdown_inline("[[内]](a.md)")) == '<a href="a.md">[内]</a>'


@pytest.mark.parametrize("mark", ["*", "_"])
def test_5000_nested_emphasis_marks_are_flattened_not_a_crash(mark):
    """lxml refused 2,500 nested <strong> ("Excessive depth in document: 256")."""
    text = mark * 5000 + "字" + mark * 5000
    took, html = _timed(text)
    assert took < 2
    assert html.count("<strong>") + html.count("<em>") <= NESTING_LIMIT
    assert visible_text(text) == "字"
    from lxml import etree

    etree.fromstring(f"<p>{html}</p>")  # well within lxml's depth


def test_the_reference_check_is_linear_on_hostile_blocks(tmp_path):
    lines = ["[a](b" * 5000, "[" * 20000, "![x](" + "y" * 100000]
    book = write_book(tmp_path / "book", {"01-a.md": HEAD + "\n\n".join(lines) + "\n"})
    loaded = load_book(book)
    started = time.perf_counter()
    check_references(loaded)
    assert time.perf_counter() - started < 1


def test_stacked_marks_are_read_in_canonical_order_and_nothing_else_changes(tmp_path):
    import unicodedata

    from tests.conftest import write_book
    from zhpress.manuscript.load import load_book
    from zhpress.manuscript.mark_order import canonical_mark_order

    typed = "E\u0301\u3099 a\u0301\u0300\u309a \u00e9 中文"
    ordered = canonical_mark_order(typed)
    assert ordered == "E\u3099\u0301 a\u309a\u0301\u0300 \u00e9 中文"  # stable within a class
    assert unicodedata.normalize("NFD", ordered) == unicodedata.normalize("NFD", typed)
    chapter = f"---\npanelist: 王{typed}\ntitle: 题\n---\n\n{typed}\n"
    book = load_book(write_book(tmp_path / "book", {"01-a.md": chapter}, None))
    assert book.chapters[0].panelist == f"王{ordered}"
