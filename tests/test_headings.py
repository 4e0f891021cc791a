"""Pairing the vertical headings into (name, title) (zhpress.headings)."""

from __future__ import annotations

from conftest import SEED

from zhpress.headings import pair_by_content, pair_by_runs
from zhpress.normalize import apply


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
