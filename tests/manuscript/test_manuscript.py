from pathlib import Path

import pytest
from conftest import write_book

from zhpress.errors import BookError
from zhpress.manuscript.load import load_book


def test_loads_the_small_book(small_book: Path):
    book = load_book(small_book)
    assert book.title == "测试书名"
    assert book.kicker == "引题"
    assert book.moderator == "张三"
    assert [b.text for b in book.lede] == ["导语一段。"]
    assert book.language == "zh-Hans"
    assert [c.panelist for c in book.chapters] == ["王小明", "李四"]
    first = book.chapters[0]
    assert [b.text for b in first.blocks] == ["第一段，含3个数字。", "第二段。"]
    assert [b.line for b in first.blocks] == [6, 8]


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("title: [unclosed\nchapters: []\n", "YAML syntax error"),
        ("kicker: x\nchapters:\n  - 01-a.md\n", "lacks the required key 'title'"),
        ("title: x\n", "lacks the required key 'chapters'"),
        ("title: x\nchapters:\n  - missing.md\n", "'missing.md' is listed but does not exist"),
        ("title: x\nchapters:\n  - ../escape.md\n", "leaves the book folder"),
        ("title: x\nchapters:\n  - /etc/passwd\n", "absolute path"),
    ],
)
def test_bad_book_yaml_is_a_clear_error(tmp_path: Path, yaml_text: str, expected: str):
    root = write_book(tmp_path / "book", yaml_text=yaml_text)
    (tmp_path / "escape.md").write_text("---\npanelist: a\ntitle: b\n---\n\nx\n")
    with pytest.raises(BookError, match=expected.replace("[", r"\[")) as info:
        load_book(root)
    assert info.value.path is not None
    assert info.value.path.name == "book.yaml"


def test_no_book_yaml(tmp_path: Path):
    (tmp_path / "book").mkdir()
    with pytest.raises(BookError, match=r"no book\.yaml"):
        load_book(tmp_path / "book")


@pytest.mark.parametrize(
    ("chapter", "expected", "line"),
    [
        ("panelist: a\ntitle: b\n\ntext\n", "missing front matter", 1),
        ("---\npanelist: a\ntitle: b\n\ntext\n", "not closed", 1),
        ("---\ntitle: b\n---\n\ntext\n", "required key 'panelist'", 2),
        ("---\npanelist: a\ntitle: b\n---\n\n\n", "no text", 4),
        ("---\npanelist: [a\ntitle: b\n---\n\ntext\n", "YAML syntax error", None),
    ],
)
def test_bad_chapter_is_a_clear_error_with_file_and_line(tmp_path, chapter, expected, line):
    root = write_book(tmp_path / "book", chapters={"01-a.md": chapter})
    with pytest.raises(BookError, match=expected) as info:
        load_book(root)
    assert info.value.path.name == "01-a.md"
    if line is not None:
        assert info.value.line == line


def test_chapter_that_is_not_utf8(tmp_path: Path):
    root = write_book(tmp_path / "book")
    (root / "01-a.md").write_bytes("---\npanelist: 甲\ntitle: 乙\n---\n\n正文\n".encode("gb18030"))
    with pytest.raises(BookError, match="not UTF-8") as info:
        load_book(root)
    assert info.value.line == 2
