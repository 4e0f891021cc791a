"""Paragraph reconstruction from line shapes (zhpress.importer.paragraphs)."""

from __future__ import annotations

import pytest

from zhpress.importer.page import split_lines
from zhpress.importer.paragraphs import candidate_widths, ordinal, paragraphs, sentence_end_strength


def _paras(text: str, explicit: bool = False) -> list[str]:
    return ["".join(line.text for line in p.lines) for p in paragraphs(split_lines(text), explicit)]


# Column of 10 ems: first lines hold 8 (two-em indent lost), middle lines 10.
COLUMN = """一二三四五六七八

一二三四五六七八九十

一二三四五六七。

一二三四五六七八

一二三四五六七八九十

一二三四五六七八九十

一二三。"""


def test_an_indent_shaped_line_after_a_sentence_end_starts_a_paragraph():
    paras = _paras(COLUMN)
    assert paras == [
        "一二三四五六七八一二三四五六七八九十一二三四五六七。",
        "一二三四五六七八一二三四五六七八九十一二三四五六七八九十一二三。",
    ]


def test_a_full_line_after_a_sentence_end_continues_the_paragraph():
    text = "甲乙丙丁戊己庚辛\n\n甲乙丙丁戊己庚辛壬。\n\n甲乙丙丁戊己庚辛壬癸\n\n甲乙。"
    assert _paras(text) == ["甲乙丙丁戊己庚辛甲乙丙丁戊己庚辛壬。甲乙丙丁戊己庚辛壬癸甲乙。"]


def test_a_compressed_line_holds_one_more():
    """CLREQ 3.1.7: two half-width marks let a line hold W+1 without ending the paragraph."""
    text = (
        "甲乙丙丁戊己庚辛\n\n甲乙，丙丁戊己庚辛。壬癸子\n\n甲乙丙丁戊己庚辛壬癸\n\n甲乙丙。"
        "\n\n甲乙丙丁戊己庚辛\n\n甲乙丙丁戊己庚辛壬癸\n\n甲。"
    )
    assert len(_paras(text)) == 2


def test_explicit_indents_decide_where_widths_cannot():
    text = "\u3000\u3000甲乙丙丁戊己庚辛\n甲乙丙丁戊己庚辛。\n\u3000\u3000甲乙丙丁戊己庚辛\n甲乙。"
    assert _paras(text, explicit=True) == [
        "甲乙丙丁戊己庚辛甲乙丙丁戊己庚辛。",
        "甲乙丙丁戊己庚辛甲乙。",
    ]


def test_width_may_change_between_paragraphs():
    wide = (
        "一二三四五六七八九十一二三四\n\n" + "一二三四五六七八九十一二三四五六\n\n" * 3 + "一二。"
    )
    narrow = "\n\n一二三四五六七八\n\n" + "一二三四五六七八九十\n\n" * 3 + "一二三。"
    paras = paragraphs(split_lines(wide + narrow))
    assert [p.width for p in paras] == [16, 10]


@pytest.mark.parametrize(
    ("text", "number"),
    [("一是加强", 1), ("二是科学", 2), ("第三，", 3), ("（四）要", 4), ("五、", 5), ("2.", 2)],
)
def test_ordinals(text: str, number: int):
    assert ordinal(text) == number


def test_not_ordinals():
    assert ordinal("具体来看，一是要") == 0
    assert ordinal("一些企业") == 0


def test_sentence_end():
    assert sentence_end_strength("好。") == 0
    assert sentence_end_strength("他说：“好。”") == 0
    assert sentence_end_strength("如下：") < 0
    assert sentence_end_strength("而且") < sentence_end_strength("如下：")


def test_candidate_widths_include_the_column():
    lines = split_lines("\n".join(["一二三四五六七八九十一二三四五六七八"] * 20))
    assert 18 in candidate_widths(lines)


def test_a_paragraph_ending_on_a_full_line_then_an_unexplained_short_line_breaks():
    """The short line's next characters ('系，') would have fitted, so no prohibition rule
    pushed them down (CLREQ 3.1.6): the two-em shortfall is the lost indent of a new paragraph."""
    text = "\n\n".join(
        [
            "一二三四五六七八",
            "一二三四五六七八九十",
            "一二三四五六七八九。",
            "人才是第一资源构",
            "系，归根结底要。",
        ]
    )
    assert _paras(text) == [
        "一二三四五六七八一二三四五六七八九十一二三四五六七八九。",
        "人才是第一资源构系，归根结底要。",
    ]


def test_a_short_line_whose_next_characters_could_not_fit_continues_the_paragraph():
    """'鲜明地提' is followed by '出“城…': the opening quote and its character were pushed down
    (an opening mark may not end a line), which explains a line one or two ems short."""
    text = "\n\n".join(
        [
            "一二三四五六七八",
            "一二三四五六七八九十",
            "一二三四五六七八，",
            "“城市群新型工业化”概念",
            "一二三。",
        ]
    )
    assert len(_paras(text)) == 1


def test_ocr_spaces_between_scripts_may_have_no_width_on_the_page():
    """A standfirst set 36 ems wide (seed 266 of the page generator): the second line is full
    with a squeezed 。, and OCR added five spaces around its digits. Each may be a quarter-em
    gap or nothing (``Line.slack``); read as gaps only, the line is too full for a middle line
    and the paragraph falls in two."""
    text = (
        "佛山市委十三届七次全会暨市委经济工作会议提出，要坚定不移走新型工业化\n\n"
        "之路。2023 年佛山规上工业总产值突破 3 万亿元，目前正向“工业 4 万亿”发起冲锋。\n\n"
        "新型工业化有何新内涵？后3万亿时代佛山新型工业化之路怎么走？本期圆桌论坛\n\n"
        "就此展开探讨。"
    )
    lines = split_lines(text)
    assert [line.slack for line in lines] == [0.0, 1.25, 0.0, 0.0]
    paras = paragraphs(lines)
    assert [len(p.lines) for p in paras] == [4]
    assert paras[0].width == 36
