from pathlib import Path

import pytest
from conftest import write_book

from zhpress.errors import BookError
from zhpress.manuscript.load import load_book
from zhpress.manuscript.references import check_references, safe_url_fetcher


def book_with(tmp_path: Path, body: str):
    chapter = f"---\npanelist: 甲\ntitle: 乙\n---\n\n第一段。\n\n{body}\n"
    return load_book(write_book(tmp_path / "book", chapters={"01-a.md": chapter}))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("![图](http://example.com/a.png)", "http: reference"),
        ("![图](https://example.com/a.png)", "https: reference"),
        ("![图](file:///etc/passwd)", "file: reference"),
        ("![图](../secret.png)", "leaves the book folder"),
        ("![图](/etc/passwd)", "absolute path"),
        ("见图。\n\n[x]: ../../etc/hosts", "leaves the book folder"),
    ],
)
def test_references_outside_the_book_name_chapter_and_line(tmp_path, body, expected):
    book = book_with(tmp_path, body)
    with pytest.raises(BookError, match=expected) as info:
        check_references(book)
    assert info.value.path.name == "01-a.md"
    assert info.value.line >= 8


def test_hyperlinks_and_files_inside_the_book_are_allowed(tmp_path):
    book = book_with(tmp_path, "见[网站](https://example.com)和![图](images/a.png)。")
    (book.root / "images").mkdir()
    (book.root / "images" / "a.png").write_bytes(b"")  # an image must exist (RSC-007)
    check_references(book)


def test_fetcher_refuses_network_and_outside_files(tmp_path):
    from weasyprint.urls import FatalURLFetchingError

    inside = tmp_path / "book"
    inside.mkdir()
    (inside / "a.css").write_text("p{}")
    (tmp_path / "secret.txt").write_text("x")
    fetcher = safe_url_fetcher((inside,))
    assert fetcher.fetch((inside / "a.css").as_uri()).read() == b"p{}"
    with pytest.raises(FatalURLFetchingError, match="network"):
        fetcher.fetch("http://127.0.0.1:9/x.css")
    with pytest.raises(FatalURLFetchingError, match="outside"):
        fetcher.fetch((tmp_path / "secret.txt").as_uri())
    with pytest.raises(FatalURLFetchingError, match="outside"):
        fetcher.fetch(inside.as_uri() + "/../secret.txt")
