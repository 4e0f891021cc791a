"""Each normalisation rule on its own, against golden files (input and expected side by side)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhpress.importer.normalize import RULES, Change, apply, normalize

GOLDEN = Path(__file__).parent / "golden" / "normalize"


def _cases(rule: str) -> list[tuple[str, str]]:
    inputs = (GOLDEN / f"{rule}.input.txt").read_text(encoding="utf-8").splitlines()
    expected = (GOLDEN / f"{rule}.expected.txt").read_text(encoding="utf-8").splitlines()
    assert len(inputs) == len(expected), rule
    return list(zip(inputs, expected, strict=True))


@pytest.mark.parametrize("rule", list(RULES))
def test_rule_matches_its_golden_file(rule: str):
    for source, expected in _cases(rule):
        assert apply(source, rule) == expected, source


@pytest.mark.parametrize("rule", list(RULES))
def test_rule_changes_nothing_that_another_rule_owns(rule: str):
    """A rule leaves the other rules' golden inputs alone except where it applies itself."""
    for other in RULES:
        if other == rule:
            continue
        for source, _ in _cases(other):
            result = apply(source, rule)
            assert len(result) <= len(source)
            if rule in ("vertical-forms", "fullwidth-punctuation"):
                assert len(result) == len(source)


def test_vertical_quotes_are_not_nfkc():
    """NFKC maps ﹃ to 『; GB/T 15834 says the vertical ﹃﹄ are the double quotes “”."""
    assert apply("﹃六新﹄", "vertical-forms") == "“六新”"
    assert apply("﹃六新﹄") == "“六新”"


def test_rules_log_every_change_with_its_origin():
    log: list[Change] = []
    chars = [(ch, i) for i, ch in enumerate("突破 3 万?﹃新﹄")]
    out = normalize(chars, log)
    assert "".join(ch for ch, _ in out) == "突破3万？“新”"
    assert [(c.rule, c.origin, c.after) for c in log] == [
        ("vertical-forms", 7, "“"),
        ("vertical-forms", 9, "”"),
        ("layout-spaces", 2, ""),
        ("layout-spaces", 4, ""),
        ("fullwidth-punctuation", 6, "？"),
    ]


def test_plain_chinese_text_is_unchanged():
    text = "改革是推进新型工业化的核心动力。2023年，产值突破3万亿元。"
    assert apply(text) == text
