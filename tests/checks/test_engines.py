"""Both PDFs draw the same ink on every page in poppler, Ghostscript, MuPDF and PDFium.

Poppler and PDFium forgave the CFF subsets that kept Noto's CIDs; Ghostscript and MuPDF, like a
print shop's RIP, drew 4% of the text. The fixture keeps two pages of each broken PDF (fonts
cut down to those pages' glyphs with their CIDs as they were, see fixtures/make_broken_cids.py):
the same comparison must fail on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BOOK

from zhpress.checks import engines
from zhpress.checks.engines import ENGINES, available, compare, in_own_black
from zhpress.checks.outputs import ERROR, OK, SKIPPED, Outputs
from zhpress.checks.run import check_engines
from zhpress.manuscript.load import load_book

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = {
    "reader": FIXTURES / "broken-cids-reader.pdf",
    "press": FIXTURES / "broken-cids-press.pdf",
}

missing = [e for e, there in available().items() if not there]
needs_engines = pytest.mark.skipif(
    bool(missing), reason=f"not installed: {missing} (tools/system-deps.sh --test)"
)


@needs_engines
@pytest.mark.parametrize("edition", ["reader", "press"])
def test_every_engine_draws_every_page_of_the_seed_book_like_poppler(seed_dist, edition):
    comparison = compare(seed_dist[edition])
    assert set(comparison.inks) == set(ENGINES)
    pages = len(comparison.inks["poppler"])
    assert pages >= 10
    assert all(len(inks) == pages for inks in comparison.inks.values())
    # Text pages carry a few per cent of ink: an empty rendering cannot pass.
    assert max(comparison.inks["poppler"]) > 0.03
    assert comparison.problems == []


@needs_engines
@pytest.mark.parametrize("edition", ["reader", "press"])
def test_the_comparison_fails_on_the_broken_fixture(edition):
    comparison = compare(BROKEN[edition])
    failing = {p.split()[0] for p in comparison.problems}
    assert failing == {"ghostscript", "mupdf"}, comparison.problems
    # PDFium forgives the fonts as poppler does.
    low, high = comparison.spread("pdfium")
    assert 0.85 <= low <= high <= 1.15
    # On the text page, the strict engines draw almost nothing.
    for engine in ("ghostscript", "mupdf"):
        assert min(r for r in comparison.ratios(engine) if r is not None) < 0.1


@needs_engines
def test_check_runs_the_engines_on_the_seed_and_fails_the_fixture(seed_dist):
    book = load_book(BOOK)
    good = check_engines(Outputs(book, {e: seed_dist[e] for e in ("reader", "press")}))
    assert [(f.edition, f.severity) for f in good] == [("reader", OK), ("press", OK)], good
    assert "ghostscript" in good[0].message and "pdfium" in good[0].message
    bad = check_engines(Outputs(book, BROKEN))
    assert {f.edition for f in bad if f.severity == ERROR} == {"reader", "press"}


@needs_engines
def test_engines_that_are_not_installed_are_skipped_with_a_note(seed_dist, monkeypatch):
    monkeypatch.setattr(
        engines, "available", lambda: {e: e in ("poppler", "pdfium") for e in ENGINES}
    )
    findings = check_engines(Outputs(load_book(BOOK), {"reader": seed_dist["reader"]}))
    assert findings[0].severity == SKIPPED
    assert "ghostscript" in findings[0].message and "mupdf" in findings[0].message
    assert [f.severity for f in findings[1:]] == [OK]
    assert "pdfium" in findings[1].message and "mupdf" not in findings[1].message


def test_ink_is_counted_in_the_engines_own_black_but_a_blank_rendering_is_not_scaled_up():
    # Ghostscript and PDFium draw the press file's CMYK black as grey 32 of 255.
    grey = 1 - 32 / 255
    assert in_own_black([(0.05 * grey, grey), (0.01 * grey, 0.6)]) == pytest.approx([0.05, 0.01])
    # Nothing dark anywhere (the text missing): the raw ink stays, and fails the comparison.
    assert in_own_black([(0.001, 0.3), (0.0, 0.0)]) == [0.001, 0.0]
    assert in_own_black([]) == []
