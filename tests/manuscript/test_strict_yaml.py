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


def _laughs(levels: int) -> str:
    """The "billion laughs" document: each line an anchor of nine aliases of the line above,
    so ``levels`` lines expand to 9**levels values."""
    lines = ['l0: &l0 ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _cpu_bounded(function, seconds: float):
    """Run ``function`` and fail if it takes more than ``seconds`` of CPU: a bomb must be
    refused while the file is read, not after its values have been walked."""
    import time

    started = time.process_time()
    try:
        return function()
    finally:
        assert time.process_time() - started < seconds


def test_an_alias_bomb_in_book_yaml_is_refused_at_once_with_its_line(tmp_path):
    yaml_text = "title: 书\n" + _laughs(10) + "publisher: *l9\nchapters:\n  - 01-a.md\n"
    root = write_book(tmp_path / "book", {"01-a.md": GOOD}, yaml_text)
    with pytest.raises(BookError) as caught:
        _cpu_bounded(lambda: load_book(root), 2.0)
    error = caught.value
    assert error.exit_code == 2 and error.path == root / "book.yaml"
    assert "expand the file by more than 1,000,000 characters and values" in error.message
    # The line whose aliases crossed the limit: l5, nine aliases of l4's 125,479 (line 7).
    assert error.line == 7 and "*l4" in error.message, error


def test_an_alias_bomb_in_front_matter_names_the_chapter_and_its_line(tmp_path):
    chapter = "---\npanelist: 王\ntitle: 题\n" + _laughs(9) + "---\n\n正文。\n"
    root = write_book(tmp_path / "book", {"01-a.md": chapter}, None)
    with pytest.raises(BookError) as caught:
        _cpu_bounded(lambda: load_book(root), 2.0)
    assert caught.value.path == root / "01-a.md"
    assert caught.value.line == 9, caught.value  # the file's line (l5), after the '---' line


def test_aliases_that_repeat_a_value_a_few_times_are_fine(tmp_path):
    yaml_text = "title: &t 书名\nkicker: *t\nfonts: &f {serif: a.ttf}\nchapters:\n  - 01-a.md\n"
    data, _ = load_yaml(yaml_text + "press: {fonts: *f}\n", tmp_path / "book.yaml")
    assert data["kicker"] == "书名" and data["press"]["fonts"] == {"serif": "a.ttf"}
    # Everything a small, alias-free book.yaml of the largest size says is still read.
    big = "title: 书\npublisher: " + "长" * 200_000 + "\n"
    assert len(load_yaml(big, tmp_path / "book.yaml")[0]["publisher"]) == 200_000


def test_a_value_that_contains_itself_is_refused(tmp_path):
    with pytest.raises(BookError) as caught:
        load_yaml("title: 书\npublisher: &a [甲, *a]\n", tmp_path / "book.yaml")
    assert caught.value.line == 2 and "*a is inside the value it names" in str(caught.value)


@pytest.mark.parametrize("style", ["flow", "block"])
def test_nesting_thousands_deep_is_refused_with_the_line_not_a_recursion_error(tmp_path, style):
    from zhpress.manuscript.limits import YAML_DEPTH

    if style == "flow":
        text = "title: 书\npublisher: " + "[" * 50_000 + "]" * 50_000 + "\n"
        line = 2
    else:  # one mapping a line, each indented one more
        text = "title: 书\n" + "".join(f"{' ' * i}k{i}:\n" for i in range(600)) + " " * 600 + "v\n"
        line = 2 + YAML_DEPTH
    with pytest.raises(BookError) as caught:
        _cpu_bounded(lambda: load_yaml(text, tmp_path / "book.yaml"), 2.0)
    assert f"nested more than {YAML_DEPTH} deep" in caught.value.message
    assert caught.value.line == line, caught.value


def test_aliases_cannot_nest_a_value_deeper_than_the_limit(tmp_path):
    """Each line is 12 deep in the file, but holds the line above: 35 deep once expanded."""
    text = "a: &a " + "[" * 12 + "1" + "]" * 12 + "\n"
    text += "b: &b " + "[" * 11 + "*a" + "]" * 11 + "\n"
    text += "c: " + "[" * 11 + "*b" + "]" * 11 + "\n"
    with pytest.raises(BookError) as caught:
        load_yaml(text, tmp_path / "book.yaml")
    assert caught.value.line == 3 and "nested more than" in caught.value.message


def test_the_command_line_refuses_a_bomb_with_exit_2(tmp_path):
    yaml_text = "title: 书\n" + _laughs(10) + "publisher: *l9\nchapters:\n  - 01-a.md\n"
    root = write_book(tmp_path / "book", {"01-a.md": GOOD}, yaml_text)
    result = run("--book", str(root), "--out", str(tmp_path / "dist"), "--only", "epub")
    assert result.returncode == 2, result.stderr
    assert f"error: {root / 'book.yaml'}:7: the aliases" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "dist").exists()
