"""The importer escapes text that would read as Markdown block syntax (contract v2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhpress.importer.draft import escape_block_syntax
from zhpress.manuscript.blocks import parse_body
from zhpress.manuscript.markdown import visible_text


@pytest.mark.parametrize(
    "text",
    [
        "1. 加强政府自身的转型升级",
        "2) 处理好关系",
        "- 负数",
        "> 引用",
        "#话题#",
        "## 标题",
        "---",
        "***",
        "[^1]: 像注释",
        "[a]: 像定义",
        "<!-- 像注释 -->",
        "<b>粗</b>",
    ],
)
def test_escaped_paragraph_stays_text(text):
    escaped = escape_block_syntax(text)
    blocks, notes = parse_body(escaped, 1, Path("x.md"))
    assert [b.kind for b in blocks] == ["p"] and not notes
    assert visible_text(blocks[0].text) == text


@pytest.mark.parametrize("text", ["正文", "2023年", "*强调*开头", "-5度", "<3"])
def test_plain_paragraph_is_untouched(text):
    assert escape_block_syntax(text) == text
