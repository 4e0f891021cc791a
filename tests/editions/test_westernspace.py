"""The Han/Western spacing markup of the EPUB (zhpress/westernspace.py), one rule at a time."""

import re

import pytest

from zhpress.editions.westernspace import space_html, space_text


def visible(markup: str) -> str:
    from html import unescape

    return unescape(re.sub(r"<[^>]*>", "", markup))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("突破3万亿元", '突<span class="nb">破<span class="w sb sa">3</span>万</span>亿元'),
        ("2023年", '<span class="nb"><span class="w sa">2023</span>年</span>'),
        ("产业IP", '产<span class="nb">业<span class="w sb">IP</span></span>'),
        # Punctuation keeps its own blank: no margin on that side.
        ("共3，", '<span class="nb">共<span class="w sb">3</span></span>，'),
        ("“4万亿”", '“<span class="nb"><span class="w sa">4</span>万</span>亿”'),
        # A lone sign is not spaced; a Han character between two runs binds both.
        ("人工智能+", "人工智能+"),
        (
            "至2023年10月",
            '<span class="nb">至<span class="w sb sa">2023</span>年'
            '<span class="w sb sa">10</span>月</span>',
        ),
        ("纯中文", "纯中文"),
        ("a < b", "a &lt; b"),
    ],
)
def test_space_text(text, expected):
    assert str(space_html(text.replace("<", "&lt;"))) == expected
    assert visible(expected) == text  # no character inserted or lost


def test_neighbours_across_tags_still_get_the_margin():
    out = str(space_html("<em>佛山</em>2023年"))
    assert out == '<em>佛山</em><span class="nb"><span class="w sb sa">2023</span>年</span>'


def test_tags_and_entities_outside_runs_are_kept_byte_for_byte():
    html = "<strong>加粗</strong>与&amp;“引号”"
    assert str(space_html(html)) == html


def test_space_text_escapes():
    assert space_text("A&B中") == '<span class="nb"><span class="w sa">A&amp;B</span>中</span>'
