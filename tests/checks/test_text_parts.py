"""The text check of a book of several pages: what it requires, and what it lets pass.

Every part's headline, overline, series, standfirst and moderator and the preface must reach
every edition; a part's opening (with its panel's labels, text the editions add) comes
between the last contribution of one part and the first of the next, and is no text "added
inside a chapter". Checked on a stream built by hand, as an edition would show the book.
"""

from __future__ import annotations

from conftest import write_parts_book

from zhpress.checks.text_reaches_editions import (
    Stream,
    between_chapters,
    find_units,
    manuscript_units,
    squeeze,
)
from zhpress.manuscript.load import load_book


def _edition_text(book, extra_inside_part: str = "") -> Stream:
    """The book as a print edition shows it: title page, preface, each part's opening (with
    the labels 嘉宾 and 主持人, which are not manuscript text), its contributions."""
    units = {u.name: u for u in manuscript_units(book, print_edition=True)}
    pieces = [book.title, book.series or "", units[book.preface.name].text]
    for part in book.parts:
        lede = "".join(squeeze(b.text) for b in part.lede)
        panel = "嘉宾" + "、".join(part.panelists) + "主持人" + (part.moderator or "")
        pieces += [part.series or "", part.kicker or "", part.title, lede, panel]
        for n, chapter in enumerate(part.chapters):
            if n == 1:
                pieces.append(extra_inside_part)
            pieces.append(units[chapter.name].text)
    text = squeeze("".join(pieces))
    return Stream(text, ["page 1"] * len(text))


def test_a_parts_opening_between_two_parts_is_not_text_added(tmp_path):
    book = load_book(write_parts_book(tmp_path / "book"))
    units = manuscript_units(book, print_edition=True)
    stream = _edition_text(book)
    matches, problem = find_units(units, stream, "reader PDF")
    assert problem is None, problem
    assert between_chapters(matches, stream, "reader PDF") is None


def test_text_added_between_two_contributions_of_a_part_is_still_found(tmp_path):
    book = load_book(write_parts_book(tmp_path / "book"))
    units = manuscript_units(book, print_edition=True)
    stream = _edition_text(book, extra_inside_part="多出来的字")
    matches, problem = find_units(units, stream, "reader PDF")
    assert problem is None, problem
    found = between_chapters(matches, stream, "reader PDF")
    assert found is not None and "多出来的字" in found


def test_a_part_standfirst_missing_from_an_edition_is_reported_with_its_part_yaml(tmp_path):
    book = load_book(write_parts_book(tmp_path / "book"))
    units = manuscript_units(book, print_edition=True)
    lede = squeeze(book.parts[1].lede[0].text)
    stream = _edition_text(book)
    text = stream.text.replace(lede, lede[:10], 1)
    _, problem = find_units(units, Stream(text, ["page 1"] * len(text)), "reader PDF")
    assert problem is not None
    assert problem.startswith("part.yaml:") and "standfirst" in problem
