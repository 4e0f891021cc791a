"""Segmentation of a page into blocks by shape (zhpress.importer.page)."""

from __future__ import annotations

from conftest import SEED

from zhpress.importer.page import segment, split_headline

BODY = "改革是推进新型工业化的核心\n\n动力，必须进一步夯实经验。\n\n"
HEAD = (
    "后3万亿时代 佛山新型工业化如何闯出新路?\n"
    " 佛山市委十三届七次全会暨市委经济工作会议提出，要坚定\n\n"
)
VERTICAL = "张\n震\n\n从\n﹃\n六\n新\n﹄\n深\n刻\n\n主持人：叶小青\n"


def test_the_seed_blocks():
    page = segment(SEED.read_text(encoding="utf-8"))
    assert page.headline is not None and page.headline.no == 553
    assert page.moderator is not None and page.moderator.no == 638
    assert ["".join(line.text for line in run) for run in page.vertical_runs] == [
        "张震",
        "从﹃六新﹄深刻认识新型工业化",
        "胡晓珍",
        "以新质生产力领跑新型工业化",
        "徐雨森",
        "夯实制造业转型升级综合改革试点经验",
        "穆向民",
        "深层构建新型工业化佛山形态",
    ]
    assert [(r[0].no, r[-1].no) for r in page.regions] == [(1, 551), (554, 560)]


def test_headline_block_first_is_found_by_shape_too():
    page = segment(HEAD + VERTICAL + "\n" + BODY)
    assert page.headline is not None and page.headline.no == 1
    assert page.moderator is not None
    assert len(page.vertical_runs) == 2
    assert [r[0].text[:4] for r in page.regions] == ["佛山市委", "改革是推"]


def test_vertical_runs_in_plain_style():
    page = segment(BODY.replace("\n\n", "\n") + HEAD + VERTICAL)
    assert ["".join(x.text for x in r) for r in page.vertical_runs] == ["张震", "从﹃六新﹄深刻"]


def test_a_single_character_line_in_the_body_is_prose():
    page = segment("一二三四五六七八\n\n一二三四五六七八九十\n\n完\n\n" + HEAD + VERTICAL)
    assert page.regions[0][-1].text == "完"


def test_split_headline_ignores_spaces_next_to_digits():
    assert split_headline("后 3 万亿时代 佛山如何闯出新路?") == (
        "后 3 万亿时代",
        "佛山如何闯出新路?",
        9,
    )
    assert split_headline("佛山如何闯出新路？") is None


def test_a_body_line_starting_with_zhuchi_is_not_the_moderator():
    page = segment("主持召开会议，研究部署工作。\n\n" + HEAD + VERTICAL)
    assert page.moderator is not None and page.moderator.text == "主持人：叶小青"
    assert page.regions[0][0].text.startswith("主持召开")


def test_tesseract_strips_and_a_kicker_on_its_own_line():
    """Tesseract's shapes: a strip as one spaced line, the overline on a line of its own."""
    from zhpress.importer.page import is_spaced_strip

    text = (
        "县域消费新图景\n\n小县城如何撑起大市场?\n\n"
        + "县城连着城市，也连着乡村。近年来，冷链、快递和直播电商一路延伸到镇街村口，县域消\n"
        + "费的规模和结构都在悄悄改变。\n\n主持人: 林晓岚\n\n"
        + "农产品卖不出好价钱，很多时\n候不是品质不行，而是路上损耗太\n大。\n\n"
        + "罗 佳 慧 让 县 城 商业 回归 街 巷 烟火\n"
    )
    page = segment(text)
    assert page.kicker.text == "县域消费新图景"
    assert page.headline.text == "小县城如何撑起大市场?"
    assert [line.text for (line,) in page.strips] == ["罗 佳 慧 让 县 城 商业 回归 街 巷 烟火"]
    assert not is_spaced_strip("后3万亿时代 新型工业化如何闯出新路?")
    assert not is_spaced_strip("停车难不难? 晚上几点收摊? 雨天")
    assert not is_spaced_strip("新和“从 1 到 10 ”的产业")  # make fuzz, seed 388911098
