"""The line composer on hand-made lines, measured with the real body face (Noto Serif CJK SC)."""

from __future__ import annotations

import string
from itertools import pairwise

import pytest

from zhpress import cjk
from zhpress.typeset.compose import Paragraph, balance, compose, prepare
from zhpress.typeset.faces import resolve_faces
from zhpress.typeset.html_lines import _pt, lines_html
from zhpress.typeset.shaper import Shaper
from zhpress.typeset.subset import subset_file

SIZE = 10.0  # 1 em = 10 pt keeps the arithmetic readable
EM = SIZE
CHARS = (
    "中文排版的标准是每一行都对齐到版心两端他说好吗然后我们走吧年月日佛山规上工业总产值突破万亿元"
    "，。、；：？！“”‘’（）《》——……" + string.ascii_letters + string.digits + "%+-. /:_?&="
)


@pytest.fixture(scope="module")
def make():
    face = resolve_faces(roles=("serif",))["serif"]
    shaper = Shaper(subset_file(face, CHARS))

    def make(text: str) -> Paragraph:
        return prepare(
            [(text, "serif")],
            SIZE,
            lambda t, role, script: shaper.shape(t, script),
            lambda ch, role: shaper.ink(ch),
        )

    return make


def test_han_text_fills_whole_character_lines(make):
    p = make("中文排版" * 10)  # 40 characters
    lines = compose(p, 12 * EM)
    assert [len(line.glyphs) for line in lines] == [12, 12, 12, 4]
    for line in lines[:-1]:
        assert line.width == pytest.approx(12 * EM)
        assert line.spacing == pytest.approx(0)
    assert lines[-1].final and lines[-1].spacing == 0


def test_adjacent_marks_are_compressed_and_a_lone_mark_keeps_its_em(make):
    p = make("他说：“好。”然后，走")
    glyphs = [g.text for g in p.glyphs]
    gap = dict(zip(glyphs[1:], p.gap[1:], strict=True))
    # 。” is 1.5 em: the full stop loses the blank on its right.
    assert gap["”"] == pytest.approx(-0.5 * EM)
    # ：“ is 1.5 em too (closing blank against opening blank: one half goes).
    assert gap["“"] == pytest.approx(-0.5 * EM)
    # The lone comma is neither compressed nor compresses its neighbour.
    assert gap["，"] == 0 and gap["走"] == 0
    (line,) = compose(p, 30 * EM)
    assert line.width == pytest.approx((len(glyphs) - 1) * EM)


LINE24 = "中文排版的标准是每一行都对齐到版心两端他说好然后"  # 24 characters


def test_a_mark_at_the_line_end_is_squeezed_in_not_pushed_to_the_next_line(make):
    p = make(LINE24 + "，对齐到版心两端")
    lines = compose(p, 24 * EM)
    assert lines[0].text == LINE24 + "，"
    assert lines[0].width == pytest.approx(24 * EM)
    assert lines[0].spacing < 0  # squeezed (先挤进)
    assert -lines[0].spacing <= 0.05 * EM
    # The comma keeps its whole em: only the tracking between characters tightened.
    comma = lines[0].glyphs[-1]
    assert comma.width == pytest.approx(EM)
    assert not lines[1].text.startswith("，")


def test_a_mark_squeezed_into_the_last_line_keeps_it_on_the_measure(make):
    """The 。 ending a paragraph cannot start a line of its own; taken into a last line that
    is already full, that line is squeezed like any other, never left an em past the measure
    (the seed book at 32开 and 16开 ended two paragraphs so)."""
    p = make(LINE24 + LINE24 + "。")
    lines = compose(p, 24 * EM)
    assert [line.text for line in lines] == [LINE24, LINE24 + "。"]
    last = lines[-1]
    assert last.final
    assert last.width == pytest.approx(24 * EM)
    assert 0 < -last.spacing <= 0.05 * EM
    assert last.glyphs[-1].width == pytest.approx(EM)  # the full stop keeps its em
    # A last line with room to spare keeps its natural spacing.
    (short,) = compose(make("中文排版。"), 24 * EM)
    assert short.spacing == 0 and short.width == pytest.approx(5 * EM)


def test_when_squeezing_is_too_much_a_character_is_pushed_down(make):
    # On a short measure one more em is more than 1/20 em per gap: push 都 down instead.
    p = make("中文排版的标准是每一行都，对齐")
    lines = compose(p, 12 * EM)
    assert lines[0].text == "中文排版的标准是每一行"
    assert lines[0].width == pytest.approx(12 * EM)
    assert lines[0].spacing > 0
    assert lines[1].text.startswith("都，")


