"""Finding the manuscript's units in an edition's text: a short unit is not "found" inside
the headline (issue 13: a lede of one digit was found in the title '0中' and its lines were
measured on the title's centred line)."""

from __future__ import annotations

from zhpress.checks.text_reaches_editions import Segment, Stream, Unit, find_units


def _units(title: str, lede: str, chapter: str) -> list[Unit]:
    return [
        Unit("title", (Segment(title, "book.yaml:1", "title"),), anywhere=True),
        Unit("standfirst", (Segment(lede, "book.yaml:2", "standfirst paragraph"),)),
        Unit("01-a", (Segment(chapter, "01-a.md:6", "paragraph"),)),
    ]


def _stream(text: str) -> Stream:
    return Stream(text, ["page 1"] * len(text))


def test_a_lede_that_is_part_of_the_title_is_found_where_it_is_set():
    matches, problem = find_units(_units("0中", "0", "正文"), _stream("0中0正文"), "reader PDF")
    assert problem is None
    assert [(m.unit.name, m.start) for m in matches] == [
        ("title", 0),
        ("standfirst", 2),
        ("01-a", 3),
    ]


def test_a_lede_missing_from_the_edition_is_not_found_in_the_title():
    _, problem = find_units(_units("0中", "0", "正文"), _stream("0中正文"), "reader PDF")
    assert problem is not None and problem.startswith("book.yaml:2: standfirst paragraph")


def test_a_chapter_that_holds_the_title_text_is_still_found():
    """The title claims only where it is found first: a paragraph quoting it is text."""
    text = "书名导语书名在正文里"
    matches, problem = find_units(_units("书名", "导语", "书名在正文里"), _stream(text), "EPUB")
    assert problem is None and matches[-1].start == 4


def test_canonically_equivalent_texts_are_the_same_text():
    """A PDF's text layer reads an 'é' typed whole as e + U+0301 once its glyph was first
    drawn for the pair, and stacked marks in canonical order: the same text to a reader."""
    from zhpress.checks.text_reaches_editions import squeeze, squeeze_with

    assert squeeze("庚\u00e9辛") == squeeze("庚e\u0301辛")
    assert squeeze("E\u0301\u3099") == squeeze("E\u3099\u0301")
    assert squeeze("E\u0301") != squeeze("E\u0300")  # a different mark is a different text
    # The advances follow their characters: a decomposed letter keeps its width on the base.
    assert squeeze_with("é a\u0301\u3099", [5.0, 1.0, 6.0, 0.1, 0.2]) == (
        "e\u0301a\u3099\u0301",
        [5.0, 0.0, 6.0, 0.2, 0.1],
    )


def test_a_lede_typed_whole_is_found_in_a_pdf_that_reads_it_decomposed():
    from zhpress.checks.text_reaches_editions import squeeze

    units = _units("书", squeeze("导语\u00e9"), "正文")
    _, problem = find_units(units, _stream(squeeze("书导语e\u0301正文")), "reader PDF")
    assert problem is None


def test_the_search_check_finds_a_word_a_copy_reads_decomposed():
    from zhpress.typeset import widegap

    words = widegap.mixed_words([("01-a.md:6", "庚\u00e9辛")])
    assert words and widegap.unsearchable(words, [["庚e\u0301", "辛"]]) == []
    assert widegap.unsearchable(words, [["庚e\u0300辛"]])  # another mark is not found


def test_chapters_that_follow_each_other_are_found_together():
    units = [
        Unit("title", (Segment("0中", "book.yaml:1", "title"),), anywhere=True),
        Unit("00-c", (Segment("0中0", "00-c.md:6", "paragraph"),)),
        Unit("01-c", (Segment("0中0", "01-c.md:6", "paragraph"),)),
    ]
    text = "0中嘉宾0中0目录0中00中0"  # the guests hold the first chapter's text, not both
    matches, problem = find_units(units, _stream(text), "reader PDF")
    assert problem is None
    assert [m.start for m in matches] == [0, 9, 12]
