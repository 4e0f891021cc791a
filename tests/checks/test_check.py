"""Preflight: `python build.py check` on the seed book finds nothing, the fast checks stay
well under 0.3 s, and planted defects are caught (a glyph missing from a face, a paragraph
dropped from one edition, RGB colour in the print CSS)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import BOOK, EPOCH, ROOT, write_book
from zhpress.builder.pipeline import build
from zhpress.checks import lines
from zhpress.checks import run as check
from zhpress.editions.paths import edition_paths
from zhpress.errors import ChecksFailed
from zhpress.manuscript.load import load_book

CHAPTERS = {
    "01-a.md": "---\npanelist: 王小明\ntitle: 第一篇\n---\n\n第一段，含3个数字。\n\n"
    "第二段写得长一些，好让它排成不止一行："
    + "中文排版的标准是每一行都对齐到版心两端。" * 4
    + "\n\n最后一段。\n",
    "02-b.md": "---\npanelist: 李四\ntitle: 第二篇\n---\n\n只有一段“引号”。\n",
}


def errors(findings: list[check.Finding]) -> list[check.Finding]:
    return [f for f in findings if f.severity == check.ERROR]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    """A small book and its three editions, built once for this module."""
    root = write_book(tmp_path_factory.mktemp("small") / "book", chapters=CHAPTERS)
    out = root.parent / "dist"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        build(root, out, run_checks=False, force=True)
    return root, edition_paths(load_book(root), out)


def planted(small, tmp_path: Path, edition: str, data: bytes) -> tuple[Path, dict[str, Path]]:
    """A copy of the small book's dist/ with one edition replaced by ``data``."""
    root, paths = small
    out = tmp_path / "dist"
    out.mkdir()
    new = {}
    for name, path in paths.items():
        new[name] = out / path.name
        shutil.copyfile(path, new[name])
    new[edition].write_bytes(data)
    return root, new


def test_check_on_the_seed_book_reports_nothing(seed_dist):
    out = seed_dist["reader"].parent
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "check", "--book", str(BOOK), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[2:] if line.strip()][:-1]
    statuses = {(row[0], row[1]): row[2] for row in rows}
    assert set(statuses.values()) == {"ok"}, result.stdout
    for edition in ("reader", "press"):
        for name in ("fonts", "glyphs", "text", "lines", "typography", "safety"):
            assert statuses[(edition, name)] == "ok"
    for name in ("pdf/x", "boxes", "colour"):
        assert statuses[("press", name)] == "ok"
    assert statuses[("epub", "epubcheck")] == "ok" or shutil.which("java") is None
    assert statuses[("epub", "text")] == "ok"
    assert "check: 0 error(s), 0 warning(s)" in result.stdout


def test_fast_checks_pass_the_seed_well_under_0_3_s(seed_dist):
    book = load_book(BOOK)
    import zhpress.editions.pdf  # noqa: F401  (a build has imported it already)

    timings = []
    for _ in range(3):
        started = time.perf_counter()
        findings = check.run_checks(book, seed_dist, check.FAST_CHECKS)
        timings.append(time.perf_counter() - started)
    assert errors(findings) == []
    assert {f.severity for f in findings} == {check.OK}
    text = [f for f in findings if f.check == "text"]
    assert len(text) == 3 and all("all in order" in f.message for f in text)
    assert min(timings) < 0.3, timings


def test_small_book_passes(small):
    root, paths = small
    findings = check.run_checks(load_book(root), paths, check.FAST_CHECKS)
    assert errors(findings) == [], findings


def _without_paragraph(epub: bytes, doc: str, number: int) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(epub))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(doc):
                paragraphs = list(re.finditer(rb"<p>.*?</p>\n", data, re.S))
                cut = paragraphs[number]
                data = data[: cut.start()] + data[cut.end() :]
            target.writestr(info, data)
    return out.getvalue()


def test_a_paragraph_dropped_from_the_epub_is_named_by_chapter_and_line(small, tmp_path):
    root, paths = small
    data = _without_paragraph(paths["epub"].read_bytes(), "chapter-01.xhtml", 1)
    root, dist = planted(small, tmp_path, "epub", data)
    findings = errors(check.run_checks(load_book(root), dist, check.FAST_CHECKS))
    assert [(f.edition, f.check) for f in findings] == [("epub", "text")]
    message = findings[0].message
    assert message.startswith("01-a.md:8: paragraph, character 1:"), message
    assert "the manuscript has '…段，含3个数字。⟦第⟧二段写得长一些…'" in message
    assert "the EPUB has '…段，含3个数字。⟦最⟧后一段。第二篇…'" in message
    assert "text/chapter-01.xhtml" in message