def test_two_marks_more_than_an_em_are_never_squeezed_in(make):
    p = make(LINE24 + "？！对齐")
    lines = compose(p, 24 * EM)
    assert lines[0].width == pytest.approx(24 * EM)
    assert lines[0].spacing > 0
    assert lines[1].text.startswith("后？！")


def test_opening_quote_never_ends_a_line_but_a_line_may_end_before_it(make):
    p = make("中文排版的标准是每一行“对齐”到版心两端")
    lines = compose(p, 12 * EM)
    assert all(not line.text.endswith("“") for line in lines)
    assert lines[0].text == "中文排版的标准是每一行"
    assert lines[0].width == pytest.approx(12 * EM)
    assert lines[1].text.startswith("“对齐”")


def test_dash_and_ellipsis_are_never_split(make):
    for text in ("中文排版的标准是每一行——对齐", "中文排版的标准是每一行……对齐"):
        lines = compose(make(text), 12 * EM)
        for a, b in pairwise(lines):
            assert not (a.text[-1] == b.text[0] and a.text[-1] in cjk.INSEPARABLE)
        for line in lines[:-1]:
            assert line.width == pytest.approx(12 * EM)


def test_digits_at_a_line_start_get_no_quarter_em_but_inside_a_line_they_do(make):
    p = make("中文排版的标准是每一行都2023年佛山规上工业")
    lines = compose(p, 12 * EM)
    assert lines[1].text.startswith("2023年")
    # Last line: "2023" then 1/4 em then 年.
    second = lines[1]
    number_width = sum(g.width for g in second.glyphs[:4])
    assert second.glyphs[4].text == "年"
    assert second.after[3] == pytest.approx(0.25 * EM)
    assert second.indent == 0
    # Rendered: the first Western run has no left margin at the line start.
    html = str(lines_html(lines, "serif"))
    second_html = html.split("\n")[1]
    assert second_html.startswith('<span class="w" style="letter-spacing:0')
    assert "margin-left" not in second_html.split("</span>")[0]
    # ... and the 1/4 em after it is 年's wide form (widegap), not a margin.
    assert "margin" not in second_html.split("</span>")[0]
    assert "<span style=\"font-feature-settings:'ss20'\">年</span>" in second_html
    assert 2 * EM < number_width < 2.5 * EM


def test_quarter_em_inside_a_line_on_both_sides_of_a_number(make):
    p = make("突破3万亿元，全市54%规上工业")
    (line,) = compose(p, 30 * EM)
    text = line.text
    for boundary in cjk.quarter_em_boundaries(text):
        assert line.after[boundary - 1] == pytest.approx(0.25 * EM), text[
            boundary - 1 : boundary + 1
        ]
    assert cjk.quarter_em_boundaries(text) == {2, 3, 9, 12}


def test_a_paragraph_shorter_than_one_line_is_one_unjustified_line(make):
    p = make("他说好。")
    lines = compose(p, 12 * EM, indent=2 * EM)
    assert len(lines) == 1
    (line,) = lines
    assert line.final and line.spacing == 0
    assert line.indent == 2 * EM
    assert line.width == pytest.approx(6 * EM)


def test_first_line_is_indented_and_still_ends_on_the_measure(make):
    p = make("中文排版的标准是每一行都对齐到版心两端中文排版的标准")
    lines = compose(p, 12 * EM, indent=2 * EM)
    assert lines[0].indent == 2 * EM
    assert len(lines[0].glyphs) == 10
    assert lines[0].width == pytest.approx(12 * EM)


def test_western_words_are_not_split_and_not_letterspaced(make):
    p = make("中文排版的标准是每一行Typesetting中文")
    lines = compose(p, 12 * EM)
    joined = [line.text for line in lines]
    assert any("Typesetting" in t for t in joined), joined
    for line in lines:
        for i, g in enumerate(line.glyphs[:-1]):
            if g.western and line.glyphs[i + 1].western:
                assert line.after[i] == 0


def test_a_lone_last_character_takes_a_companion_from_the_line_before(make):
    p = make("中文排版的标准是每一行都对齐了。")  # 12 + "了。" would leave 了 alone
    lines = compose(p, 12 * EM)
    assert len(lines) == 2
    body = [g for g in lines[-1].glyphs if g.text not in cjk.ADJUSTABLE]
    assert len(body) >= 2
    assert lines[0].width == pytest.approx(12 * EM)


