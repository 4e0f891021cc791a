"""Property: pages laid out by the generator (tests/pagegen.py) import exactly.

Every paragraph, title, name, the moderator, the headline and the standfirst are recovered
character for character, across column widths, styles, indents, encodings, line ends, 2-6
panelists and the headline block first or last.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pagegen import make_page

from zhpress.importer.decode import decode_bytes
from zhpress.importer.draft import build_draft

FUZZ = os.environ.get("ZHPRESS_FUZZ") == "1"


def _import(data: bytes):
    return build_draft(decode_bytes(data, "generated.txt"), Path("generated.txt"))


def _assert_exact(draft, expected, info):
    assert (draft.title, draft.kicker, draft.moderator) == (
        expected.title,
        expected.kicker,
        expected.moderator,
    ), info
    assert draft.lede == expected.lede, info
    got = [(c.panelist, c.title, c.paragraphs) for c in draft.chapters]
    assert len(got) == len(expected.chapters), info
    for g, e in zip(got, expected.chapters, strict=True):
        assert g[:2] == e[:2], info
        assert g[2] == e[2], info


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_generated_pages_import_exactly(seed: int):
    """Neighbouring articles differ in width by at least 2 ems; shared widths elsewhere.

    Derandomised so the default suite is repeatable (the draws follow the test's source, so
    editing this file draws other pages); ``make fuzz`` explores new pages.
    """
    data, expected, info = make_page(seed, min_step=2)
    _assert_exact(_import(data), expected, info)


@pytest.mark.parametrize("seed", [266, 50113, 830890314])
def test_a_standfirst_with_ocr_spaces_around_digits_stays_one_paragraph(seed: int):
    """The standfirst set 36 ems wide: its second line holds a squeezed 。 (W+1) and five
    spaces OCR put around digits (``2023 年``, ``突破 3 万亿元``) that the layout never had.
    Counted as quarter-em gaps they made it W+2.25, too full for a middle line, so the
    four lines read as two paragraphs at W=37 (``page.Line.slack``)."""
    data, expected, info = make_page(seed, min_step=2)
    _assert_exact(_import(data), expected, info)


@pytest.mark.fuzz
@pytest.mark.skipif(not FUZZ, reason="long run: set ZHPRESS_FUZZ=1 (make fuzz)")
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_generated_pages_import_exactly_fuzz(seed: int):
    data, expected, info = make_page(seed, min_step=2)
    _assert_exact(_import(data), expected, info)


@pytest.mark.parametrize("seed", [140952, 240946968])
def test_a_narrow_one_paragraph_article_is_not_read_as_short_paragraphs(seed: int):
    """Found by ``make fuzz``: a one-paragraph article set two ems narrower than its
    neighbours (240946968: 20, 18, 20) reads, line for line, like short paragraphs of the wider
    column (its full lines are the wider column's indented first lines), and a first line that
    ends a sentence (140952) looks like a last line. A last line may stop anywhere, so any one
    length of it is about 1 in W, less likely than a full middle line (paragraphs.LAST_LINE)."""
    data, expected, info = make_page(seed, min_step=2)
    _assert_exact(_import(data), expected, info)


@pytest.mark.parametrize("seed", [618610, 388911098])
def test_pages_make_fuzz_found_while_class_6_and_1_were_built(seed: int):
    """618610: the change of wording at a boundary weighed more than titles and widths;
    388911098: a body line with OCR spaces around digits (从 1 到 10 ”的) was taken for a
    vertical strip read as one spaced line."""
    data, expected, info = make_page(seed, min_step=2)
    _assert_exact(_import(data), expected, info)


def test_a_short_article_column_is_not_crowded_out_of_the_candidate_widths():
    """Found by ``make fuzz`` (seed 111835, widths 22, 12, 18, 12): a one-paragraph article of
    six lines at 18 ems had fewer width votes than the short widths the last lines of the
    other 250 lines spread over, so 18 was no candidate and its paragraph, read at 20, split
    into three at its sentence ends (``paragraphs.candidate_widths``)."""
    data, expected, info = make_page(111835, min_step=2)
    _assert_exact(_import(data), expected, info)


@pytest.mark.parametrize("seed", [352, 377])
def test_a_boundary_between_equal_widths_on_weak_evidence_is_on_the_review_list(seed: int):
    """Neighbours set at one width, nothing but the change of wording, the articles' lengths
    and where the echoes sit to place the boundary (these two are wrong by one paragraph:
    352 splits an article's intro from its text, 377 gives a one-paragraph article its
    neighbour's intro), and the review list says where to look."""
    data, expected, info = make_page(seed, min_step=0)
    draft = _import(data)
    got = [(c.panelist, c.title, c.paragraphs) for c in draft.chapters]
    assert got != expected.chapters, info  # a real miss, not a false alarm
    rows = [row for row in draft.review if "rests on weak evidence" in row]
    assert rows, (info, draft.review)
    assert all(row.startswith("generated.txt:") for row in rows)


@pytest.mark.parametrize("seed", [6, 158, 171, 207, 229, 290, 306, 346])
def test_neighbours_at_one_width_placed_by_echo_position_lengths_and_enumeration(seed: int):
    """Pages benchmarks/equal_width.py found wrong by a paragraph (or, 229 and 346, by a
    guessed split) before an echo in an article's opening paragraphs counted for it, an
    article of one paragraph counted against, and 一是 opening an article counted as much as
    一是 after a plain paragraph (158 and 306 were the review-list examples). Most stay on
    the review list: only soft signals place them, so they are right but not sure."""
    data, expected, info = make_page(seed, min_step=0)
    _assert_exact(_import(data), expected, info)


@pytest.mark.parametrize("seed", [4, 7, 13, 20, 22, 30])
def test_merged_vertical_headings_split_by_content(seed: int):
    """Pinned pages whose vertical runs lost their blank lines (names of 2 or 3 characters
    before a title that happens to start with a word of the text stay ambiguous)."""
    data, expected, info = make_page(seed, min_step=2, merge_vertical=True)
    assert info["merged_vertical"]
    _assert_exact(_import(data), expected, info)


@pytest.mark.parametrize("seed", [2, 8, 10, 17, 24, 25, 26])
def test_neighbouring_articles_of_equal_width_split_by_content_or_refuse(seed: int):
    """With equal neighbouring widths only title echoes and enumeration can split; pinned
    examples the importer gets right, or drafts with the doubt on the review list."""
    data, expected, info = make_page(seed, min_step=0)
    draft = _import(data)
    if any("match no article" in row for row in draft.review):
        assert len(draft.chapters) == len(expected.chapters)
        return
    _assert_exact(draft, expected, info)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_pages_with_furniture_import_exactly_and_account_for_it(seed: int):
    """A dateline header, a page label and a photo caption between two articles stay out of
    the text, are counted as furniture, and each is on the review list with its line."""
    data, expected, info = make_page(seed, min_step=2, furniture=True)
    draft = _import(data)
    _assert_exact(draft, expected, info)
    furniture = info["furniture"]
    assert draft.account.furniture == sum(len(line.replace(" ", "")) for line in furniture)
    listed = [row for row in draft.review if "page furniture" in row]
    assert {row.split(":")[0] for row in listed} == {"generated.txt"}
    assert len(listed) == 3, (info, listed)  # header, label, caption (however many lines)
    assert draft.language == "zh-Hans"


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_traditional_pages_import_exactly_with_their_own_quotes(seed: int):
    """A Hong Kong or Taiwan page: Traditional characters, 「」『』 in the text, ﹁﹂﹃﹄ in the
    vertical headings; the manuscript says zh-Hant and keeps the page's quotation style."""
    data, expected, info = make_page(seed, min_step=2, traditional=True)
    draft = _import(data)
    _assert_exact(draft, expected, info)
    assert draft.language == "zh-Hant"
    text = "".join(p for c in draft.chapters for p in c.paragraphs)
    assert "“" not in text and "「" in text


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_latin_and_digits_across_one_cell_of_a_vertical_title_import_exactly(seed: int):
    """縦中横: ``AI``, ``5G+``, ``2035`` on one line between one-character lines stay in
    their title instead of breaking the heading block."""
    data, expected, info = make_page(seed, min_step=2, across_one_cell=True)
    _assert_exact(_import(data), expected, info)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_traditional_pages_without_blank_lines_in_the_headings_split_names(seed: int):
    """Merged vertical headings on a Traditional page: 黃, 劉, 陳 … are surnames too."""
    data, expected, info = make_page(seed, min_step=2, traditional=True, merge_vertical=True)
    _assert_exact(_import(data), expected, info)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 5, 8, 13, 40, 77, 99])
