"""Splitting the body into articles and matching titles by content (zhpress.importer.articles)."""

from __future__ import annotations

from zhpress.importer.articles import (
    article_similarity,
    assign_titles,
    match_key,
    split_articles,
    title_affinity,
)

PARAS = [
    "改革是推进新型工业化的核心动力，必须夯实制造业转型升级综合改革试点经验。",
    "一是加强政府自身的转型升级。",
    "二是科学处理好工业稳增长。",
    "新型工业化是我国应对信息化发展趋势的科学选择，要深层构建新型工业化的佛山形态。",
    "一是要坚持创新驱动。",
    "二是要加快数字化智能化改造。",
]
TITLES = ["深层构建新型工业化佛山形态", "夯实制造业转型升级综合改革试点经验"]


def test_title_echo_is_found_in_its_paragraph_and_common_phrases_do_not_count():
    aff = title_affinity([match_key(p) for p in PARAS], TITLES)
    assert aff[0][1] > 2 * aff[0][0]
    assert aff[3][0] > 2 * aff[3][1]


def test_a_phrase_in_most_paragraphs_is_no_evidence():
    paras = [match_key(p + "推进新型工业化。") for p in PARAS]
    aff = title_affinity(paras, ["推进新型工业化"])
    assert all(row == [0.0] for row in aff)


def test_enumeration_restart_and_titles_split_equal_width_articles():
    costs = [{18: 0.0, 16: -5.0} for _ in PARAS]  # one width for both: width cannot split
    ordinals = [0, 1, 2, 0, 1, 2]
    aff = title_affinity([match_key(p) for p in PARAS], TITLES)
    arts = split_articles(costs, ordinals, aff, 2)
    assert [(a.first, a.end, TITLES[a.title_index]) for a in arts] == [
        (0, 3, TITLES[1]),
        (3, 6, TITLES[0]),
    ]


def test_width_change_splits_without_any_title_evidence():
    costs = [{18: 0.0, 16: -20.0}] * 3 + [{18: -20.0, 16: 0.0}] * 3
    aff = [[0.0, 0.0] for _ in range(6)]
    arts = split_articles(costs, [0] * 6, aff, 2)
    assert [(a.first, a.end, a.width) for a in arts] == [(0, 3, 18), (3, 6, 16)]


def test_no_article_opens_with_a_later_ordinal():
    costs = [{18: 0.0}] * 4
    aff = [[0.0, 0.0] for _ in range(4)]
    arts = split_articles(costs, [1, 2, 1, 2], aff, 2)
    assert [(a.first, a.end) for a in arts] == [(0, 2), (2, 4)]


def test_titles_are_assigned_once_per_phrase_not_per_paragraph():
    keys = [match_key("".join(PARAS[:3])), match_key("".join(PARAS[3:]))]
    sim = article_similarity(keys, TITLES)
    assert assign_titles(sim, [0, 1]) == [1, 0]


def test_too_few_paragraphs_give_no_split():
    assert split_articles([{18: 0.0}], [0], [[0.0, 0.0]], 2) == []


def test_a_paragraph_opening_with_a_connective_does_not_open_an_article():
    costs = [{18: 0.0}] * 4
    aff = [[0.0, 0.0] for _ in range(4)]
    connective = [False, False, True, False]  # paragraph 2 opens with 具体来看
    arts = split_articles(costs, [0] * 4, aff, 2, connective)
    assert 2 not in [a.first for a in arts]


def test_break_evidence_peaks_where_the_wording_changes():
    """Two articles on different subjects: the wording shared across their boundary dips."""
    from zhpress.importer.articles import break_evidence

    first = ["冷链物流降低农产品损耗", "冷链物流的产地仓要算清货源", "农产品冷链要组织小农户"]
    second = ["港口转型要从装卸走向服务", "港口的航运金融与船舶管理", "港口供应链服务平台"]
    evidence = break_evidence(first + second)
    assert max(range(len(evidence)), key=evidence.__getitem__) == 3
