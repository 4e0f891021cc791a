"""An image without alt text, or under 300 ppi where the press edition prints it, is a
warning naming its chapter and line."""

from __future__ import annotations

from PIL import Image

from tests.conftest import write_book
from zhpress.checks.images import image_problems
from zhpress.manuscript.load import load_book


def chapter(body: str) -> str:
    return f"---\npanelist: 王小明\ntitle: 第一篇\n---\n\n{body}\n"


def test_missing_alt_and_low_resolution_are_warnings_with_their_line(tmp_path):
    body = "第一段。\n\n![](images/small.png)\n\n正文![图标](images/big.png)。"
    root = write_book(tmp_path / "book", {"01-a.md": chapter(body)})
    (root / "images").mkdir()
    Image.new("RGB", (400, 300), (200, 30, 30)).save(root / "images" / "small.png")
    Image.new("L", (200, 200), 90).save(root / "images" / "big.png")
    problems, count = image_problems(load_book(root))
    assert count == 2
    assert problems[0] == "01-a.md:8: the image 'images/small.png' has no alt text"
    assert problems[1].startswith("01-a.md:8: the image 'images/small.png' prints at ")
    assert "ppi" in problems[1]
    assert len(problems) == 2  # the inline image: 200 px in one em is well over 300 ppi


def test_sharp_image_with_alt_is_fine(tmp_path):
    root = write_book(tmp_path / "book", {"01-a.md": chapter("![好图](big.png)")})
    Image.new("RGB", (4000, 3000), (20, 30, 200)).save(root / "big.png")
    assert image_problems(load_book(root)) == ([], 1)