def test_a_blank_line_between_every_line_still_splits_names_from_titles(seed: int):
    """Class 2: the OCR put a blank line between every two lines, the vertical headings'
    included, so no blank line marks where a name ends; the split comes from the content and
    the number of articles the column widths show. (97 of seeds 0-99 import exactly; 21, 36
    and 95 remain: a name's last character also starts an echoing title, 韩雨|国产业…, or
    a title's last character and the next name make a compound surname, …增长|孙磊军.)"""
    data, expected, info = make_page(seed, min_step=2, blank_between_every_line=True)
    _assert_exact(_import(data), expected, info)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    shape=st.sampled_from(["spaced", "brackets", "fragments"]),
)
def test_headings_read_as_tesseract_strips_import_exactly(seed: int, shape: str):
    """Class 6 shapes on generated pages: each vertical heading as Tesseract re-reads its
    strip, one spaced line (``谢 振 华 海上 风电``), the same with its vertical quotes read as
    ``[ ]`` (the title keeps its “”), or broken into two or three short lines (fragments)."""
    data, expected, info = make_page(seed, min_step=2, ocr_strips=shape)
    draft = _import(data)
    _assert_exact(draft, expected, info)
    listed = [row for row in draft.review if "spaced lines" in row]
    assert len(listed) == 1, (info, draft.review)


