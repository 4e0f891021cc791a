"""The manuscript's Markdown blocks (contract v2): what reads as markup, what stays text, and
the inputs that used to crash the build with an IndexError."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import write_book
from zhpress.errors import BookError
from zhpress.manuscript.blocks import parse_body
from zhpress.manuscript.load import load_book
from zhpress.manuscript.markdown import block_text, visible_text


def kinds(body: str) -> list[str]:
    blocks, _ = parse_body(body, 1, Path("x.md"))
    return [b.kind for b in blocks]


def chapter(body: str) -> str:
    return f"---\npanelist: 王小明\ntitle: 第一篇\n---\n\n{body}\n"


@pytest.mark.parametrize(
    "body, kinds, notes, text",
    [
        # a footnote definition: a note of its own, the call a circled number
        ("正文[^1]。\n\n[^1]: 注释。", ["p"], ["①注释。"], "正文①。"),
        # an image paragraph: a figure whose caption is the alt text
        ("![徐雨森](images/xu.png)", ["figure"], [], "徐雨森"),
        # a reference definition: the link resolves, the definition is no text
        ("正文见[链接][a]。\n\n[a]: images/xu.png", ["p"], [], "正文见链接。"),
    ],
)
def test_what_crashed_with_index_error_reads_as_markdown(tmp_path, body, kinds, notes, text):
    root = write_book(tmp_path / "book", {"01-a.md": chapter(body)})
    (root / "images").mkdir()
    (root / "images" / "xu.png").write_bytes(b"")
    book = load_book(root)
    blocks = book.chapters[0].blocks
    assert [b.kind for b in blocks] == kinds
    assert [block_text(n) for n in book.chapters[0].notes] == notes
    assert block_text(blocks[0]) == text


def test_blocks_are_markup():
    body = (
        "## 小节\n\n> 引文\n\n1. 甲\n2. 乙\n\n- 子\n\n| 年 | 值 |\n| --- | --- |\n| 1 | 2 |\n\n***"
    )
    assert kinds(body) == ["h2", "quote", "ol", "ul", "table", "hr"]


def test_chinese_text_stays_text():
    assert kinds("#话题#仍是正文") == ["p"]
    assert kinds("1\\. 不是列表") == ["p"]
    blocks, _ = parse_body("#话题#仍是正文", 1, Path("x.md"))
    assert visible_text(blocks[0].text) == "#话题#仍是正文"


def test_commonmark_list_rules():
    blocks, _ = parse_body("1) 甲\n2) 乙\n\n- 子\n  - 孙", 1, Path("x.md"))
    assert [b.kind for b in blocks] == ["ol", "ul"]
    nested = blocks[1].children[0].children
    assert [b.kind for b in nested] == ["p", "ul"]


def test_caret_brackets_are_text_not_an_inline_footnote():
    """Found by the fuzz test: ``^[]`` (pandoc's inline note, empty) crashed the parser."""
    for body in ("^[]", "乙^[注]丙"):
        blocks, notes = parse_body(body, 1, Path("x.md"))
        assert notes == () or list(notes) == []
        assert visible_text(blocks[0].text) == body


def test_a_list_may_start_at_zero():
    """Found by the fuzz test: ``0. 0`` printed as 1. in the PDF and 0 in the EPUB."""
    from zhpress.manuscript.markdown import list_marker

    blocks, _ = parse_body("0. 零\n1. 一", 1, Path("x.md"))
    assert blocks[0].kind == "ol" and blocks[0].info == "0"
    assert [list_marker(blocks[0], n) for n in range(2)] == ["0.", "1."]


def test_footnotes_are_numbered_in_order_of_reference():
    blocks, notes = parse_body("甲[^b]乙[^a]。\n\n[^a]: 二\n[^b]: 一", 1, Path("x.md"))
    assert [block_text(n) for n in notes] == ["①一", "②二"]
    assert visible_text(blocks[0].text, blocks[0].inline) == "甲①乙②。"


def test_comment_is_hidden_other_html_is_text():
    blocks, _ = parse_body("甲<!-- 备注 -->乙<b>丙</b>\n\n<!-- 整段备注 -->", 1, Path("x.md"))
    assert len(blocks) == 1
    assert visible_text(blocks[0].text) == "甲乙<b>丙</b>"


def test_figure_caption_is_alt_text():
    blocks, _ = parse_body("前文\n\n![徐雨森在论坛上](images/xu.png)", 3, Path("x.md"))
    figure = blocks[1]
    assert (figure.kind, figure.text, figure.info, figure.line) == (
        "figure",
        "徐雨森在论坛上",
        "images/xu.png",
        5,
    )


def test_unreferenced_footnote_is_an_error(tmp_path):
    root = write_book(tmp_path / "book", {"01-a.md": chapter("正文。\n\n[^x]: 无人引用。")})
    with pytest.raises(BookError, match=r"\[\^x\] is never referenced"):
        load_book(root)


def test_deep_brackets_are_not_quadratic():
    def seconds(n: int) -> float:
        start = time.perf_counter()
        parse_body("[" * n + "正文" + "](" * n, 1, Path("x.md"))
        return time.perf_counter() - start

    small, large = seconds(2000), seconds(16000)
    assert large < small * 8 * 3  # linear, with room for a loaded machine


@pytest.mark.parametrize(
    "body, line",
    [
        ("正文[a]。\n\n[a]: ../../etc/passwd", 8),  # a reference definition
        ("> ![x](/etc/passwd)", 6),  # an image in a quote
        ("- ![x](../x.png)", 6),  # an image in a list
        ("注[^1]\n\n[^1]: ![x](../y.png)", 8),  # an image in a footnote
        ("![徐雨森](images/missing.png)", 6),  # a figure whose file is not there
    ],
)
def test_references_in_every_block_stay_inside_the_book(tmp_path, body, line):
    from zhpress.manuscript.references import check_references

    root = write_book(tmp_path / "book", {"01-a.md": chapter(body)})
    with pytest.raises(BookError) as caught:
        check_references(load_book(root))
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("~~~~~~~~", "~~~~~~~~"),
        ("~~~python\n第一行\n第二行\n~~~", "~~~python第一行第二行~~~"),
        ("```", "```"),
        # Backticks that pair up are an inline code span: its text stays, the ticks are markup.
        ("```\n一行代码\n```", "一行代码"),
    ],
)
def test_a_fence_is_text_not_a_code_block_whose_lines_vanish(body, expected):
    """Found by make fuzz: a line of tildes opened a fenced code block, which the reader
    dropped, so the chapter had "no text". The contract names no code block."""
    blocks, _ = parse_body(body, 1, Path("x.md"))
    text = "".join(block_text(leaf) for block in blocks for leaf in block.leaves())
    assert "".join(text.split()) == expected
