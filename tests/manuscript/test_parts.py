"""Loading a book of several pages (``parts:``): what the model holds, and each mistake an
editor can make in it as an exit-2 message naming the file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import write_parts_book
from zhpress.errors import BookError
from zhpress.manuscript.load import load_book


def test_parts_book_model(tmp_path):
    book = load_book(write_parts_book(tmp_path / "b", copies=2))
    assert len(book.parts) == 4
    assert [p.first for p in book.parts] == [0, 4, 7, 11]
    assert len(book.chapters) == 14
    assert book.part_of(5) is book.parts[1] and book.part_of(11) is book.parts[3]
    # Two parts each have an 01-xu-yusen.md: messages and checks tell them apart.
    names = [c.name for c in book.chapters]
    assert len(set(names)) == len(names)
    assert names[0] == "01-foshan/01-xu-yusen.md"
    assert book.panelists.count("徐雨森") == 1  # one contributor, however many parts
    assert book.moderators == ("叶小青", "单立群")
    assert book.preface is not None and book.preface.title == "前言"
    assert book.preface.panelist == ""
    text = book.text()
    assert "城市更新进行时" in text and "圆桌论坛”是本报的一个评论栏目" in text


def test_preface_with_front_matter(tmp_path):
    root = write_parts_book(tmp_path / "b")
    (root / "preface.md").write_text(
        "---\ntitle: 编者的话\npanelist: 本书编辑组\n---\n\n一段话[^1]。\n\n[^1]: 一个注。\n",
        encoding="utf-8",
    )
    book = load_book(root)
    assert (book.preface.title, book.preface.panelist) == ("编者的话", "本书编辑组")
    assert [n.text for n in book.preface.notes] == ["一个注。"]


def _error(root: Path) -> str:
    with pytest.raises(BookError) as caught:
        load_book(root)
    return caught.value.render() if hasattr(caught.value, "render") else str(caught.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda r: (r / "02-laochengqu" / "part.yaml").unlink(),
            ["book.yaml:7", "part '02-laochengqu' is listed but its part.yaml"],
        ),
        (
            lambda r: (r / "02-laochengqu" / "part.yaml").write_text(
                "title: 标题\nlanguage: zh-Hant\nchapters:\n  - 01-zeng-wenbo.md\n", "utf-8"
            ),
            ["part.yaml:2", "is in zh-Hant and the book in zh-Hans"],
        ),
        (
            lambda r: (r / "02-laochengqu" / "part.yaml").write_text(
                "title: 标题\nchapters:\n  - ../01-foshan/01-xu-yusen.md\n", "utf-8"
            ),
            ["part.yaml:3", "leaves the book folder"],
        ),
        (
            lambda r: (r / "02-laochengqu" / "part.yaml").write_text("kicker: 引题\n", "utf-8"),
            ["02-laochengqu/part.yaml lacks the required key 'title'"],
        ),
        (
            lambda r: (r / "preface.md").unlink(),
            ["book.yaml:4", "preface 'preface.md' does not exist"],
        ),
        (
            lambda r: (r / "book.yaml").write_text(
                (r / "book.yaml").read_text("utf-8") + "  - 01-foshan\n", "utf-8"
            ),
            ["book.yaml:8", "part '01-foshan' is listed twice"],
        ),
        (
            lambda r: shutil.rmtree(r / "01-foshan"),
            ["book.yaml:6", "part '01-foshan' is listed but its folder does not exist"],
        ),
    ],
)
def test_mistakes_in_a_parts_book_name_file_and_line(tmp_path, change, expected):
    root = write_parts_book(tmp_path / "b")
    change(root)
    with pytest.raises(BookError) as caught:
        load_book(root)
    error = caught.value
    message = f"{error.path.name if error.path else ''}:{error.line} {error}"
    for part in expected:
        assert part in message or part in str(error), (part, message)
