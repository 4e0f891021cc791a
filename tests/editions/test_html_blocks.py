"""Text that would read as Markdown block syntax stays text when it is escaped (contract v2:
the importer writes it so), an indented line is never a code block, and inline Markdown is
markup: the same in print and in the EPUB (golden pairs)."""

from pathlib import Path

import pytest

from zhpress.editions.epub_documents import chapter_body, paragraph_html
from zhpress.manuscript.blocks import parse_body
from zhpress.manuscript.markdown import visible_text
from zhpress.manuscript.model import Chapter

CASES = [
    ("2\\. 加强政府自身的转型升级", "2. 加强政府自身的转型升级"),
    ("1\\) 第一", "1) 第一"),
    ("\\- 一项", "- 一项"),
    ("\\* 一项", "* 一项"),
    ("\\+ 一项", "+ 一项"),
    ("\\# 不是标题", "# 不是标题"),
    ("#话题#不是标题", "#话题#不是标题"),
    ("\\> 不是引文", "> 不是引文"),
    ("\\---", "---"),
    ("\\***", "***"),
    ("上一行\n\\===", "上一行==="),
    ("    缩进的段落", "缩进的段落"),
    ("有*着重*与**加粗**", "有着重与加粗"),  # inline Markdown is still markup
    # Character references typed in a manuscript are text, not the characters they name.
    ("&copy; 与 &amp; 与 &#169;", "&copy; 与 &amp; 与 &#169;"),
    ("R&D 与 AT&T", "R&D 与 AT&T"),
    ("&lt;script&gt;", "&lt;script&gt;"),
]


@pytest.mark.parametrize(("block", "expected"), CASES)
def test_block_constructs_stay_text_in_print_and_epub(block, expected):
    blocks, _ = parse_body(block, 1, Path("a.md"))
    assert [b.kind for b in blocks] == ["p"]
    assert visible_text(blocks[0].text, blocks[0].inline) == expected
    chapter = Chapter(Path("a.md"), "王", "题", blocks)
    epub = str(chapter_body(chapter))
    assert epub.startswith("<p>") and epub.count("<p>") == 1
    assert "<li>" not in epub and "<h2" not in epub and "<hr" not in epub
    assert "<blockquote>" not in epub and "<pre>" not in epub


SOFT_BREAKS = [
    ("第一行\n第二行", "第一行第二行"),
    ("word\nnext", "word next"),
    ("a\n*b*", "a b"),  # the space survives a break before emphasis
    ("ぁ\n_0_", "ぁ0"),  # read as Markdown first, in print and in the EPUB alike
    ("有*着重\n跨行*的", "有着重跨行的"),
    ("数字3\n万亿", "数字3万亿"),
    ("x\n  y", "x y"),
]


@pytest.mark.parametrize(("block", "expected"), SOFT_BREAKS)
def test_soft_breaks_are_the_same_in_print_and_epub(block, expected):
    from lxml import etree

    assert visible_text(block) == expected
    epub = etree.fromstring(f"<p>{paragraph_html(block)}</p>".encode())
    assert "".join(epub.itertext()) == expected
