"""Search finds what the reader sees (issue 11, item 4).

The print editions keep CLREQ's 1/4 em between Chinese and Western text, and a copy of the
text must still be the manuscript: poppler (evince, pdftotext), PDFium (Chrome) and MuPDF
read a gap between glyphs as a space, so ``突破3万亿`` must come out of each of them as
written. Every mixed word here is found with a regular expression of its own (not the
product's ``widegap.boundary_tokens``), in the text each real extractor gives.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import BOOK, write_book
from zhpress.manuscript.load import load_book

EXTRACTORS = ("poppler", "pdfium", "mupdf")

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(r"[!-~]+")  # printable ASCII, no space: a Western word or number

needs_tools = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("mutool")),
    reason="pdftotext (poppler-utils) and mutool (mupdf-tools) are needed",
)


def _han(ch: str) -> bool:
    return bool(re.match(f"[{_HAN}]", ch))


def mixed_words(text: str) -> list[str]:
    """``破3万``, ``至2023年``, ``业IP化``: each Western word or number of ``text`` that
    touches an ideograph, with the ideographs beside it."""
    words = []
    for m in _RUN.finditer(text):
        if not any(ch.isalnum() for ch in m.group()):
            continue
        before = text[m.start() - 1] if m.start() > 0 and _han(text[m.start() - 1]) else ""
        after = text[m.end()] if m.end() < len(text) and _han(text[m.end()]) else ""
        if before or after:
            words.append(before + m.group() + after)
    return words


def manuscript_words(book) -> Counter[str]:
    """Every mixed word of the book's visible text (titles, standfirst, paragraphs)."""
    from zhpress.checks.text_reaches_editions import manuscript_units

    found: Counter[str] = Counter()
    for unit in manuscript_units(book):
        for segment in unit.segments:
            found.update(mixed_words(segment.spaced or segment.text))
    return found


