"""The fast structural check that every CFF face draws, for each code, the glyph whose CID is
that code: it names the faces of the broken fixture (subsets that kept Noto's CIDs, which
Ghostscript and MuPDF drew nearly blank) and passes the seed book, in milliseconds."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from conftest import BOOK
from fontTools.ttLib import TTFont

from zhpress.checks.cidfonts import cff_table, check_fonts, cid_fonts, read_charset
from zhpress.checks.outputs import ERROR, OK, Outputs
from zhpress.checks.pdf_objects import check_cid_fonts
from zhpress.checks.pdfscan import drawn_text, read_objects
from zhpress.manuscript.load import load_book

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = {
    "reader": FIXTURES / "broken-cids-reader.pdf",
    "press": FIXTURES / "broken-cids-press.pdf",
}
FACES = ("zhpress-serif", "zhpress-sans-bold-Bold")


@pytest.mark.parametrize("edition", ["reader", "press"])
def test_the_broken_fixture_is_named_face_by_face(edition):
    objects = read_objects(BROKEN[edition])
    reports = check_fonts(objects, drawn_text(objects).codes)
    wrong = {r.name.split("+")[1]: r for r in reports if r.wrong}
    for face in FACES:
        assert face in wrong, face
        assert len(wrong[face].wrong) == wrong[face].codes > 10


def test_the_check_reports_an_error_naming_the_font_on_the_broken_fixture():
    findings = check_cid_fonts(Outputs(load_book(BOOK), BROKEN))
    errors = [f for f in findings if f.severity == ERROR]
    assert {f.edition for f in errors} == {"reader", "press"}
    assert any("zhpress-serif" in f.message and "CID" in f.message for f in errors)


def test_the_check_passes_the_seed_book_in_milliseconds(seed_dist):
    paths = {e: seed_dist[e] for e in ("reader", "press")}
    out = Outputs(load_book(BOOK), paths)
    for edition in paths:
        out.drawn(edition)  # shared with the other fast checks; not this check's cost
    started = time.perf_counter()
    findings = check_cid_fonts(out)
    took = time.perf_counter() - started
    assert [f.severity for f in findings] == [OK, OK], findings
    assert "3 CFF face(s)" in findings[0].message
    assert took < 0.05, f"{took:.3f} s"


@pytest.mark.parametrize("which", ["seed", "broken"])
def test_the_charset_reader_agrees_with_fonttools(seed_dist, which):
    """The check reads CFF itself (fontTools costs 0.1 s to import); it must read what
    fontTools reads, for the identity charsets of the build and the kept CIDs of the fixture."""
    path = seed_dist["press"] if which == "seed" else BROKEN["press"]
    fonts = cid_fonts(read_objects(path))
    assert len(fonts) >= 2
    for name, data in fonts.values():
        ours = read_charset(cff_table(data))
        top = TTFont(io.BytesIO(data))["CFF "].cff.topDictIndex[0]
        theirs = [0] + [int(n.removeprefix("cid")) for n in top.charset[1:]]
        assert ours.cid_keyed, name
        assert ours.cids == theirs, name
        identity = ours.cids == list(range(len(ours.cids)))
        assert identity == (which == "seed"), name
