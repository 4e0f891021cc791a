"""Pairing the vertical headings into (name, title) (zhpress.importer.headings)."""

from __future__ import annotations

from conftest import SEED

from zhpress.importer.headings import pair_by_content, pair_by_runs
from zhpress.importer.normalize import apply


def _chars(text: str):
    return [(ch, i) for i, ch in enumerate(text)]


def _text(chars) -> str:
    return "".join(ch for ch, _ in chars)


RUNS = ["张震", "从﹃六新﹄深刻认识新型工业化", "胡晓珍", "以新质生产力领跑新型工业化"]


def test_runs_are_read_two_by_two():
    pairs = pair_by_runs([_chars(r) for r in RUNS])
    assert [(_text(n), _text(t)) for n, t in pairs] == [(RUNS[0], RUNS[1]), (RUNS[2], RUNS[3])]


def test_titles_first_is_recognised_by_run_lengths():
    swapped = [RUNS[1], RUNS[0], RUNS[3], RUNS[2]]
    pairs = pair_by_runs([_chars(r) for r in swapped])
    assert [_text(n) for n, _ in pairs] == ["张震", "胡晓珍"]


def test_an_odd_number_of_runs_is_not_paired_by_runs():
    assert pair_by_runs([_chars(r) for r in RUNS[:3]]) is None


def test_merged_runs_are_split_by_title_echoes():
    body = SEED.read_text(encoding="utf-8")
    merged = "".join(RUNS) + "徐雨森夯实制造业转型升级综合改革试点经验"
    normalized = "".join(apply(ch) or ch for ch in merged)
    pairs = pair_by_content([_chars(merged)], normalized, body)
    assert [(_text(n), _text(t)) for n, t in pairs] == [
        ("张震", "从﹃六新﹄深刻认识新型工业化"),
        ("胡晓珍", "以新质生产力领跑新型工业化"),
        ("徐雨森", "夯实制造业转型升级综合改革试点经验"),
    ]


def test_compound_surname_and_a_title_ending_in_a_word_are_not_split_off():
    """欧阳晓峰 is one four-character name; '关键在人才' stays in the title, since '关键'
    (a rarer surname character starting a common word) makes a worse name than 陈静."""
    body = (
        "人才是第一资源。构建现代化产业体系，归根结底要靠人才。"
        "推动绿色低碳发展，是实现高质量发展的内在要求。"
        "数字化转型是传统制造业提质增效的必由之路。"
    )
    merged = (
        "欧阳晓峰构建现代化产业体系的关键在人才"
        "陈静绿色低碳是高质量发展的底色"
        "李明华以数字化转型赋能传统制造业"
    )
    pairs = pair_by_content([_chars(merged)], merged, body)
    assert [(_text(n), _text(t)) for n, t in pairs] == [
        ("欧阳晓峰", "构建现代化产业体系的关键在人才"),
        ("陈静", "绿色低碳是高质量发展的底色"),
        ("李明华", "以数字化转型赋能传统制造业"),
    ]


def test_a_strip_read_as_one_line_splits_at_the_name():
    """One strip, one heading: the title's echo in the body decides 2, 3 or 4 characters,
    also when the surname was misread (类 for 郑) or is compound (欧阳)."""
    from zhpress.importer.headings import split_strip

    body = (
        "冷链物流打通农产品上行通道，首先要把预冷库建到田间地头。数字平台要扎根本地服务。港口转型"
    )
    assert split_strip("类文涛冷煞物济打通农产品上行通道", body) == 3
    assert split_strip("欧阳明远数字平台要六根本地服务", body) == 4
    assert split_strip("黄诗港口转型要从装卸走向服务", body) == 2


def test_the_number_of_articles_keeps_a_title_from_being_cut_in_two():
    """Issue 16, class 2: with no run breaks, 以应用场景牵引产业升级 can read as the title
    以应用场 and a pair 景牵 / 引产业升级 (景 is a surname, 引产业升级 echoes the body). The
    body's column widths show two articles, and then two pairs it is."""
    merged = "王晓明以应用场景牵引产业升级李华推动制造业高端化"
    body = "我们要以应用场为抓手，吸引产业升级的资金投入。另一方面，推动制造业高端化是长期任务。"

    def split(articles):
        pairs = pair_by_content([_chars(merged)], merged, body, articles)
        return [("".join(c for c, _ in n), "".join(c for c, _ in t)) for n, t in pairs]

    assert len(split(None)) == 3  # the echoes alone cut the title
    assert split(2) == [("王晓明", "以应用场景牵引产业升级"), ("李华", "推动制造业高端化")]
