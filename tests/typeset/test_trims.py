"""Every documented trim sets the seed book with the checks clean and the CLREQ measures of
``benchmarks/typography.py`` at zero. At 32开 and 16开 a paragraph's final 。 used to end a
last line one em past the measure (the composer squeezed it in, then set the last line
unsqueezed)."""

from __future__ import annotations

import pytest
from conftest import BOOK, build_at_trim

from zhpress.checks.pdfmeasure import measure_edition
from zhpress.checks.pdfscan import read_objects
from zhpress.typeset.geometry import MM, TRIMS, geometry_of

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("trim", list(TRIMS))
def test_the_seed_book_builds_clean_at_every_trim(tmp_path, monkeypatch, trim):
    # The fast checks run and raise ChecksFailed on any error (the lines past the measure).
    book, paths = build_at_trim(BOOK, tmp_path, trim, monkeypatch)
    geometry = geometry_of(book)
    assert geometry.trim.name == trim
    for edition in ("reader", "press"):
        objects = read_objects(paths[edition])
        x0, y0, x1, y1 = objects.page(objects.pages[0])["/TrimBox"]
        assert (x1 - x0) / MM == pytest.approx(TRIMS[trim].width_mm, abs=0.1)
        assert (y1 - y0) / MM == pytest.approx(TRIMS[trim].height_mm, abs=0.1)
        report = measure_edition(paths[edition], book, geometry)
        assert report.lines_checked > 120  # 184 at A5, 143 at 16开
        measures = {
            "short": report.short_lines,
            "past the measure": report.overfull_lines,
            "prohibited": report.prohibited,
            "squeezed marks": report.squeezed_marks,
            "not 1/4 em": report.quarter_em,
            "text layer": report.wrong_detail,
            "widows": report.widows,
            "lone last characters": report.lone_last_chars,
        }
        assert {k: v for k, v in measures.items() if v} == {}, (edition, trim)