def extract(path: Path, extractor: str) -> str:
    """The text of the whole PDF as ``extractor`` gives it, lines joined: whitespace at a
    line's end or start is layout, anything else is the extractor's reading."""
    if extractor == "poppler":
        out = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    elif extractor == "mupdf":
        out = subprocess.run(
            ["mutool", "draw", "-q", "-F", "txt", "-o", "-", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    else:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        try:
            out = "\n".join(page.get_textpage().get_text_range() for page in pdf)
        finally:
            pdf.close()
    return re.sub(r"[ \t\u00a0]*[\r\n\f]+[ \t\u00a0]*", "", out)


def unfound(path: Path, extractor: str, words: Counter[str]) -> dict[str, int]:
    """Mixed words the extractor's text holds fewer times than the manuscript: word ->
    times found."""
    text = extract(path, extractor)
    return {w: text.count(w) for w, n in words.items() if text.count(w) < n}


def spaced_boundaries(path: Path, extractor: str, words: Counter[str]) -> int:
    """Places where the extractor puts a space between an ideograph and a letter or digit
    that touch in one of the manuscript's mixed ``words`` (the colophon's label and value are
    set apart on purpose, and PDFium reads that gap as a space too)."""
    pairs = {w[i : i + 2] for w in words for i in range(len(w) - 1)}
    pattern = rf"([{_HAN}])[ \u00a0]+([0-9A-Za-z])|([0-9A-Za-z])[ \u00a0]+([{_HAN}])"
    found = re.finditer(pattern, extract(path, extractor))
    return sum("".join(g for g in m.groups() if g) in pairs for m in found)


def test_mixed_words_are_found_by_the_regex():
    text = "后3万亿时代，至2023年10月，产业IP化，全市54%规上，A和B，Hello world。"
    assert mixed_words(text) == ["后3万", "至2023年", "年10月", "业IP化", "市54%规", "A和", "和B"]


@needs_tools
@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize("edition", ["reader", "press"])
def test_every_extractor_gives_the_mixed_words_as_written(seed_dist, edition, extractor):
    words = manuscript_words(load_book(BOOK))
    assert sum(words.values()) >= 20 and "破3万" in words and "2023年" in words
    assert unfound(seed_dist[edition], extractor, words) == {}


# --- The gap is on the page, where it was ------------------------------------------------

MIXED = """---
panelist: 王小明
title: 突破3万亿元
---

佛山规上工业总产值突破3万亿元，截至2023年10月，全市有54%的企业完成数字化改造，产业IP化成为新的增长点，A和B两类企业都在推进“工业4万亿”的目标，5G基站覆盖全市。

**数字化**5G时代，*全市54%规上工业*企业上云，Z世代消费者占比超过3成，后3万亿时代怎么走？
"""


def _small_pdfs(tmp_path: Path, monkeypatch) -> tuple[object, Path, Path]:
    """The same small book written twice: as today (the 1/4 em inside the ideograph's wide
    form) and as before (a gap between glyphs, ``widegap.mark`` switched off)."""
    from zhpress.editions.pdf import write_reader
    from zhpress.typeset import composed_book as pdf_module
    from zhpress.typeset import widegap

    book = load_book(write_book(tmp_path / "book", chapters={"01-mixed.md": MIXED}))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    new = tmp_path / "new.pdf"
    old = tmp_path / "old.pdf"
    monkeypatch.setattr(pdf_module, "_PIECES", {})
    monkeypatch.setattr(pdf_module, "_COMPOSED", {})
    write_reader(book, new)
    monkeypatch.setattr(pdf_module, "_PIECES", {})
    monkeypatch.setattr(pdf_module, "_COMPOSED", {})
    monkeypatch.setattr(widegap, "mark", lambda glyphs, *args: glyphs)
    write_reader(book, old)
    return book, new, old


@pytest.fixture
def small(tmp_path, monkeypatch):
    return _small_pdfs(tmp_path, monkeypatch)


@needs_tools
def test_the_extractors_read_a_space_into_the_old_gap_and_none_into_the_wide_form(small):
    book, new, old = small
    words = manuscript_words(book)
    assert sum(words.values()) >= 15
    for extractor in EXTRACTORS:
        # What this test guards against: the gap as it was is read as a space by all three.
        assert len(unfound(old, extractor, words)) >= 10, extractor
        assert spaced_boundaries(old, extractor, words) >= 15, extractor
        assert unfound(new, extractor, words) == {}, extractor
        assert spaced_boundaries(new, extractor, words) == 0, extractor


def _chars(path: Path) -> list[dict]:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return [dict(c, page=p.page_number) for p in pdf.pages for c in p.chars]


def _em_box(c: dict, old: dict) -> float:
    """Where the old glyph's box sits inside the new (maybe wide) one: its x0."""
    extra = (c["x1"] - c["x0"]) - (old["x1"] - old["x0"])
    return min((c["x0"] + k * extra for k in (0, 0.5, 1)), key=lambda x: abs(x - old["x0"]))


def test_every_glyph_stays_where_it_was_and_the_gap_is_a_quarter_em(small):
    _, new, old = small
    a, b = _chars(old), _chars(new)
    assert [c["text"] for c in a] == [c["text"] for c in b]
    wide = 0
    for o, n in zip(a, b, strict=True):
        em = o["size"]
        assert abs(n["top"] - o["top"]) < 1e-3
        if n["x1"] - n["x0"] > o["x1"] - o["x0"] + 0.01 * em:
            wide += 1
            # A wide form is 1/4 em (or, between two runs, 1/2 em) wider than the ideograph.
            extra = (n["x1"] - n["x0"]) - (o["x1"] - o["x0"])
            assert min(abs(extra - 0.25 * em), abs(extra - 0.5 * em)) < 0.01 * em
        # Kerning in WeasyPrint's TJ arrays is truncated to 1/1000 em per glyph, and a glyph
        # that opens a box of its own is drawn where the layout put it: 0.02 em at most.
        assert abs(_em_box(n, o) - o["x0"]) < 0.02 * em, (o["text"], o["x0"], n["x0"])
    assert wide >= 15
    # The visible gap: between an ideograph's em box and the Western glyph beside it.
    checked = 0
    for i in range(1, len(b)):
        x, y = b[i - 1], b[i]
        if not _touching(x, y):
            continue  # another line, or set apart (the colophon's label and value)
        if _han(x["text"]) and _western(y["text"]):
            seen = y["x0"] - _ideograph_box(b, i - 1)[1]
        elif _western(x["text"]) and _han(y["text"]):
            seen = _ideograph_box(b, i)[0] - x["x1"]
        else:
            continue
        em = x["size"]
        assert abs(y["x0"] - x["x1"]) < 0.01 * em  # no gap between the glyphs: no space
        assert abs(seen - 0.25 * em) < 0.02 * em, (x["text"], y["text"], seen / em)
        checked += 1
    assert checked >= 25


def _western(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _touching(a: dict, b: dict) -> bool:
    """Side by side on one line, less than 1/2 em apart."""
    same_line = a["page"] == b["page"] and abs(a["top"] - b["top"]) < 0.5
    return same_line and abs(b["x0"] - a["x1"]) < 0.5 * a["size"]


def _ideograph_box(chars: list[dict], i: int) -> tuple[float, float]:
    """The em box of the ideograph ``chars[i]`` inside its advance: the advance is wider by
    1/4 em on each side where a Western glyph on the same line touches it."""
    c = chars[i]
    left = i > 0 and _touching(chars[i - 1], c) and _western(chars[i - 1]["text"])
    right = i + 1 < len(chars) and _touching(c, chars[i + 1]) and _western(chars[i + 1]["text"])
    extra = (c["x1"] - c["x0"]) - c["size"]
    if left and right:
        return c["x0"] + extra / 2, c["x1"] - extra / 2
    return (c["x0"] + extra, c["x1"]) if left else (c["x0"], c["x1"] - extra)


def _render(path: Path, engine: str, page: int, dpi: int = 100):
    from PIL import Image

    if engine == "poppler":
        cmd = ["pdftoppm", "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page), str(path)]
    elif engine == "gs":
        cmd = [
            "gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pnggray", f"-r{dpi}",
            "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4",
            f"-dFirstPage={page}", f"-dLastPage={page}",
            "-sOutputFile=-", str(path),
        ]  # fmt: skip
    else:
        cmd = ["mutool", "draw", "-q", "-r", str(dpi), "-c", "gray", "-F", "png", "-o", "-"]
        cmd += [str(path), str(page)]
    data = subprocess.run(cmd, capture_output=True, check=True).stdout
    return Image.open(io.BytesIO(data)).convert("L")


def _page_of_text(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            if "佛山规上工业" in "".join(c["text"] for c in page.chars):
                return page.page_number
    raise AssertionError("the paragraph is on no page")


@needs_tools
@pytest.mark.skipif(not shutil.which("gs"), reason="Ghostscript is needed")
def test_every_engine_draws_the_wide_forms_where_the_old_glyphs_were(small):
    """poppler, Ghostscript and MuPDF render the page of the mixed text as they rendered it
    with the old gap: the wide forms are drawn (CID i is still glyph i in the CFF faces) and
    no glyph moves by more than a pixel at 100 dpi. (Ghostscript puts each glyph on whole
    pixels, so a shift of a tenth of a point may move one by a pixel; a glyph missing or out
    by a quarter em changes far more.)"""
    from PIL import ImageChops, ImageFilter

    _, new, old = small
    page = _page_of_text(new)
    assert _page_of_text(old) == page
    for engine in ("poppler", "gs", "mupdf"):
        before, after = _render(old, engine, page), _render(new, engine, page)
        assert before.size == after.size
        # Darker than anything within a pixel of it before, or lighter: ink added or lost.
        darker = ImageChops.subtract(before.filter(ImageFilter.MinFilter(3)), after)
        lighter = ImageChops.subtract(after, before.filter(ImageFilter.MaxFilter(3)))
        assert darker.getextrema()[1] <= 128, engine
        assert lighter.getextrema()[1] <= 128, engine


def test_the_subset_has_wide_forms_chosen_by_ss19_and_ss20():
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    from zhpress.typeset.faces import resolve_faces
    from zhpress.typeset.subset import subset_face

    for role in ("serif", "kai"):
        face = resolve_faces(roles=(role,))[role]
        data = subset_face(face, "破万年和3", wide=("破和", "万和"))
        font = hb.Font(hb.Face(data))
        advances = {}
        for features in ({}, {"ss19": True}, {"ss20": True}, {"ss19": True, "ss20": True}):
            buf = hb.Buffer()
            buf.add_str("破万和")
            buf.guess_segment_properties()
            hb.shape(font, buf, features)
            advances[tuple(features)] = [p.x_advance for p in buf.glyph_positions]
        upem = font.face.upem
        q = upem // 4
        assert advances[()] == [upem, upem, upem]
        assert advances[("ss19",)] == [upem + q, upem, upem + q]
        assert advances[("ss20",)] == [upem, upem + q, upem + q]
        assert advances[("ss19", "ss20")] == [upem + q, upem + q, upem + 2 * q]
        tt = TTFont(io.BytesIO(data))
        if "CFF " in tt:
            top = tt["CFF "].cff.topDictIndex[0]
            assert list(top.charset)[1:] == [f"cid{i:05d}" for i in range(1, len(top.charset))]
        # The left form's outline is the ideograph's, moved right by 1/4 em.
        glyphs = tt.getGlyphSet()
        order = tt.getGlyphOrder()
        base = tt.getBestCmap()[ord("万")]
        from fontTools.pens.boundsPen import BoundsPen

        def bounds(name, glyphs=glyphs):
            pen = BoundsPen(glyphs)
            glyphs[name].draw(pen)
            return pen.bounds

        shifted = [n for n in order if n != base and bounds(n) is not None]
        x0, y0, x1, y1 = bounds(base)
        assert (x0 + q, y0, x1 + q, y1) in [bounds(n) for n in shifted]


def test_the_fast_check_catches_the_old_gap(small):
    from zhpress.checks import run as check

    book, new, old = small
    found = check.run_checks(book, {"reader": old}, [check.check_search])
    errors = [f for f in found if f.severity == check.ERROR]
    assert len(errors) >= 10 and "'破3万' found 0 of" in " ".join(f.message for f in errors)
    found = check.run_checks(book, {"reader": new}, [check.check_search])
    assert [f.severity for f in found] == [check.OK]


def test_a_word_cut_by_a_page_break_is_no_search_problem():
    """Found by the fuzz test: a mixed word whose halves sit on two pages, the folio drawn
    between them, is cut by the page, not by a gap read as a space."""
    from zhpress.typeset.widegap import unsearchable

    words = {"协3万": (2, "01.md:3")}
    pages = [["……突破协3万亿。", "……协"], ["3", "3万亿元……"]]
    assert unsearchable(words, pages) == []
    spaced = [["……突破协 3万亿。", "……协"], ["3", "3万亿元……"]]
    assert unsearchable(words, spaced) == [
        "01.md:3: '协3万' found 1 of 2 time(s), a copy reads a space in it"
    ]


def test_neighbouring_mixed_words_that_share_an_ideograph_are_each_found():
    """Found by the fuzz test: 侤Kú…侤Kú…侤 has one token per run, each sharing its closing
    ideograph with the next; a count that skips overlaps found half of them."""
    from zhpress.typeset.widegap import boundary_tokens, unsearchable

    text = "侤Kú" * 5 + "侤"
    tokens = boundary_tokens(text)
    assert tokens == ["侤Kú侤"] * 5
    assert unsearchable({"侤Kú侤": (5, "01.md:3")}, [[text]]) == []
