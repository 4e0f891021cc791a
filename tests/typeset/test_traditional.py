"""A Traditional book (tests/fixtures/hant, written for these tests: 「」『』, centred marks,
digits and Latin next to Han) is set in the TC faces, with its pause and stop marks centred and
never compressed, and every CLREQ measure of ``benchmarks/typography.py`` at zero."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import EPOCH, ROOT, build_at_trim

from zhpress import cjk
from zhpress.checks.pdfmeasure import measure_edition
from zhpress.editions.paths import edition_paths
from zhpress.manuscript.load import load_book
from zhpress.typeset.compose import prepare
from zhpress.typeset.faces import resolve_faces
from zhpress.typeset.geometry import geometry_of
from zhpress.typeset.shaper import Shaper
from zhpress.typeset.subset import off_centre_marks, subset_file

HANT = ROOT / "tests" / "fixtures" / "hant"
EM = 10.0


def embedded_families(path: Path) -> set[str]:
    """The family names in the name tables of the font programs a PDF embeds: what a print
    shop's preflight reads (the BaseFont is only the CSS family, zhpress-serif)."""
    import pikepdf
    from fontTools.ttLib import TTFont

    found = set()
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
                continue
            for key in ("/FontFile2", "/FontFile3"):
                if key in obj:
                    font = TTFont(io.BytesIO(obj[key].read_bytes()))
                    found.add(font["name"].getDebugName(1))
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("hant") / "dist"
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--book", str(HANT), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "warning" not in result.stderr
    assert " 0 error(s)" in result.stderr, result.stderr  # the fast checks, all clean
    return edition_paths(load_book(HANT), out)


@pytest.mark.slow
def test_the_book_is_set_in_the_tc_faces_in_both_pdfs(built):
    for edition in ("reader", "press"):
        families = embedded_families(built[edition])
        assert families == {"Noto Serif CJK TC", "Noto Sans CJK TC", "LXGW WenKai"}, families


@pytest.mark.slow
def test_the_epub_subsets_are_the_tc_faces(built):
    from fontTools.ttLib import TTFont

    with zipfile.ZipFile(built["epub"]) as epub:
        names = [n for n in epub.namelist() if n.startswith("EPUB/fonts/")]
        families = {
            n.rsplit("/", 1)[1]: TTFont(io.BytesIO(epub.read(n)))["name"].getDebugName(1)
            for n in names
        }
        css = epub.read("EPUB/styles/fonts.css").decode("utf-8")
        nav = epub.read("EPUB/text/nav.xhtml").decode("utf-8")
    assert families["serif.otf"] == "Noto Serif CJK TC"
    assert families["sans-bold.otf"] == "Noto Sans CJK TC"
    # The kai face's 、。， sit in the bottom left: its @font-face leaves them to the serif.
    kai_rule = css.split('font-family: "zhpress-kai"')[1].split("}")[0]
    assert "U+0-3000, U+3003-" in kai_rule, kai_rule
    assert "目錄" in nav and "目录" not in nav
    assert 'xml:lang="zh-Hant"' in nav


@pytest.mark.slow
@pytest.mark.parametrize("edition", ["reader", "press"])
def test_every_clreq_measure_is_zero(built, edition):
    book = load_book(HANT)
    report = measure_edition(built[edition], book, geometry_of(book))
    assert report.lines_checked > 30
    # Every pause and stop mark of a Traditional book is measured, not only lone ones.
    assert report.marks_checked > 80
    assert report.quarter_em_checked > 20
    for what in (
        "short_lines",
        "overfull_lines",
        "squeezed_marks",
        "prohibited",
        "quarter_em",
        "wrong_detail",
        "widows",
        "lone_last_chars",
    ):
        assert getattr(report, what) == [], (what, getattr(report, what))


