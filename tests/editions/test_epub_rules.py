"""The small rules of the EPUB edition, one at a time (the whole file: test_epub.py)."""

import pytest

from zhpress.editions.epub_documents import (
    book_identifier,
    file_as,
    join_soft_breaks,
    source_date,
    w3c_date,
)
from zhpress.editions.epub_fonts import unicode_range
from zhpress.errors import BookError
from zhpress.manuscript.load import load_book


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("徐雨森", "Xu, Yusen"),
        ("张震", "Zhang, Zhen"),
        ("欧阳修", "Ouyang, Xiu"),
        ("司马光", "Sima, Guang"),
        ("曾国藩", "Zeng, Guofan"),
        ("单田芳", "Shan, Tianfang"),
        ("John Smith", "John Smith"),
    ],
)
def test_file_as_is_pinyin_surname_first(name, expected):
    assert file_as(name) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第一行\n第二行", "第一行第二行"),
        ("中文，\n继续", "中文，继续"),
        ("word\nnext", "word next"),
        ("数字3\n万亿", "数字3万亿"),
        ("单行", "单行"),
    ],
)
def test_soft_breaks_join_without_spaces_between_chinese(text, expected):
    assert join_soft_breaks(text) == expected


def test_unicode_range_leaves_out_exactly_the_given_characters():
    assert unicode_range(frozenset("“”")) == "U+0-201B, U+201E-10FFFF"
    assert unicode_range(frozenset("\u0000")) == "U+1-10FFFF"


def test_w3c_date():
    import datetime

    assert w3c_date(datetime.date(2024, 3, 1)) == "2024-03-01"
    assert w3c_date("2024-03") == "2024-03"
    assert w3c_date("next spring") is None


def test_identifier_is_stable_and_ignores_the_text(small_book, tmp_path):
    first = book_identifier(load_book(small_book))
    chapter = small_book / "01-a.md"
    chapter.write_text(chapter.read_text("utf-8").replace("第二段", "第二段落"), "utf-8")
    assert book_identifier(load_book(small_book)) == first
    assert first.startswith("urn:uuid:")


def test_identifier_from_book_yaml_wins(small_book):
    yaml = small_book / "book.yaml"
    yaml.write_text(yaml.read_text("utf-8") + "identifier: urn:isbn:9787000000000\n", "utf-8")
    assert book_identifier(load_book(small_book)) == "urn:isbn:9787000000000"


def test_source_date_epoch(small_book, monkeypatch):
    book = load_book(small_book)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert source_date(book) == 1700000000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "-5")
    with pytest.raises(BookError):
        source_date(book)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    newest = max(int(p.stat().st_mtime) for p in small_book.iterdir())
    assert source_date(book) == newest