def test_a_paragraph_dropped_from_the_press_pdf_is_caught(small, tmp_path):
    shorter = dict(CHAPTERS)
    shorter["01-a.md"] = CHAPTERS["01-a.md"].replace("最后一段。\n", "")
    short_root = write_book(tmp_path / "short", chapters=shorter)
    from zhpress.editions.pdf import write_press

    pdf = tmp_path / "press.pdf"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        write_press(load_book(short_root), pdf)
    root, dist = planted(small, tmp_path, "press", pdf.read_bytes())
    findings = errors(check.run_checks(load_book(root), dist, check.FAST_CHECKS))
    assert {(f.edition, f.check) for f in findings} == {("press", "text")}
    assert findings[0].message.startswith("01-a.md:10: paragraph, character 1"), findings[0]
    assert "press PDF" in findings[0].message


def test_a_glyph_missing_from_a_face_is_caught(small, tmp_path, monkeypatch):
    """A subset that lacks one character (a regression the composer's own check would miss):
    WeasyPrint falls back to a system font, and the check names it."""
    import zhpress.editions.pdf as pdf
    import zhpress.typeset.composed_book as composed_book

    root, _ = small
    original = composed_book.subset_file

    def lossy(face, chars, *wide):
        if face.role == "serif":
            chars = chars.replace("段", "")
        return original(face, chars, *wide)

    monkeypatch.setattr(composed_book, "subset_file", lossy)
    monkeypatch.setattr(composed_book, "missing_characters", lambda face, chars: [])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    target = tmp_path / "reader.pdf"
    pdf.write_reader(load_book(root), target)
    root, dist = planted(small, tmp_path, "reader", target.read_bytes())
    findings = errors(check.run_checks(load_book(root), dist, check.FAST_CHECKS))
    fonts = [f for f in findings if f.check == "fonts"]
    assert fonts and fonts[0].edition == "reader"
    assert "not one of the book's faces" in fonts[0].message
    assert all(f.edition == "reader" for f in findings)


def _styles_with(tmp_path: Path, css: str) -> Path:
    from zhpress.editions.templates import STYLES

    styles = tmp_path / "styles"
    shutil.copytree(STYLES, styles)
    with (styles / "print.css").open("a", encoding="utf-8") as handle:
        handle.write("\n" + css + "\n")
    return styles


@pytest.mark.parametrize(
    ("css", "guard"),
    [
        # A gradient is a shading in an RGB colour space: no colour operator to rewrite.
        (".chapter .title { background: linear-gradient(rgb(255 0 0), rgb(0 0 255)); }", True),
        # A plain RGB text colour, with the press writer's own guard gone (a regression).
        (".body { color: rgb(200 30 30); }", False),
    ],
    ids=["gradient", "text-colour"],
)
def test_rgb_colour_in_the_print_css_is_caught(small, tmp_path, monkeypatch, css, guard):
    import zhpress.editions.pdf as pdf
    import zhpress.editions.pdfwrite as pdfwrite

    root, _ = small
    monkeypatch.setattr(pdfwrite, "STYLES", _styles_with(tmp_path, css))
    if not guard:
        monkeypatch.setattr(pdfwrite, "_neutral_rgb_to_k", lambda document: None)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    target = tmp_path / "press.pdf"
    pdf.write_press(load_book(root), target)
    root, dist = planted(small, tmp_path, "press", target.read_bytes())
    findings = errors(check.run_checks(load_book(root), dist, check.FAST_CHECKS))
    colour = [f for f in findings if f.check == "colour"]
    assert colour and colour[0].edition == "press", findings
    assert "RGB" in colour[0].message


def test_a_build_whose_checks_fail_exits_1(small, tmp_path, monkeypatch):
    import zhpress.editions.pdfwrite as pdfwrite
    from zhpress.cli import main

    root, _ = small
    css = ".chapter .title { background: linear-gradient(rgb(255 0 0), rgb(0 0 255)); }"
    monkeypatch.setattr(pdfwrite, "STYLES", _styles_with(tmp_path, css))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = tmp_path / "dist"
    with pytest.raises(ChecksFailed):
        build(root, out, only=("press",), force=True)
    assert main(["--book", str(root), "--out", str(out), "--only", "press", "--force"]) == 1
    # --no-check skips them.
    assert main(["--book", str(root), "--out", str(out), "--only", "press", "--no-check"]) == 0