@pytest.mark.slow
def test_kai_text_takes_its_centred_marks_from_the_serif(built):
    import pdfplumber

    with pdfplumber.open(str(built["reader"])) as pdf:
        chars = pdf.pages[0].chars
    lede_marks = [c for c in chars if c["text"] in "，。、" and c["size"] == pytest.approx(10.5)]
    assert lede_marks
    assert {c["fontname"].split("+")[1] for c in lede_marks} == {"zhpress-serif"}
    text = "".join(c["text"] for c in chars)
    assert "本期嘉賓" in text and "嘉宾" not in text


@pytest.fixture(scope="module")
def tc_shaper() -> Shaper:
    face = resolve_faces(roles=("serif",), variant="TC")["serif"]
    return Shaper(subset_file(face, "人說：「騎樓」。！，『好』？、"), "zh-Hant")


def _gaps(shaper: Shaper, text: str, centred: frozenset[str]) -> dict[str, float]:
    p = prepare(
        [(text, "serif")],
        EM,
        lambda t, role, script: shaper.shape(t, script),
        lambda ch, role: shaper.ink(ch),
        centred,
    )
    pairs = zip(p.glyphs, p.glyphs[1:], p.gap[1:], strict=False)
    return {f"{a.text}{b.text}": gap for a, b, gap in pairs}


def test_centred_marks_keep_their_em_and_brackets_give_up_their_blank(tc_shaper):
    gaps = _gaps(tc_shaper, "人說：「騎樓」。！」，『好』？、", cjk.CENTRED_IN_TRADITIONAL)
    assert gaps["：「"] == pytest.approx(-0.5 * EM)  # the bracket's blank, not the colon's
    assert gaps["」。"] == pytest.approx(-0.5 * EM)
    assert gaps["。！"] == 0 and gaps["！」"] == 0 and gaps["？、"] == 0
    assert gaps["」，"] == pytest.approx(-0.5 * EM)
    assert gaps["，『"] == pytest.approx(-0.5 * EM)


def test_the_rule_holds_whatever_the_ink_says(tc_shaper):
    # Judged by its ink alone, a Traditional book's mark is left alone only by a hair (the TC
    # ！ ends 0.553 em in, the line is 0.55 em) and a face set in fonts: whose marks sit at
    # the left (here LXGW WenKai's) would be closed up against the bracket; the rule keeps
    # every pause and stop mark of a Traditional book at its full em.
    assert tc_shaper.ink("！")[2] == pytest.approx(0.55, abs=0.01)
    kai = resolve_faces(roles=("kai",))["kai"]
    shaper = Shaper(subset_file(kai, "好！」，「"), "zh-Hant")
    assert _gaps(shaper, "好！」，「", frozenset())["！」"] == pytest.approx(-0.5 * EM)
    gaps = _gaps(shaper, "好！」，「", cjk.CENTRED_IN_TRADITIONAL)
    assert gaps["！」"] == 0
    assert gaps["」，"] == pytest.approx(-0.5 * EM)  # the bracket still gives up its blank


def test_faces_by_variant():
    for variant in ("TC", "HK"):
        faces = resolve_faces(variant=variant)
        assert faces["serif"].family == f"Noto Serif CJK {variant}"
        assert faces["sans-bold"].family == f"Noto Sans CJK {variant}"
        assert faces["kai"].family == "LXGW WenKai"
        assert off_centre_marks(faces["serif"], "、，。：；！？") == frozenset()
        assert off_centre_marks(faces["kai"], "、，。") == frozenset("、，。")
    assert resolve_faces()["serif"].family == "Noto Serif CJK SC"


@pytest.mark.slow
@pytest.mark.parametrize("trim", ["32开", "16开"])
def test_every_clreq_measure_is_zero_at_the_other_trims(tmp_path, monkeypatch, trim):
    book, paths = build_at_trim(HANT, tmp_path, trim, monkeypatch)
    for edition in ("reader", "press"):
        report = measure_edition(paths[edition], book, geometry_of(book))
        assert report.lines_checked > 30
        problems = (
            report.short_lines
            + report.overfull_lines
            + report.squeezed_marks
            + report.prohibited
            + report.quarter_em
            + report.wrong_detail
            + report.widows
            + report.lone_last_chars
        )
        assert problems == [], (trim, edition, problems)