@pytest.mark.parametrize("seed", [114, 46])
def test_heading_fragments_join_their_strip(seed: int):
    """114: ``赵 晓 飞 从 ﹃`` / ``六新 ﹄`` / ``深刻 认识 新型 工业 化`` is one heading;
    46: ``全 面 推 动`` opens with a surname but is too short to be a heading of its own."""
    data, expected, info = make_page(seed, min_step=2, ocr_strips="fragments")
    assert len(info["strips"][-1 if seed == 114 else 1].split("\n")) == 3
    _assert_exact(_import(data), expected, info)


def test_brackets_read_for_vertical_quotes_become_the_pages_quotes():
    data, expected, info = make_page(7, min_step=2, ocr_strips="brackets")
    assert any("[" in strip for strip in info["strips"])
    draft = _import(data)
    _assert_exact(draft, expected, info)
    assert "从“六新”深刻认识新型工业化" in [c.title for c in draft.chapters]


def _merged_rows(draft) -> list[str]:
    return [row for row in draft.review if "tops of two columns" in row]


@pytest.mark.parametrize("seed", [0, 1, 2, 4, 5, 6, 7, 9, 11, 13])
def test_merged_column_tops_are_split_back_into_their_columns(seed: int):
    """Class 6: Tesseract read the tops of two neighbouring columns as one line; each half
    goes back to the paragraph its column continues, and the review list names the line."""
    data, expected, info = make_page(seed, min_step=2, merged_tops=True)
    assert info["merged_tops"], info
    draft = _import(data)
    _assert_exact(draft, expected, info)
    rows = _merged_rows(draft)
    assert len(rows) == len(info["merged_tops"]), (info, rows)
    assert all(row.startswith("generated.txt:") for row in rows)


def test_merged_column_tops_are_found_and_mostly_routed_exactly():
    """Over generated pages with merged tops (seeds 0-29, 80 merged lines): every page whose
    merged lines were all routed right imports exactly, and nearly every merged line is on the
    review list. Measured when written: 21 of 30 pages exact, 76 of 80 lines listed (the
    misses: a column's top beside a wider article's column is no wider than that column)."""
    exact = listed = total = 0
    for seed in range(30):
        data, expected, info = make_page(seed, min_step=2, merged_tops=True)
        draft = _import(data)
        rows = "".join(_merged_rows(draft)).replace(" ", "").replace("'and'", "")
        total += len(info["merged_tops"])
        listed += sum(1 for m in info["merged_tops"] if m.replace(" ", "") in rows)
        got = [(c.panelist, c.title, c.paragraphs) for c in draft.chapters]
        exact += got == expected.chapters
    assert listed >= 0.93 * total, (listed, total)
    assert exact >= 21, exact


@settings(max_examples=15, deadline=None, derandomize=True)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_a_tesseract_body_without_merges_is_left_alone(seed: int):
    """The repair never fires on columns OCR read apart: a blank line at every paragraph start
    and column break, and no line wider than its column."""
    data, _expected, info = make_page(seed, min_step=2, tesseract_body=True)
    draft = _import(data)
    assert not _merged_rows(draft), (info, draft.review)
