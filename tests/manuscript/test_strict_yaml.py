"""Strict YAML: every key of book.yaml and front matter is known or reported with its line and
the nearest known key; the language tag is one zhpress sets."""

from __future__ import annotations

import pytest

from tests.conftest import write_book
from tests.manuscript.test_bad_manuscripts import GOOD, run
from zhpress.errors import BookError
from zhpress.manuscript.language import parse_language
from zhpress.manuscript.load import load_book
from zhpress.manuscript.strict_yaml import BOOK_KEYS, load_yaml


def test_unknown_key_is_a_warning_with_its_line_and_the_nearest_key(tmp_path):
    yaml_text = "title: 测试书名\npublsher: 某出版社\nchapters:\n  - 01-a.md\n"
    book = load_book(write_book(tmp_path / "book", {"01-a.md": GOOD}, yaml_text))
    assert len(book.warnings) == 1
    warning = book.warnings[0]
    assert warning.endswith(
        "book.yaml:2: unknown key 'publsher' in book.yaml, ignored; did you mean 'publisher'?"
    ), warning


def test_unknown_front_matter_key_is_reported_too(tmp_path):
    chapter = "---\npanelist: 甲\ntitel: 乙\ntitle: 乙\n---\n\n正文。\n"
    book = load_book(write_book(tmp_path / "book", {"01-a.md": chapter}, None))
    assert any("01-a.md:3: unknown key 'titel'" in w and "'title'?" in w for w in book.warnings)


def test_a_key_like_nothing_known_lists_the_keys(tmp_path):
    yaml_text = "title: 测试书名\n封面颜色: 红\nchapters:\n  - 01-a.md\n"
    book = load_book(write_book(tmp_path / "book", {"01-a.md": GOOD}, yaml_text))
    (warning,) = book.warnings
    assert "book.yaml:2: unknown key '封面颜色'" in warning
    assert "book.yaml may have: " + ", ".join(BOOK_KEYS) in warning


def test_the_seed_and_every_documented_key_load_without_warnings(tmp_path):
    from tests.conftest import BOOK

    assert load_book(BOOK).warnings == ()
    extra = "".join(
        f"{key}: x\n" for key in ("slug", "identifier", "publisher", "edition", "rights", "source")
    )
    yaml_text = f"title: 测试书名\n{extra}trim: A5\nlanguage: zh-Hans\nchapters:\n  - 01-a.md\n"
    assert load_book(write_book(tmp_path / "book", {"01-a.md": GOOD}, yaml_text)).warnings == ()


def test_the_build_prints_the_warning_and_succeeds(tmp_path):
    yaml_text = "title: 测试书名\npublsher: 某出版社\nchapters:\n  - 01-a.md\n"
    book = write_book(tmp_path / "book", {"01-a.md": GOOD}, yaml_text)
    result = run("--book", str(book), "--out", str(tmp_path / "dist"), "--only", "epub")
    assert result.returncode == 0, result.stderr
    assert "warning: " in result.stderr
    assert "book.yaml:2: unknown key 'publsher'" in result.stderr
    assert "did you mean 'publisher'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_duplicate_key_at_any_depth_names_both_lines(tmp_path):
    text = "title: 书\nfonts:\n  kai: a.ttf\n  kai: b.ttf\n"
    with pytest.raises(BookError) as caught:
        load_yaml(text, tmp_path / "book.yaml")
    assert caught.value.line == 4
    assert "the key 'kai' is given twice, on lines 3 and 4" in str(caught.value)


def test_quoted_numbers_are_text(tmp_path):
    yaml_text = 'title: "2024"\nkicker: "1984"\nchapters:\n  - 01-a.md\n'
    book = load_book(write_book(tmp_path / "book", {"01-a.md": GOOD}, yaml_text))
    assert (book.title, book.kicker) == ("2024", "1984")


@pytest.mark.parametrize(
    ("tag", "canonical", "variant"),
    [
        ("zh-Hans", "zh-Hans", "SC"),
        ("zh-CN", "zh-CN", "SC"),
        ("zh", "zh", "SC"),
        ("zh-Hans-SG", "zh-Hans-SG", "SC"),
        ("zh-Hant", "zh-Hant", "TC"),
        ("zh-hant-tw", "zh-Hant-TW", "TC"),
        ("zh-TW", "zh-TW", "TC"),
        ("zh-Hant-HK", "zh-Hant-HK", "HK"),
        ("zh-HK", "zh-HK", "HK"),
        ("zh-Hant-MO", "zh-Hant-MO", "HK"),
    ],
)
def test_chinese_tags_are_accepted_with_their_variant(tag, canonical, variant):
    assert parse_language(tag) == (canonical, variant)


@pytest.mark.parametrize("tag", ["klingon", "en", "ja", "zh-Latn", "zh-Hant-XX", "zh-Hans-CN-x"])
def test_other_tags_are_refused(tag):
    assert parse_language(tag) is None


def test_the_language_reaches_the_book_in_canonical_form(tmp_path):
    yaml_text = "title: 测试书名\nlanguage: zh-hant-hk\nchapters:\n  - 01-a.md\n"
    book = load_book(write_book(tmp_path / "book", {"01-a.md": GOOD}, yaml_text))
    assert (book.language, book.variant) == ("zh-Hant-HK", "HK")