def test_balanced_heading_lines_are_even(make):
    p = make("佛山规上工业总产值突破万亿元然后我们走吧")  # 19 characters
    lines = balance(p, 12 * EM)
    assert len(lines) == 2
    assert abs(len(lines[0].glyphs) - len(lines[1].glyphs)) <= 1
    assert all(line.spacing == 0 for line in lines)


def test_rendered_lines_hold_only_the_text(make):
    import re

    text = "他说：“好。”然后2023年，中文排版的标准是每一行都对齐到版心两端"
    lines = compose(make(text), 12 * EM, indent=2 * EM)
    html = str(lines_html(lines, "serif"))
    # Lines are separated by newlines (forced breaks in a white-space: pre block, never
    # drawn); besides them and the tags, nothing but the text.
    assert len(html.split("\n")) == len(lines)
    assert re.sub(r"<[^>]+>", "", html).replace("\n", "") == text


def test_a_centred_heading_is_centred_on_its_ink_not_on_a_marks_blank(make):
    (line,) = balance(make("他说好吗？"), 12 * EM)
    assert line.trim_end == pytest.approx(0.5 * EM)
    assert line.width == pytest.approx(4.5 * EM)
    assert "margin-right:-5pt" in str(lines_html([line], "serif"))
    (quoted,) = balance(make("“好”然后"), 12 * EM)
    assert quoted.trim_start == pytest.approx(0.5 * EM)


URL = "https://www.example.com/some/very/long/path/that/does/not/fit/on/one/line/index.html"


def _on_the_measure(lines, measure: float, indent: float = 0.0) -> None:
    """Every line but the last ends on the measure with ordinary spacing, the text whole."""
    for line in lines[:-1]:
        assert line.width == pytest.approx(measure), line.text
        assert abs(line.spacing) <= 0.05 * EM, (line.text, line.spacing / EM)
    assert lines[0].indent == indent


@pytest.mark.parametrize(
    "text",
    [
        "详见网站" + URL + "。",  # a few ideographs, then a URL wider than the measure
        URL + "是本文的参考。",  # the URL opens the paragraph
        "读者可以访问我们的网站查看全文" + URL + "欢迎转发。",
    ],
)
def test_a_url_wider_than_the_measure_breaks_inside_it_and_every_line_stays_on_the_measure(
    make, text
):
    p = make(text)
    lines = compose(p, 12 * EM, indent=2 * EM)
    assert "".join(line.text for line in lines) == text  # nothing lost, nothing added
    _on_the_measure(lines, 12 * EM, 2 * EM)
    pieces = [line.text for line in lines[:-1]]
    assert sum(t.endswith("/") for t in pieces) >= 2, pieces  # after a / when it costs little
    for line in lines:
        assert line.text[0] not in cjk.NO_LINE_START and line.text[-1] not in cjk.NO_LINE_END


def test_a_word_wider_than_the_measure_breaks_between_letters(make):
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2
    text = "所谓" + word + "，是一个词。"
    lines = compose(make(text), 12 * EM, indent=2 * EM)
    assert "".join(line.text for line in lines) == text
    assert len(lines) >= 3
    _on_the_measure(lines, 12 * EM, 2 * EM)
    # 1/4 em between 谓 and P, never stretched; the letters take the slack.
    first = lines[0]
    assert first.after[1] == pytest.approx(0.25 * EM)


def test_a_western_word_that_fits_a_line_is_moved_whole_not_broken(make):
    word = "Supercalifragilistic"  # about 9 em: too long for the rest of the line, fits a line
    text = "中文排版的标准" + word + "这个词。"
    lines = compose(make(text), 12 * EM, indent=2 * EM)
    assert [line.text for line in lines][1].startswith(word)
    assert lines[0].text == "中文排版的标准"


def test_a_broken_long_run_is_letterspaced_in_the_html_and_keeps_its_text(make):
    import re

    text = "详见网站" + URL + "。"
    lines = compose(make(text), 12 * EM, indent=2 * EM)
    html = str(lines_html(lines, "serif"))
    assert re.sub(r"<[^>]+>", "", html).replace("\n", "") == text
    assert f"letter-spacing:{_pt(lines[0].spacing)}pt" in html  # inside the URL's span too
    assert html.count(f"letter-spacing:{_pt(lines[0].spacing)}pt") == 2