def test_check_command_prints_the_table_and_exits_1_on_a_planted_defect(small, tmp_path):
    root, paths = small
    data = _without_paragraph(paths["epub"].read_bytes(), "chapter-02.xhtml", 0)
    root, dist = planted(small, tmp_path, "epub", data)
    out = str(dist["epub"].parent)
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "check", "--book", str(root), "--out", out],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^epub\s+text\s+error\s+02-b\.md:6: paragraph", result.stdout, re.M)
    assert re.search(r"^reader\s+text\s+ok", result.stdout, re.M)
    assert "Traceback" not in result.stderr


def test_fast_line_check_agrees_with_pdfmeasure_on_mixed_text(tmp_path, monkeypatch):
    """Bold, kai emphasis, Western words, dashes, nested marks: no false alarm from the fast
    line geometry, and as many lines measured as pdfmeasure measures."""
    from tests.editions.test_pdf import MIXED
    from zhpress.checks.pdfmeasure import measure_edition
    from zhpress.typeset.geometry import geometry_of

    root = write_book(tmp_path / "book", chapters={"01-mixed.md": MIXED})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build(root, tmp_path / "dist", only=("reader", "press"), run_checks=False, force=True)
    book = load_book(root)
    paths = edition_paths(book, tmp_path / "dist")
    paths = {"reader": paths["reader"], "press": paths["press"]}
    outputs = check.Outputs(book, paths)
    for edition in ("reader", "press"):
        problems, checked = lines.line_problems(outputs, edition)
        report = measure_edition(paths[edition], book, geometry_of(book))
        assert problems == [] and report.short_lines == [] and report.prohibited == []
        assert checked == report.lines_checked >= 10
    assert errors(check.run_checks(book, paths, check.FAST_CHECKS)) == []


def test_a_split_word_that_fits_a_line_is_still_caught_a_long_url_is_not(tmp_path, monkeypatch):
    """Breaking inside a Western run is allowed only for one wider than the measure: a
    composer that split any word (planted here) is caught by the fast line check and by
    pdfmeasure, and the URL of the same book is not reported."""
    from zhpress.checks.pdfmeasure import measure_edition
    from zhpress.typeset import compose
    from zhpress.typeset.geometry import geometry_of

    chapter = (
        "---\npanelist: 王小明\ntitle: 断词\n---\n\n"
        "佛山新型工业化的关键词与核心内涵可以概括为Supercalifragilistic这个拆不得的词。\n\n"
        "全文见https://www.example.com/forum/2023/foshan/new-industrialisation/roundtable/"
        "full-text.html?lang=zh&page=1，欢迎查阅。\n"
    )
    root = write_book(tmp_path / "book", chapters={"01-split.md": chapter})
    opened = compose._open_long_runs
    monkeypatch.setattr(compose, "_open_long_runs", lambda p, measure: opened(p, 0.0))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build(root, tmp_path / "dist", only=("reader",), run_checks=False, force=True)
    book = load_book(root)
    paths = {"reader": edition_paths(book, tmp_path / "dist")["reader"]}
    problems, _ = lines.line_problems(check.Outputs(book, paths), "reader")
    assert len(problems) == 1 and "splits the Western word at " in problems[0], problems
    assert "01-split.md:6 line 1" in problems[0]
    report = measure_edition(paths["reader"], book, geometry_of(book))
    assert report.prohibited == ["01-split.md:6 line 1 (page 3): splits a Western word"]


def test_a_press_pdf_without_a_slug_for_the_marks_is_caught(small, tmp_path):
    """WeasyPrint alone writes the MediaBox at the bleed, with its crop marks inside the
    bleed: a press PDF whose finishing step did not run must fail the fast checks."""
    import pikepdf

    root, paths = small
    with pikepdf.open(paths["press"]) as pdf:
        for page in pdf.pages:
            page.obj.MediaBox = page.obj.BleedBox
        data = io.BytesIO()
        pdf.save(data)
    root, dist = planted(small, tmp_path, "press", data.getvalue())
    findings = errors(check.run_checks(load_book(root), dist, check.FAST_CHECKS))
    assert [(f.edition, f.check) for f in findings] == [("press", "boxes")], findings
    assert "slug beyond the bleed is under 3 mm (0.0, 0.0, 0.0, 0.0 mm)" in findings[0].message
